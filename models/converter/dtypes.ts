/**
 * The output precisions, named and suffixed as transformers.js names them (src/utils/dtypes.js), and what
 * each means for the three graphs.
 */
import type { FloatType } from './weights.ts';

export const DTYPES = ['fp32', 'fp16', 'q4', 'q4f16'] as const;
export type Dtype = (typeof DTYPES)[number];

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

export const DTYPE_PLANS: Record<Dtype, DtypePlan> = {
  fp32: { suffix: '', floatType: 'float32', quantize: false },
  fp16: { suffix: '_fp16', floatType: 'float16', quantize: false },
  q4: { suffix: '_q4', floatType: 'float32', quantize: true },
  q4f16: { suffix: '_q4f16', floatType: 'float16', quantize: true },
};

export function isDtype(s: string): s is Dtype {
  return (DTYPES as readonly string[]).includes(s);
}
