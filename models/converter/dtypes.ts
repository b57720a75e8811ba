/**
 * What each output precision (src/lib/models/model-layout.ts) means for the three graphs the converter builds.
 */
import { DTYPE_SUFFIX, type ModelDtype } from '../../src/lib/models/model-layout.ts';
import type { FloatType } from './weights.ts';

export interface DtypePlan {
  /** File-name suffix transformers.js appends for this dtype. */
  suffix: string;
  /**
   * Activation, KV cache and unquantized weight type (embedding table included: q4 is the variant for
   * WebGPU adapters without shader-f16, where not even a float16 Gather runs).
   */
  floatType: FloatType;
  /** MatMul weights become 4-bit MatMulNBits. */
  quantize: boolean;
}

export const DTYPE_PLANS: Record<ModelDtype, DtypePlan> = {
  fp32: { suffix: DTYPE_SUFFIX.fp32, floatType: 'float32', quantize: false },
  fp16: { suffix: DTYPE_SUFFIX.fp16, floatType: 'float16', quantize: false },
  q4: { suffix: DTYPE_SUFFIX.q4, floatType: 'float32', quantize: true },
  q4f16: { suffix: DTYPE_SUFFIX.q4f16, floatType: 'float16', quantize: true },
};
