/**
 * `npm run soak [-- --runs N --videos K]`: many questions in a row in the app, in Chromium, with the tiny
 * reference model on WASM, over K ffmpeg-made videos with switches, Stops and model reloads mixed in
 * (tests/support/soak-loop.ts). Prints, after each run, the renderer's and GPU process's memory (PSS), the
 * page's JS heap (after a garbage collection), the VideoFrames the frames worker still holds (by its own count,
 * and decoder outputs not closed) and the workers alive; then how each grew after the warm-up runs. It prints
 * figures; it is not a test (the short soak in tests/e2e/soak.test.ts is).
 */
import { parseArgs } from 'node:util';
import { openSoak, runSoak, soakPlan, soakVideos, type SoakSample } from '../tests/support/soak-loop.ts';
import { growthAfterWarmup } from './soak-figures.ts';

const WARMUP = 5;

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '50' }, videos: { type: 'string', default: '5' } },
});
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a whole number >= 1, not ${values.runs}`);
const videos = soakVideos(Number(values.videos));

const columns = [
  'run',
  'video',
  'action',
  's',
  'renderer MB',
  'GPU MB',
  'JS heap MB',
  'live frames',
  'decoded open',
  'workers',
];
const row = (s: SoakSample) =>
  [
    s.run,
    s.video,
    s.action || '-',
    s.seconds.toFixed(1),
    s.rendererMb.toFixed(0),
    s.gpuMb.toFixed(0),
    s.heapMb.toFixed(1),
    s.liveFrames,
    s.decodedOpen,
    s.workers,
  ].join(' | ');

function growthLine(name: string, unit: string, samples: SoakSample[], pick: (s: SoakSample) => number): string {
  const g = growthAfterWarmup(samples.map(pick), WARMUP);
  if (!g) return `${name}: fewer than two runs after the ${WARMUP} warm-up runs`;
  const sign = (v: number) => (v >= 0 ? '+' : '') + v.toFixed(1);
  const first = `runs ${WARMUP + 1}-${WARMUP + g.window}`;
  const last = `runs ${samples.length - g.window + 1}-${samples.length}`;
  return (
    `${name}: ${g.base.toFixed(1)} ${unit} (median of ${first}) -> ${g.last.toFixed(1)} (median of ${last}): ` +
    `${sign(g.growthPct)}%; peak ${g.peak.toFixed(1)} (${sign(g.peakPct)}%); trend ${sign(g.perRun)} ${unit}/run`
  );
}

console.log(`soak: ${runs} runs over ${videos.join(', ')}; tiny model on WASM`);
const soak = await openSoak();
try {
  console.log(columns.join(' | '));
  console.log(columns.map(() => '---').join(' | '));
  const samples = await runSoak(soak, soakPlan(runs, videos), (s) => console.log(row(s)));
  console.log(`\ngrowth after the warm-up (the first ${WARMUP} runs):`);
  console.log(growthLine('renderer PSS', 'MB', samples, (s) => s.rendererMb));
  console.log(growthLine('renderer + GPU PSS', 'MB', samples, (s) => s.rendererMb + s.gpuMb));
  console.log(growthLine('JS heap', 'MB', samples, (s) => s.heapMb));
  const leaked = samples
    .filter((s) => s.liveFrames > 0 || s.decodedOpen > 0)
    .map((s) => `run ${s.run}: ${s.liveFrames} held, ${s.decodedOpen} decoded and not closed`);
  console.log(`live VideoFrames after a run: ${leaked.length ? leaked.join('; ') : '0 after every run'}`);
  const workers = [...new Set(samples.map((s) => s.workers))];
  console.log(`workers: ${workers.length === 1 ? `${workers[0]} after every run` : `varied: ${workers.join(', ')}`}`);
  console.log(`time: ${samples.reduce((t, s) => t + s.seconds, 0).toFixed(0)} s for ${runs} runs`);
} catch (error) {
  console.log(soak.log.slice(-30).join('\n'));
  throw error;
} finally {
  await soak.close();
}
