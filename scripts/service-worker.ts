/**
 * Vite plugin (build only): bundles src/sw.ts as `sw.js` at the root of the build and prepends the list of
 * files to precache (every emitted file and everything under public/, the ORT runtime included) and a
 * version hash of that list, so each build's service worker differs byte-wise and the browser updates it.
 */
import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { Plugin } from 'vite';

const SERVICE_WORKER_FILE = 'sw.js';

function filesUnder(dir: string): string[] {
  let found: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    found = statSync(path).isDirectory() ? found.concat(filesUnder(path)) : found.concat(path);
  }
  return found;
}

export function serviceWorker(): Plugin {
  let publicDir = '';
  return {
    name: 'rewatch-service-worker',
    apply: 'build',
    configResolved(config) {
      publicDir = config.publicDir;
    },
    buildStart() {
      this.emitFile({ type: 'chunk', id: 'src/sw.ts', fileName: SERVICE_WORKER_FILE });
    },
    generateBundle(_options, bundle) {
      const sw = bundle[SERVICE_WORKER_FILE];
      if (!sw || sw.type !== 'chunk') throw new Error(`${SERVICE_WORKER_FILE} was not bundled`);
      const fromPublic = publicDir ? filesUnder(publicDir).map((f) => relative(publicDir, f).split(sep).join('/')) : [];
      const built = Object.keys(bundle).filter((f) => f !== SERVICE_WORKER_FILE && !f.endsWith('.map'));
      const precache = [...new Set([...built, ...fromPublic])].sort();
      const hash = createHash('sha256');
      for (const file of built) {
        const output = bundle[file];
        hash.update(file).update(output.type === 'chunk' ? output.code : output.source);
      }
      for (const file of fromPublic) hash.update(file).update(String(statSync(join(publicDir, file)).size));
      const version = hash.digest('hex').slice(0, 16);
      sw.code = `const PRECACHE = ${JSON.stringify(precache)};\nconst BUILD_VERSION = ${JSON.stringify(version)};\n${sw.code}`;
    },
  };
}
