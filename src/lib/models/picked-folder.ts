/**
 * A converted model folder the user picked (folder input or drop): checks it is one, and turns it into a
 * `files` ModelSource with paths relative to the folder root, plus the dtype to load from the graphs it has.
 */
import type { ModelDtype, ModelSource } from '../protocol/inference-protocol.ts';
import { chooseDtype } from './capability.ts';
import { GRAPHS, onnxPath } from './model-layout.ts';

export interface PickedFolder {
  name: string;
  source: Extract<ModelSource, { kind: 'files' }>;
  dtype: ModelDtype;
}

/** Dtypes whose three graphs are all present. */
export function completeDtypes(paths: ReadonlySet<string>): ModelDtype[] {
  return (['q4f16', 'q4', 'fp16', 'fp32'] as const).filter((d) => GRAPHS.every((s) => paths.has(onnxPath(s, d))));
}

/**
 * A picked folder's name and its files with paths relative to it: paths as the browser gives them
 * (`<folder>/onnx/x.onnx` from webkitRelativePath) lose their common top folder.
 */
export function relativeToTop<F extends { path: string }>(files: readonly F[]): { name: string; files: F[] } {
  const top = files[0]?.path.includes('/') ? files[0].path.slice(0, files[0].path.indexOf('/') + 1) : '';
  const inTop = top !== '' && files.every((f) => f.path.startsWith(top));
  return {
    name: inTop ? top.slice(0, -1) : 'picked files',
    files: files.map((f) => ({ ...f, path: inTop ? f.path.slice(top.length) : f.path })),
  };
}

/**
 * `files` carry paths as the browser gives them (`<folder>/onnx/x.onnx` from webkitRelativePath); the
 * common top folder is stripped. Throws a TypeError saying what is wrong with the folder.
 */
export function pickedFolder(
  files: readonly { path: string; file: Blob }[],
  gpuFeatures: readonly string[],
): PickedFolder {
  if (files.length === 0)
    throw new TypeError(
      'The folder is empty: pick the folder `npm run convert` wrote (it holds config.json and onnx/).',
    );
  const { name, files: relative } = relativeToTop(files);
  const paths = new Set(relative.map((f) => f.path));
  if (!paths.has('config.json')) {
    throw new TypeError(
      `"${name}" has no config.json at its top: it is not a converted model folder. Pick the folder \`npm run convert -- --out <folder>\` wrote.`,
    );
  }
  const dtypes = completeDtypes(paths);
  if (dtypes.length === 0) {
    throw new TypeError(
      `"${name}" has no complete set of graphs (onnx/${GRAPHS.join(', onnx/')} with one dtype suffix).`,
    );
  }
  return { name, source: { kind: 'files', name, files: relative }, dtype: chooseDtype(dtypes, gpuFeatures) };
}
