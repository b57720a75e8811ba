/** A converted model folder on this machine's disk (Node: `npm run ask`, parity, benchmarks). */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ModelFolder } from './model-folder.ts';

export function nodeModelFolder(dir: string): ModelFolder {
  const root = resolve(dir);
  return {
    label: root,
    read: async (path) => (existsSync(join(root, path)) ? new Uint8Array(readFileSync(join(root, path))) : null),
    readLarge: async (path) => new Uint8Array(readFileSync(join(root, path))),
    localPath: (path) => join(root, path),
  };
}
