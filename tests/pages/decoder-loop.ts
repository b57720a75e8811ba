/**
 * Page side of tests/e2e/decoder-loop.test.ts and bench:infer (models/bench/infer-bench.ts): the generation loop
 * in a real browser worker (decoder-loop.worker.ts), wrapped with comlink, as `window.harness`.
 */
import { proxy, wrap } from 'comlink';
import type { BenchOptions, StageReport } from '../../models/bench/infer-stages.ts';
import { setHarness } from '../support/harness.ts';
import type { DecoderLoopApi } from './decoder-loop.worker.ts';

/** What the page calls back: bench:infer exposes it (page.exposeFunction) before it calls `bench`. */
export interface DecoderLoopWindow {
  benchStage(report: StageReport): Promise<void>;
}

const loop = wrap<DecoderLoopApi>(
  new Worker(new URL('./decoder-loop.worker.ts', import.meta.url), { type: 'module', name: 'decoder-loop' }),
);

const harness = {
  /** bench:infer's stages on onnxruntime-web, each report passed to `window.benchStage` as the stage ends. */
  bench(modelUrl: string, device: 'webgpu' | 'wasm', options: BenchOptions): Promise<void> {
    const w = window as unknown as DecoderLoopWindow;
    return loop.bench(
      modelUrl,
      device,
      options,
      proxy((report: StageReport) => void w.benchStage(report)),
    );
  },
  kvProbe: (...args: Parameters<DecoderLoopApi['kvProbe']>) => loop.kvProbe(...args),
  chunkedVsOneShot: (...args: Parameters<DecoderLoopApi['chunkedVsOneShot']>) => loop.chunkedVsOneShot(...args),
};

export type DecoderLoopHarness = typeof harness;
setHarness(harness);
