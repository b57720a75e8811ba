/**
 * A worker_threads thread of the CLI's quantization pool (node-quantize-pool.ts): quantizes (or casts) the
 * row slices it is sent and sends the results back, buffers transferred.
 */
import { parentPort } from 'node:worker_threads';
import { runJob, resultBuffers, type ReadJob } from './quantize-runner.ts';

parentPort!.on('message', (job: ReadJob) => {
  const result = runJob(job);
  parentPort!.postMessage(result, resultBuffers(result));
});
