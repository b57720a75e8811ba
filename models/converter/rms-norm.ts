/** RMSNorm with its arithmetic in float32 whatever the activation type, as Qwen2's RMSNorm does. */
import { ONNX_TYPE, type Graph } from './graph.ts';
import type { FloatType } from './weights.ts';

export function rmsNorm(g: Graph, x: string, weight: string, eps: number, type: FloatType): string {
  return g.scope('norm', () => {
    const x32 = type === 'float32' ? x : g.node('Cast', [x], { to: ONNX_TYPE.float32 }, { name: 'CastUp' });
    const meanSquare = g.node('ReduceMean', [g.node('Mul', [x32, x32], {}, { name: 'Square' })], { axes: [-1], keepdims: 1 });
    const rms = g.node('Sqrt', [g.node('Add', [meanSquare, g.float32(eps)], {}, { name: 'AddEps' })]);
    const scaled = g.node('Mul', [g.node('Div', [x32, rms]), weight], {}, { name: 'Scale' });
    return type === 'float32' ? scaled : g.node('Cast', [scaled], { to: ONNX_TYPE.float16 }, { name: 'CastDown' });
  });
}
