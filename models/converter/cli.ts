/**
 * npm run convert -- --in <checkpoint dir> --out <model dir> --dtype fp32|fp16|q4|q4f16 [--dtype ...]
 * Prints one line per written graph; exits 1 with the error's message on bad input.
 */
import { parseArgs } from 'node:util';
import { convert } from './convert.ts';
import { DTYPES } from './dtypes.ts';

const USAGE = `usage: npm run convert -- --in <checkpoint dir> --out <model dir> --dtype <${DTYPES.join('|')}> [--dtype ...]`;

try {
  const { values } = parseArgs({
    options: { in: { type: 'string' }, out: { type: 'string' }, dtype: { type: 'string', multiple: true } },
  });
  if (!values.in || !values.out || !values.dtype?.length) throw new TypeError(USAGE);
  const started = performance.now();
  const result = await convert({ input: values.in, output: values.out, dtypes: values.dtype, log: (l) => console.log(l) });
  const seconds = (performance.now() - started) / 1000;
  console.log(`converted ${(result.inputBytes / 1e6).toFixed(1)} MB in ${seconds.toFixed(1)} s (${(result.inputBytes / 1e6 / seconds).toFixed(1)} MB/s) -> ${values.out}`);
  console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
} catch (e) {
  console.error(`convert: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
}
