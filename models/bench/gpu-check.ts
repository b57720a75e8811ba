/**
 * The GPU check (scripts/gpu-kit/): on a machine with a real GPU and no network, the 7B's inference figures
 * and their memory-bandwidth bound. Converts the synthetic checkpoint of `--preset` (default 7b) into `--work`
 * if it is not there yet, runs the bench:infer stages on onnxruntime-node (`--device webgpu`: Dawn's WebGPU
 * over Vulkan; `cpu` for a dry run anywhere), and prints each stage with, for decode, the bound a GPU with
 * `--bandwidth-gbs` of memory bandwidth cannot beat: every decoder weight and the KV cache read once per token.
 *
 *   node gpu-check.mjs --work <dir> --prompt-files <tokenizer folder> [--preset 7b] [--dtype q4f16]
 *     [--device webgpu|cpu] [--frames 16] [--contexts 1024,4096,12288] [--steps 5] [--bandwidth-gbs 4800]
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { GRAPHS, isDtype, onnxPath, floatTypeOf, type ModelDtype } from '../../src/lib/models/model-layout.ts';
import { LoadedModel } from '../../workers/inference/loaded-model.ts';
import { nodeBackend } from '../../workers/inference/node-backend.ts';
import { nodeModelFolder } from '../../workers/inference/node-model-folder.ts';
import { syntheticModel } from './bench-model.ts';
import { runStages, type BenchOptions, type StageReport } from './infer-stages.ts';
import { PRESETS, type PresetName } from './presets.ts';

/** Bytes of one graph's files (the .onnx and its external data). */
function graphBytes(dir: string, file: string): number {
  const name = file.split('/').pop()!;
  return readdirSync(join(dir, 'onnx'))
    .filter((f) => f === name || f.startsWith(`${name}_data`))
    .reduce((n, f) => n + statSync(join(dir, 'onnx', f)).size, 0);
}

const { values } = parseArgs({
  options: {
    work: { type: 'string' },
    'prompt-files': { type: 'string' },
    preset: { type: 'string', default: '7b' },
    dtype: { type: 'string', default: 'q4f16' },
    device: { type: 'string', default: 'webgpu' },
    frames: { type: 'string', default: '16' },
    contexts: { type: 'string', default: '1024,4096,12288' },
    steps: { type: 'string', default: '5' },
    'bandwidth-gbs': { type: 'string', default: '4800' },
  },
});
if (
  !values.work ||
  !values['prompt-files'] ||
  !(values.preset! in PRESETS) ||
  !isDtype(values.dtype!) ||
  (values.device !== 'webgpu' && values.device !== 'cpu')
) {
  console.error(
    'usage: gpu-check --work <dir> --prompt-files <tokenizer folder> [--preset 7b] [--dtype q4f16] [--device webgpu|cpu] [--frames 16] [--contexts 1024,4096,12288] [--steps 5] [--bandwidth-gbs 4800]',
  );
  process.exit(2);
}
const preset = PRESETS[values.preset as PresetName];
const dtype = values.dtype as ModelDtype;
const model = await syntheticModel(values.work, values.preset as PresetName, dtype, values['prompt-files']);
const options: BenchOptions = {
  dtype,
  frames: Number(values.frames),
  contexts: values.contexts!.split(',').map(Number),
  steps: Number(values.steps),
  prefillChunk: 512,
};
const bandwidth = Number(values['bandwidth-gbs']) * 1e9;
const decoderBytes = graphBytes(model, onnxPath('decoder_model_merged', dtype));
const kvBytesPerToken =
  preset.text.layers *
  2 *
  preset.text.kvHeads *
  (preset.text.hidden / preset.text.heads) *
  (floatTypeOf(dtype) === 'float16' ? 2 : 4);
console.log(
  `${values.preset} ${dtype} on onnxruntime-node ${values.device}: graphs ${GRAPHS.map((g) => `${g} ${(graphBytes(model, onnxPath(g, dtype)) / 1e9).toFixed(2)} GB`).join(', ')}`,
);
const started = performance.now();
await runStages(
  () => LoadedModel.open(nodeModelFolder(model), nodeBackend(values.device as 'webgpu' | 'cpu'), dtype),
  options,
  (r: StageReport) => {
    const at = `[${((performance.now() - started) / 1000).toFixed(0)} s]`;
    if (r.stage === 'load')
      console.log(`${at} load ${(r.ms / 1000).toFixed(1)} s, KV cache ${r.kvInPlace ? 'in place' : 'grown per step'}`);
    if (r.stage === 'prefill')
      console.log(
        `${at} ${r.frames ? `vision ${r.visionMsPerFrame.toFixed(1)} ms/frame; ` : ''}prefill ${r.promptTokens} tokens at ${r.prefillTokensPerSecond.toFixed(0)} tok/s; TTFT ${(r.ttftMs / 1000).toFixed(2)} s`,
      );
    if (r.stage === 'decode') {
      const bound = ((decoderBytes + kvBytesPerToken * r.context) / bandwidth) * 1000;
      console.log(
        `${at} decode at ${r.context}: ${r.msPerToken.toFixed(2)} ms/token; bandwidth bound ${bound.toFixed(2)} ms/token (${((decoderBytes + kvBytesPerToken * r.context) / 1e9).toFixed(2)} GB per token at ${values['bandwidth-gbs']} GB/s)`,
      );
    }
  },
);
