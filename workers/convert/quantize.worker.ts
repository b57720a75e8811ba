/**
 * A thread of the page's quantization pool (quantize-pool.ts): quantizes the row slices the convert worker
 * sends and sends the results back, buffers transferred.
 */
import { quantizeJob, resultBuffers, type QuantizeJob } from '../../models/converter/quantize-runner.ts';

self.onmessage = (event: MessageEvent<QuantizeJob>) => {
  const result = quantizeJob(event.data);
  self.postMessage(result, { transfer: resultBuffers(result) });
};
