/**
 * External weights that are read slice by slice when ONNX Runtime copies them to the device, instead of
 * being held whole in the worker's memory. ORT-web mounts each external data file given to
 * `InferenceSession.create` and, while creating the session, asks the mounted object only for `byteLength`
 * and `subarray(begin, end)` of each initializer (copying the slice to the GPU, or into the wasm heap on WASM).
 * A Uint8Array whose two members read from a Blob (a picked file or a cached download, both on disk) or from
 * the server (an HTTP range request) satisfies that, so loading the 7B costs its device copy, not two or three
 * copies (onnxruntime issue 29455). Worker-only: the reads are synchronous (FileReaderSync, synchronous XHR),
 * as ORT's copy callback is.
 */

/** Reads bytes [begin, end) of the file. */
type SliceReader = (begin: number, end: number) => Uint8Array;

function lazyView(size: number, read: SliceReader, onRead?: (loaded: number, total: number) => void): Uint8Array {
  let loaded = 0;
  const view = new Uint8Array(0);
  Object.defineProperties(view, {
    byteLength: { value: size },
    length: { value: size },
    subarray: {
      value: (begin = 0, end = size) => {
        const bytes = read(begin, Math.min(end, size));
        loaded += bytes.byteLength;
        onRead?.(Math.min(loaded, size), size);
        return bytes;
      },
    },
  });
  return view;
}

/** A disk-backed Blob read a slice at a time. */
export function lazyBlobBytes(blob: Blob, onRead?: (loaded: number, total: number) => void): Uint8Array {
  const reader = new FileReaderSync();
  return lazyView(blob.size, (begin, end) => new Uint8Array(reader.readAsArrayBuffer(blob.slice(begin, end))), onRead);
}

/** A file on a server that answers range requests, fetched a slice at a time. */
export function lazyRangeBytes(
  url: string,
  size: number,
  onRead?: (loaded: number, total: number) => void,
): Uint8Array {
  return lazyView(
    size,
    (begin, end) => {
      const xhr = new XMLHttpRequest();
      xhr.open('GET', url, false);
      xhr.responseType = 'arraybuffer';
      xhr.setRequestHeader('Range', `bytes=${begin}-${end - 1}`);
      xhr.send();
      const body = xhr.response as ArrayBuffer | null;
      if (xhr.status !== 206 || !body || body.byteLength !== end - begin) {
        throw new Error(`${url}: bytes ${begin}-${end - 1} could not be read (HTTP ${xhr.status})`);
      }
      return new Uint8Array(body);
    },
    onRead,
  );
}
