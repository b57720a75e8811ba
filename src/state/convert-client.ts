/**
 * The main thread's handle on the convert worker (workers/convert): owns the worker, turns its failure
 * values into AppError (app-error.ts), and cancels a running conversion through a shared flag the worker
 * checks after each weight (it is busy converting and cannot take a message).
 */
import { proxy, wrap, type Remote } from 'comlink';
import { valueOf } from '../lib/protocol/app-error.ts';
import type {
  ConvertApi,
  ConvertedFolder,
  ConvertPlanSummary,
  ConvertProgress,
  ConvertRequest,
} from '../lib/protocol/convert-protocol.ts';

export class ConvertClient {
  readonly #worker: Worker;
  readonly #api: Remote<ConvertApi>;
  #cancelFlag: Int32Array | null = null;

  constructor() {
    this.#worker = new Worker(new URL('../../workers/convert/convert.worker.ts', import.meta.url), {
      type: 'module',
      name: 'convert',
    });
    this.#api = wrap<ConvertApi>(this.#worker);
  }

  /** @throws AppError of a ConvertErrorKind ('bad-checkpoint' with the converter's message) */
  async inspect(request: ConvertRequest): Promise<ConvertPlanSummary> {
    return valueOf(await this.#api.inspect(request));
  }

  /** @throws AppError of a ConvertErrorKind ('cancelled' after cancel()) */
  async convert(request: ConvertRequest, onProgress: (p: ConvertProgress) => void): Promise<ConvertedFolder> {
    // Shared memory needs a cross-origin isolated page, which the app is when served as README says.
    if (!crossOriginIsolated)
      throw new Error(
        'This page is not cross-origin isolated (its server does not send the COOP/COEP headers README.md names), so a conversion could not be cancelled: serve it with them.',
      );
    const flag = new Int32Array(new SharedArrayBuffer(4));
    this.#cancelFlag = flag;
    try {
      return valueOf(await this.#api.convert(request, flag, proxy(onProgress)));
    } finally {
      this.#cancelFlag = null;
    }
  }

  /** Stops the running conversion after the weight it is writing; its promise rejects with kind 'cancelled'. */
  cancel(): void {
    if (this.#cancelFlag) Atomics.store(this.#cancelFlag, 0, 1);
  }

  dispose(): void {
    this.#worker.terminate();
  }
}
