/**
 * npm run parity -- --model <converted dir> --case <reference case path without extension>
 *   [--dtype fp32|fp16|q4|q4f16 ...] [--runtime node|wasm|both] [--from-frames]
 * --from-frames starts from the case's raw frames instead of its recorded inputs (see from-frames.ts).
 * Prints each tensor's max-abs-diff and cosine and the greedy-id agreement; exits 1 when any run is out
 * of tolerance (see tolerances.ts).
 */
import { parseArgs } from 'node:util';
import { DTYPES, isDtype } from '../../src/lib/models/model-layout.ts';
import { formatReport, runParity } from './parity.ts';
import { formatInputChecks, runFromFrames } from './from-frames.ts';
import { loadParityCase } from './reference-case.ts';
import { RUNTIMES, type RuntimeName } from './runtime.ts';

const USAGE = `usage: npm run parity -- --model <dir> --case <case path> [--dtype ${DTYPES.join('|')}] [--runtime node|wasm|both] [--from-frames]`;

try {
  const { values } = parseArgs({
    options: {
      model: { type: 'string' },
      case: { type: 'string' },
      dtype: { type: 'string', multiple: true },
      runtime: { type: 'string', default: 'both' },
      'from-frames': { type: 'boolean', default: false },
    },
  });
  if (!values.model || !values.case) throw new TypeError(USAGE);
  const dtypes = values.dtype ?? ['fp32'];
  const bad = dtypes.filter((d) => !isDtype(d));
  if (bad.length) throw new TypeError(`unsupported --dtype ${bad.join(', ')}; expected one of ${DTYPES.join(', ')}`);
  const runtimes: RuntimeName[] =
    values.runtime === 'both'
      ? [...RUNTIMES]
      : (RUNTIMES as readonly string[]).includes(values.runtime)
        ? [values.runtime as RuntimeName]
        : [];
  if (!runtimes.length) throw new TypeError(`unsupported --runtime ${values.runtime}; expected node, wasm or both`);
  const c = loadParityCase(values.case);
  let failed = false;
  for (const dtype of dtypes.filter(isDtype)) {
    for (const runtime of runtimes) {
      if (values['from-frames']) {
        const { inputs, parity } = await runFromFrames(values.model, values.case, dtype, runtime);
        console.log(formatInputChecks(c.name, inputs));
        console.log(formatReport(parity));
        failed ||= parity.failures.length > 0 || inputs.some((i) => !i.ok);
        continue;
      }
      const report = await runParity(values.model, c, dtype, runtime);
      console.log(formatReport(report));
      failed ||= report.failures.length > 0;
    }
  }
  process.exit(failed ? 1 : 0);
} catch (e) {
  console.error(`parity: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(2);
}
