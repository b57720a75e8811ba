/**
 * Makes onnxruntime-web in this worker run out of memory on demand, as a 7B on a small GPU or WASM's 4 GiB
 * would: after a `{ simulateOom: 'load' }` message the next session creation fails with ORT's allocation
 * error; after `{ simulateOom: 'run' }` the next session run fails with the JS one. Imported before the worker.
 */
import * as ort from 'onnxruntime-web/webgpu';

/** Where the next out-of-memory failure happens: creating a session, or running one. */
export type OomPlace = 'load' | 'run';

/** What the page (inference.ts' simulateOom) posts to this worker. */
export interface OomMessage {
  simulateOom: OomPlace;
}

let failNext: OomPlace | null = null;
self.addEventListener('message', (event: MessageEvent<Partial<OomMessage> | undefined>) => {
  if (event.data?.simulateOom) failNext = event.data.simulateOom;
});

const create = ort.InferenceSession.create.bind(ort.InferenceSession) as (
  ...args: unknown[]
) => Promise<ort.InferenceSession>;
ort.InferenceSession.create = (async (...args: unknown[]) => {
  if (failNext === 'load') {
    failNext = null;
    throw new Error("Can't create a session. failed to allocate a buffer of size 4294967296.");
  }
  const session = await create(...args);
  const run = session.run.bind(session) as (...a: unknown[]) => Promise<ort.InferenceSession.ReturnType>;
  session.run = (async (...a: unknown[]) => {
    if (failNext === 'run') {
      failNext = null;
      throw new RangeError('Array buffer allocation failed');
    }
    return run(...a);
  }) as typeof session.run;
  return session;
}) as typeof ort.InferenceSession.create;
