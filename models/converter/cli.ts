/**
 * npm run convert -- --in <checkpoint dir> --out <model dir> --dtype fp32|fp16|q4|q4f16 [--dtype ...] [--attention gqa|sdpa]
 * Prints one line per written graph; exits 1 with the error's message on bad input.
 */
import { parseArgs } from 'node:util';
import { convert } from './convert.ts';
import { DTYPES } from '../../src/lib/models/model-layout.ts';

const USAGE = `usage: npm run convert -- --in <checkpoint dir> --out <model dir> --dtype <${DTYPES.join('|')}> [--dtype ...] [--attention gqa|sdpa]`;

try {
  const { values } = parseArgs({
    options: {
      in: { type: 'string' },
      out: { type: 'string' },
      dtype: { type: 'string', multiple: true },
      attention: { type: 'string', default: 'gqa' },
    },
  });
  if (!values.in || !values.out || !values.dtype?.length) throw new TypeError(USAGE);
  const attention = values.attention;
  if (attention !== 'gqa' && attention !== 'sdpa')
    throw new TypeError(`unsupported --attention ${attention}; expected gqa or sdpa`);
  const started = performance.now();
  const result = await convert({
    input: values.in,
    output: values.out,
    dtypes: values.dtype,
    attention,
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
