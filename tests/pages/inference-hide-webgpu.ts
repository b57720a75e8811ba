/** Removes WebGPU from this worker, as in a browser without it. Imported first, before any library runs. */
delete (WorkerNavigator.prototype as { gpu?: unknown }).gpu;
