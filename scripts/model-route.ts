/**
 * `npm start`'s route for converted models: serves `<repo>/models/<folder>/...` at `/models/<folder>/...`
 * (the catalog's folder URLs, e.g. /models/rewatch-r1-7b/), so a model converted into models/ is found by
 * the page and becomes the default. Only files inside a folder that holds a config.json are served: the
 * converter's sources beside them are not part of the site. Model files are readable from other origins (CORS,
 * with the range headers exposed), so a deployment elsewhere can load a model from this server.
 */
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import { resolveStaticPath, sendFile, type Route } from './serve.ts';

const PREFIX = '/models/';

const CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Expose-Headers': 'Content-Range, Content-Length, Accept-Ranges',
  'Cross-Origin-Resource-Policy': 'cross-origin',
};

/** The model folder (holding config.json) that contains `file`, or null. */
function modelFolderOf(modelsDir: string, file: string): string | null {
  for (let dir = dirname(file); dir.startsWith(modelsDir + sep); dir = dirname(dir)) {
    if (existsSync(join(dir, 'config.json'))) return dir;
  }
  return null;
}

export function modelRoute(modelsDir: string): Route {
  return async (req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (!path.startsWith(PREFIX) || (req.method !== 'GET' && req.method !== 'HEAD')) return false;
    // Every answer, a 404 included, is readable from other origins (an optional file's absence must read as a 404).
    for (const [name, value] of Object.entries(CORS)) res.setHeader(name, value);
    const file = resolveStaticPath(modelsDir, path.slice(PREFIX.length - 1));
    const info = file && modelFolderOf(modelsDir, file) ? await stat(file).catch(() => null) : null;
    if (!file || !info?.isFile()) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`No such model file: ${path}\n`);
      return true;
    }
    sendFile(req, res, file, info.size, {
      'Content-Type': file.endsWith('.json') ? 'application/json; charset=utf-8' : 'application/octet-stream',
      'Cache-Control': 'no-cache',
    });
    return true;
  };
}
