/**
 * A worker_threads thread of the CLI's quantization pool (node-quantize-pool.ts): quantizes the row slices
 * it is sent and sends the results back, buffers transferred.
 */
import { parentPort } from 'node:worker_threads';
import { quantizeJob, resultBuffers, type QuantizeJob } from './quantize-runner.ts';

parentPort!.on('message', (job: QuantizeJob) => {
  const result = quantizeJob(job);
  parentPort!.postMessage(result, resultBuffers(result));
});
