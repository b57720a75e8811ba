/**
 * npm run convert -- --in <checkpoint dir> --out <model dir> --dtype fp32|fp16|q4|q4f16 [--dtype ...] [--attention gqa|sdpa] [--threads N]
 * Prints one line per written graph; exits 1 with the error's message on bad input. Quantizes on every
 * core unless --threads says otherwise (1: this thread only); the output is the same either way.
 */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { convert } from './convert.ts';
import { DTYPES } from '../../src/lib/models/model-layout.ts';

const USAGE = `usage: npm run convert -- --in <checkpoint dir> --out <model dir> --dtype <${DTYPES.join('|')}> [--dtype ...] [--attention gqa|sdpa] [--threads N]`;

try {
  const { values } = parseArgs({
    options: {
      in: { type: 'string' },
      out: { type: 'string' },
      dtype: { type: 'string', multiple: true },
      attention: { type: 'string', default: 'gqa' },
      threads: { type: 'string', default: String(availableParallelism()) },
    },
  });
  if (!values.in || !values.out || !values.dtype?.length) throw new TypeError(USAGE);
  const attention = values.attention;
  if (attention !== 'gqa' && attention !== 'sdpa')
    throw new TypeError(`unsupported --attention ${attention}; expected gqa or sdpa`);
  const threads = Number(values.threads);
  if (!Number.isInteger(threads) || threads < 1)
    throw new TypeError(`--threads ${values.threads}: expected a whole number >= 1`);
  const started = performance.now();
  const result = await convert({
    input: values.in,
    output: values.out,
    dtypes: values.dtype,
    attention,
    threads,
    log: (l) => console.log(l),
  });
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `converted ${(result.inputBytes / 1e6).toFixed(1)} MB in ${seconds.toFixed(1)} s (${(result.inputBytes / 1e6 / seconds).toFixed(1)} MB/s) -> ${values.out}`,
  );
  console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
} catch (e) {
  console.error(`convert: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
}
