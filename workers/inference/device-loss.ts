/**
 * Notices when ONNX Runtime's WebGPU device is lost (driver reset, GPU process crash, out of memory). ORT
 * keeps one device per worker and cannot replace it, so a lost device ends this worker's usefulness: the
 * caller gets a 'device-lost' error and starts a fresh worker.
 */
import { env } from '@huggingface/transformers';
import type { WebGpuDevice } from './webgpu-device.ts';

/**
 * Calls `onLost` with a message for people once the WebGPU device used by ORT (`given`, when the worker
 * gave ORT its own, else the one ORT created) is lost. A loss with reason
 * 'destroyed' is ignored: only an explicit destroy() in this worker gives it, which ORT does when the last
 * session on a device is released (loading another model), and the next sessions get a new device.
 * Returns a promise that settles once a loss has been handled (never, while the device lives), so a caller
 * whose GPU work just failed can give the loss a moment to be reported before naming the failure.
 */
export async function watchDeviceLoss(onLost: (message: string) => void, given: WebGpuDevice | null): Promise<Promise<void>> {
  const webgpu = (env.backends.onnx as { webgpu?: { device?: Promise<WebGpuDevice> } }).webgpu;
  const device = given ?? (await webgpu?.device);
  if (!device) return new Promise<void>(() => {});
  return device.lost.then((info) => {
    if (info.reason === 'destroyed') return;
    const detail = info.message ? `: ${info.message}` : '';
    onLost(`The GPU device was lost (${info.reason ?? 'unknown reason'}${detail}). Reload the model to continue.`);
  });
}
