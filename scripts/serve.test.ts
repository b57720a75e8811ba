import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelRoute } from './model-route.ts';
import { createAppServer, parseRange, resolveStaticPath } from './serve.ts';

let root: string;
let base: string;
let server: ReturnType<typeof createAppServer>;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'rewatch-serve-'));
  mkdirSync(join(root, 'assets'));
  writeFileSync(join(root, 'index.html'), '<!doctype html>');
  writeFileSync(join(root, 'assets', 'app-1234.js'), 'export {}');
  writeFileSync(join(root, 'ort.wasm'), new Uint8Array([0, 97, 115, 109]));
  writeFileSync(join(root, 'ort.mjs'), 'export {}');
  mkdirSync(join(root, 'models', 'm', 'onnx'), { recursive: true });
  writeFileSync(join(root, 'models', 'm', 'config.json'), '{}');
  writeFileSync(join(root, 'models', 'm', 'onnx', 'decoder.onnx_data'), new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]));
  server = createAppServer(root, [modelRoute(join(root, 'models'))]);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(root, { recursive: true, force: true });
});

describe('the npm start server', () => {
  it('serves the app with cross-origin isolation headers', async () => {
    const res = await fetch(`${base}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(res.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    expect(await res.text()).toBe('<!doctype html>');
  });

  it('gives .wasm and .mjs the MIME types browsers insist on, and caches hashed assets for good', async () => {
    expect((await fetch(`${base}/ort.wasm`)).headers.get('content-type')).toBe('application/wasm');
    expect((await fetch(`${base}/ort.mjs`)).headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await fetch(`${base}/assets/app-1234.js`)).headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${base}/index.html`)).headers.get('cache-control')).toBe('no-cache');
  });

  it('answers 404 for missing files and paths leaving the root, 405 for writes', async () => {
    expect((await fetch(`${base}/nope.js`)).status).toBe(404);
    expect((await fetch(`${base}/%2e%2e/%2e%2e/etc/passwd`)).status).toBe(404);
    expect((await fetch(`${base}/`, { method: 'POST' })).status).toBe(405);
  });

  it('answers byte ranges (how the inference worker reads weights) and refuses unsatisfiable ones', async () => {
    const ranged = await fetch(`${base}/ort.wasm`, { headers: { Range: 'bytes=1-2' } });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get('content-range')).toBe('bytes 1-2/4');
    expect(new Uint8Array(await ranged.arrayBuffer())).toEqual(new Uint8Array([97, 115]));
    expect((await fetch(`${base}/ort.wasm`)).headers.get('accept-ranges')).toBe('bytes');
    expect(
      new Uint8Array(await (await fetch(`${base}/ort.wasm`, { headers: { Range: 'bytes=-1' } })).arrayBuffer()),
    ).toEqual(new Uint8Array([109]));
    expect((await fetch(`${base}/ort.wasm`, { headers: { Range: 'bytes=9-' } })).status).toBe(416);
    expect(parseRange('bytes=0-0', 10)).toEqual({ start: 0, end: 0 });
    expect(parseRange('bytes=5-100', 10)).toEqual({ start: 5, end: 9 });
    expect(parseRange('bytes=0-1,3-4', 10)).toBeNull();
  });

  it('serves model files with ranges to any origin (a 404 too, so a missing optional file reads as one)', async () => {
    const ranged = await fetch(`${base}/models/m/onnx/decoder.onnx_data`, { headers: { Range: 'bytes=2-5' } });
    expect(ranged.status).toBe(206);
    expect(new Uint8Array(await ranged.arrayBuffer())).toEqual(new Uint8Array([3, 4, 5, 6]));
    expect(ranged.headers.get('access-control-allow-origin')).toBe('*');
    expect(ranged.headers.get('access-control-expose-headers')).toContain('Content-Range');
    const missing = await fetch(`${base}/models/m/chat_template.jinja`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('resolves URL paths only inside the root', () => {
    expect(resolveStaticPath('/srv/app', '/a/b.js?v=1')).toBe('/srv/app/a/b.js');
    expect(resolveStaticPath('/srv/app', '/docs/')).toBe('/srv/app/docs/index.html');
    expect(resolveStaticPath('/srv/app', '/../secret')).toBeNull();
    expect(resolveStaticPath('/srv/app', '/%E0%A4%A')).toBeNull();
  });
});
