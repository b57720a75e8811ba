/**
 * Notices when the worker's WebGPU device is lost (driver reset, GPU process crash, out of memory). ORT keeps
 * one device per worker and cannot replace it, so a lost device ends this worker's usefulness: the caller gets
 * a 'device-lost' error and starts a fresh worker.
 */

/**
 * Calls `onLost` with a message for people once `device` is lost. A loss with reason 'destroyed' is ignored:
 * only an explicit destroy() in this worker gives it. Returns a promise that settles once a loss has been
 * handled (never, while the device lives), so a caller whose GPU work just failed can give the loss a moment
 * to be reported before naming the failure.
 */
export function watchDeviceLoss(device: GPUDevice, onLost: (message: string) => void): Promise<void> {
  return device.lost.then((info) => {
    if (info.reason === 'destroyed') return;
    const detail = info.message ? `: ${info.message}` : '';
    onLost(`The GPU device was lost (${info.reason ?? 'unknown reason'}${detail}). Reload the model to continue.`);
  });
}
