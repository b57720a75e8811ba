/**
 * A thread of the page's quantization pool (quantize-pool.ts): quantizes (or casts) the row slices the
 * convert worker sends and sends the results back, buffers transferred.
 */
import { runJob, resultBuffers, type ReadJob } from '../../models/converter/quantize-runner.ts';

self.onmessage = (event: MessageEvent<ReadJob>) => {
  const result = runJob(event.data);
  self.postMessage(result, { transfer: resultBuffers(result) });
};
