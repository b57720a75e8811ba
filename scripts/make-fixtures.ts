/**
 * Generates everything the tests run on that the project makes itself (converted tiny models, ffmpeg test
 * videos) into models/fixtures/. Each maker in scripts/fixtures/ owns one kind of fixture and skips work
 * whose output is already up to date.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const dir = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
for (const file of readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
  .sort()) {
  const started = performance.now();
  const maker = (await import(pathToFileURL(join(dir, file)).href)) as { default: () => Promise<void> };
  await maker.default();
  console.log(`fixtures: ${file} ready in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
