/**
 * The convert worker: runs the converter (models/converter/conversion.ts, the same code as `npm run
 * convert`) on a checkpoint folder picked in the page, reading it with blob-files.ts and writing the model
 * into OPFS with opfs-output.ts. Exposed with comlink; src/state/convert-client.ts owns it. Failures come
 * back as values with a kind; a failed or cancelled conversion leaves nothing in OPFS.
 */
import { expose } from 'comlink';
import { AppError, outcomeOf } from '../../src/lib/protocol/app-error.ts';
import type {
  ConvertApi,
  ConvertedFolder,
  ConvertErrorKind,
  ConvertOutcome,
  ConvertPlanSummary,
  ConvertProgress,
  ConvertRequest,
} from '../../src/lib/protocol/convert-protocol.ts';
import {
  ConversionCancelled,
  inspectCheckpoint,
  writeConversion,
  type ConversionPlan,
} from '../../models/converter/conversion.ts';
import { CheckpointError } from '../../models/converter/checkpoint-reader.ts';
import { DiskFullError } from '../../models/converter/output-target.ts';
import { SafetensorsError } from '../../src/lib/models/safetensors.ts';
import type { QuantizeRunner } from '../../models/converter/quantize-runner.ts';
import { blobFiles } from './blob-files.ts';
import { OpfsOutputFolder } from './opfs-output.ts';
import { webQuantizePool } from './quantize-pool.ts';

/** Progress messages at most this often (the last weight is always reported). */
const PROGRESS_MS = 100;

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Files the app needs besides what the converter needs (the CLI also converts weights-only checkpoints). */
const APP_FILES = ['tokenizer.json', 'tokenizer_config.json'];

/** The converter's refusal of a folder, as a failure value. */
function plan(request: ConvertRequest, quantizer?: QuantizeRunner): ConversionPlan {
  try {
    const files = blobFiles(request.name, request.files);
    const conversion = inspectCheckpoint(files, request.dtypes, { quantizer });
    const missing = APP_FILES.filter((f) => !files.has(f));
    if (missing.length)
      throw new Error(
        `${request.name}: no ${missing.join(', ')}; the app needs the tokenizer files too: pick the whole downloaded checkpoint folder`,
      );
    return conversion;
  } catch (error) {
    throw new AppError<ConvertErrorKind>('bad-checkpoint', messageOf(error), { cause: error });
  }
}

function kindOf(error: unknown): ConvertErrorKind {
  if (error instanceof ConversionCancelled) return 'cancelled';
  if (error instanceof DiskFullError) return 'disk-full';
  // Reading tensors can still find the checkpoint bad (a shard shorter than its header says).
  if (error instanceof CheckpointError || error instanceof SafetensorsError) return 'bad-checkpoint';
  return 'failed';
}

function summary(request: ConvertRequest, p: ConversionPlan): ConvertPlanSummary {
  return {
    name: request.name,
    dtypes: request.dtypes,
    weights: p.weights,
    readBytes: p.readBytes,
    outputBytes: p.outputBytes,
  };
}

class ConvertWorker implements ConvertApi {
  inspect(request: ConvertRequest): Promise<ConvertOutcome<ConvertPlanSummary>> {
    return outcomeOf(() => summary(request, plan(request)));
  }

  convert(
    request: ConvertRequest,
    cancelFlag: Int32Array,
    onProgress: (p: ConvertProgress) => void,
  ): Promise<ConvertOutcome<ConvertedFolder>> {
    return outcomeOf(async () => {
      const pool = webQuantizePool();
      const started = performance.now();
      let reported = 0;
      try {
        const conversion = plan(request, pool);
        const name = request.saveAs ?? request.name;
        const result = await writeConversion(conversion, await OpfsOutputFolder.open(name), {
          cancelled: () => Atomics.load(cancelFlag, 0) === 1,
          onProgress: (p) => {
            const now = performance.now();
            if (now - reported < PROGRESS_MS && p.weight < p.weights) return;
            reported = now;
            onProgress({ ...p, elapsedMs: now - started });
          },
        });
        return {
          name,
          files: result.files,
          outputBytes: result.outputBytes,
          seconds: (performance.now() - started) / 1000,
        };
      } catch (error) {
        if (error instanceof AppError) throw error;
        throw new AppError<ConvertErrorKind>(kindOf(error), messageOf(error), { cause: error });
      } finally {
        pool.terminate();
      }
    });
  }
}

expose(new ConvertWorker());
