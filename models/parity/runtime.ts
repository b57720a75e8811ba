/**
 * The two runtimes parity runs the converted graphs on, both in Node: onnxruntime-node (native CPU) and
 * onnxruntime-web's WASM build (the code path browsers without WebGPU use). `backendFor` gives the generation
 * loop's backend on each; `openSession` runs single graphs with plain host tensors (the converter's tests).
 */
import { readFileSync, existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import type { GraphBackend } from '../../workers/inference/graph-backend.ts';
import { nodeBackend } from '../../workers/inference/node-backend.ts';
import { webBackend } from '../../workers/inference/web-backend.ts';
import type { HostTensor } from './host-tensor.ts';
import type * as OrtNode from 'onnxruntime-node';
import type * as OrtWeb from 'onnxruntime-web';

export const RUNTIMES = ['node', 'wasm'] as const;
export type RuntimeName = (typeof RUNTIMES)[number];

export interface GraphSession {
  readonly inputNames: readonly string[];
  run(feeds: Record<string, HostTensor>): Promise<Record<string, HostTensor>>;
  release(): Promise<void>;
}

type Ort = typeof OrtNode;

async function loadRuntime(name: RuntimeName): Promise<Ort> {
  if (name === 'node') return (await import('onnxruntime-node')).default ?? (await import('onnxruntime-node'));
  const web = (await import('onnxruntime-web')) as unknown as Ort & {
    env: { wasm: { wasmPaths?: string; numThreads?: number } };
  };
  // Local files, never a CDN; one thread keeps results independent of the machine's core count.
  const dist = dirname(createRequire(import.meta.url).resolve('onnxruntime-web'));
  web.env.wasm.wasmPaths = `${dist}/`;
  web.env.wasm.numThreads = 1;
  return web;
}

/** External data files next to the model (`<file>_data`, `<file>_data_1`, ...), as ORT-web needs them handed over. */
function externalData(path: string): { path: string; data: Uint8Array }[] {
  const files = [];
  for (let i = 0; ; i++) {
    const name = `${basename(path)}_data${i === 0 ? '' : `_${i}`}`;
    if (!existsSync(join(dirname(path), name))) return files;
    files.push({ path: name, data: new Uint8Array(readFileSync(join(dirname(path), name))) });
  }
}

export async function openSession(runtime: RuntimeName, path: string): Promise<GraphSession> {
  const ort = await loadRuntime(runtime);
  const session =
    runtime === 'node'
      ? await ort.InferenceSession.create(path, { executionProviders: ['cpu'] })
      : await ort.InferenceSession.create(new Uint8Array(readFileSync(path)), {
          executionProviders: ['wasm'],
          externalData: externalData(path),
        } as never);
  return {
    inputNames: session.inputNames,
    async run(feeds) {
      const ortFeeds = Object.fromEntries(
        Object.entries(feeds).map(([k, t]) => [k, new ort.Tensor(t.type, t.data as never, t.dims)]),
      );
      const out = await session.run(ortFeeds);
      return Object.fromEntries(
        Object.entries(out).map(([k, t]) => [k, { type: t.type, dims: [...t.dims], data: t.data } as HostTensor]),
      );
    },
    release: () => session.release(),
  };
}

/** The generation loop's backend on `runtime`. */
export async function backendFor(runtime: RuntimeName): Promise<GraphBackend> {
  if (runtime === 'node') return nodeBackend('cpu');
  return webBackend((await loadRuntime('wasm')) as unknown as typeof OrtWeb, 'wasm');
}
