/**
 * bench:infer's Node side, run as a child process so its memory is its own: the stages of infer-stages.ts on
 * onnxruntime-node, one JSON line per stage on stdout (`BENCH {...}`), then the process's peak RSS.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { isDtype } from '../../src/lib/models/model-layout.ts';
import { LoadedModel } from '../../workers/inference/loaded-model.ts';
import { nodeBackend } from '../../workers/inference/node-backend.ts';
import { nodeModelFolder } from '../../workers/inference/node-model-folder.ts';
import { runStages, type BenchOptions } from './infer-stages.ts';

const { values } = parseArgs({
  options: { model: { type: 'string' }, options: { type: 'string' }, device: { type: 'string', default: 'cpu' } },
});
const options = JSON.parse(values.options ?? '{}') as BenchOptions;
if (!values.model || !isDtype(options.dtype) || (values.device !== 'cpu' && values.device !== 'webgpu')) {
  console.error(
    'usage: tsx models/bench/infer-node.ts --model <dir> --options <BenchOptions JSON> [--device cpu|webgpu]',
  );
  process.exit(2);
}
const emit = (value: unknown) => console.log(`BENCH ${JSON.stringify(value)}`);
await runStages(
  () => LoadedModel.open(nodeModelFolder(values.model!), nodeBackend(values.device as 'cpu' | 'webgpu'), options.dtype),
  options,
  emit,
);
const peak = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? NaN);
emit({ stage: 'memory', peakRssMb: peak / 1024 });
