/**
 * Is there a converted model at a folder URL, and if not, why not: the person typed the URL, so "missing" is
 * not enough. A fetch that throws cannot say whether the host is down or answered without CORS: the page is
 * cross-origin isolated, so even an opaque no-cors request to a host without CORS or CORP headers fails the
 * same way. The message names both causes and the header that fixes the second.
 */
import { isHtml } from './model-download.ts';

export type FolderProbe =
  { kind: 'ok' } | { kind: 'unreachable' | 'not-found' | 'http-error' | 'not-a-model'; message: string };

export async function probeModelFolder(folderUrl: string): Promise<FolderProbe> {
  const configUrl = `${folderUrl}config.json`;
  const host = new URL(folderUrl).host;
  let response: Response;
  try {
    response = await fetch(configUrl, { cache: 'no-store' });
  } catch {
    return {
      kind: 'unreachable',
      message: `Could not read ${configUrl}: ${host} is down or the address is wrong, or it does not allow this page to read it (serve the folder with "Access-Control-Allow-Origin: *").`,
    };
  }
  if (response.status === 404) {
    return {
      kind: 'not-found',
      message: `Nothing at ${configUrl} (HTTP 404): the URL must be the converted folder, the one holding config.json and onnx/.`,
    };
  }
  if (!response.ok) {
    return {
      kind: 'http-error',
      message: `${configUrl} answered HTTP ${response.status} ${response.statusText}`.trim() + '.',
    };
  }
  const page = isHtml(response);
  const config: unknown = page ? null : await response.json().catch(() => null);
  if (typeof config !== 'object' || config === null || !('model_type' in config)) {
    return {
      kind: 'not-a-model',
      message: `${folderUrl} is not a converted model folder: its config.json is missing or not a model's (got ${page ? 'a web page' : 'something else'}).`,
    };
  }
  return { kind: 'ok' };
}
