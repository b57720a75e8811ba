/**
 * A small ONNX graph builder. Blocks (embedding, attention, MLP, vision block, merger) call it to emit
 * nodes. Every node is named in one style, module path then op type, as ONNX Runtime GenAI's builders do:
 * scopes follow the checkpoint's modules (`/model/layers.0/attn/q_proj/MatMul`,
 * `/visual/blocks.3/mlp/down_proj/MatMul`), an optional snake_case role tells apart nodes of one scope
 * (`/model/layers.0/attn_residual/Add`), and each node's outputs are named after it. Weights are lazy: an
 * initializer holds a function that produces its bytes when the writer streams it to disk, so building a
 * 7B graph holds no weight data.
 */
import onnxProto from 'onnx-proto';

export const { onnx } = onnxProto;
export type TensorProto = InstanceType<typeof onnx.TensorProto>;

export type ElemType = 'float32' | 'float16' | 'int64' | 'int32' | 'bool' | 'uint8';

export const ONNX_TYPE: Record<ElemType, number> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  float16: onnx.TensorProto.DataType.FLOAT16,
  int64: onnx.TensorProto.DataType.INT64,
  int32: onnx.TensorProto.DataType.INT32,
  bool: onnx.TensorProto.DataType.BOOL,
  uint8: onnx.TensorProto.DataType.UINT8,
};

/** A dimension: a fixed size or a symbolic name (`batch_size`, `sequence_length`, ...). */
export type Dim = number | string;

/**
 * Attribute values: a plain number is an INT, a plain number[] INTS, a string STRING;
 * floats must be tagged ({ f } / { floats }) because JS numbers do not say which they are.
 */
export type Attr = number | number[] | string | { f: number } | { floats: number[] } | { t: TensorProto };

/** A weight whose bytes are produced on demand (read from the checkpoint, converted, maybe quantized). */
export interface LazyTensor {
  name: string;
  type: ElemType;
  dims: number[];
  /** Produces the little-endian raw bytes; called once, by the writer. */
  bytes: () => Promise<Uint8Array> | Uint8Array;
}

export interface NodeOptions {
  /** What the node computes (snake_case), placed between the scope path and the op type. */
  role?: string;
  /** Number of outputs (default 1) or explicit output names. */
  outputs?: number | string[];
  domain?: string;
}

interface ValueInfo {
  name: string;
  type: ElemType;
  dims: Dim[];
}

export class Graph {
  readonly nodes: InstanceType<typeof onnx.NodeProto>[] = [];
  readonly inputs: ValueInfo[] = [];
  readonly outputs: ValueInfo[] = [];
  /** Weights, in creation order; the writer streams them in this order. */
  readonly weights: LazyTensor[] = [];
  /** Small constants (shapes, axes, scalars), embedded in the graph, de-duplicated by value. */
  readonly constants = new Map<string, TensorProto>();
  private readonly scopes: string[] = [];
  private readonly usedNames = new Set<string>();

  constructor(readonly name: string) {}

  /** Runs `body` with `part` appended to the node-name path (`/model` + `/layers.0` + `/attn`). */
  scope<T>(part: string, body: () => T): T {
    this.scopes.push(part);
    try {
      return body();
    } finally {
      this.scopes.pop();
    }
  }

  /** The current scope path, e.g. `/model/layers.0/attn`. */
  path(): string {
    return this.scopes.map((s) => `/${s}`).join('');
  }

  input(name: string, type: ElemType, dims: Dim[]): string {
    this.inputs.push({ name, type, dims });
    return name;
  }

  /** Marks `value` as a graph output named `name` (an Identity is inserted when the names differ). */
  output(value: string, name: string, type: ElemType, dims: Dim[]): string {
    if (value !== name) this.node('Identity', [value], {}, { role: `output/${name}`, outputs: [name] });
    this.outputs.push({ name, type, dims });
    return name;
  }

  /** Emits one node and returns its output names. Empty-string inputs mean "omitted optional input". */
  nodeN(op: string, inputs: string[], attrs: Record<string, Attr> = {}, opts: NodeOptions = {}): string[] {
    const name = this.uniqueName(`${this.path()}${opts.role ? `/${opts.role}` : ''}/${op}`);
    const outputs = Array.isArray(opts.outputs)
      ? opts.outputs
      : Array.from({ length: opts.outputs ?? 1 }, (_, i) => `${name}/output_${i}`);
    this.nodes.push(
      onnx.NodeProto.create({
        name,
        opType: op,
        domain: opts.domain ?? '',
        input: inputs,
        output: outputs,
        attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
      }),
    );
    return outputs;
  }

  /** Emits a single-output node and returns its output name. */
  node(op: string, inputs: string[], attrs: Record<string, Attr> = {}, opts: NodeOptions = {}): string {
    return this.nodeN(op, inputs, attrs, opts)[0];
  }

  /** `x` converted from element type `from` to `to`; `x` itself when they are the same. */
  cast(x: string, from: ElemType, to: ElemType): string {
    return from === to ? x : this.node('Cast', [x], { to: ONNX_TYPE[to] });
  }

  /** Registers a lazily produced weight under its (checkpoint-derived) name. */
  weight(t: LazyTensor): string {
    if (this.weights.some((w) => w.name === t.name)) throw new Error(`duplicate weight ${t.name}`);
    this.weights.push(t);
    return t.name;
  }

  /** An int64 constant (shape vectors, axes, indices); identical values share one initializer. */
  int64(values: number[] | number, dims?: number[]): string {
    const arr = Array.isArray(values) ? values : [values];
    return this.constant(
      'int64',
      new Uint8Array(BigInt64Array.from(arr, (v) => BigInt(v)).buffer),
      dims ?? (Array.isArray(values) ? [arr.length] : []),
    );
  }

  /** A float32 constant. */
  float32(values: number[] | number | Float32Array, dims?: number[]): string {
    const arr = typeof values === 'number' ? Float32Array.of(values) : Float32Array.from(values);
    return this.constant(
      'float32',
      new Uint8Array(arr.buffer),
      dims ?? (typeof values === 'number' ? [] : [arr.length]),
    );
  }

  /** A scalar constant in a float type. */
  scalar(value: number, type: 'float32' | 'float16'): string {
    return this.constant(type, floatBytes(Float32Array.of(value), type), []);
  }

  /** A constant of any element type from raw little-endian bytes. */
  constant(type: ElemType, raw: Uint8Array, dims: number[]): string {
    const key = `${type}|${dims.join('x')}|${raw.join(',')}`;
    const existing = this.constants.get(key);
    if (existing) return existing.name;
    const name = `/const/${type}_${this.constants.size}`;
    this.constants.set(key, onnx.TensorProto.create({ name, dataType: ONNX_TYPE[type], dims, rawData: raw }));
    return name;
  }

  private uniqueName(base: string): string {
    let name = base;
    for (let i = 1; this.usedNames.has(name); i++) name = `${base}_${i}`;
    this.usedNames.add(name);
    return name;
  }
}

function attribute(name: string, v: Attr): InstanceType<typeof onnx.AttributeProto> {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new TypeError(`attribute ${name}: ${v} is not an integer; tag floats as { f }`);
    return onnx.AttributeProto.create({ name, type: T.INT, i: v });
  }
  if (typeof v === 'string')
    return onnx.AttributeProto.create({ name, type: T.STRING, s: new TextEncoder().encode(v) });
  if (Array.isArray(v)) return onnx.AttributeProto.create({ name, type: T.INTS, ints: v });
  if ('f' in v) return onnx.AttributeProto.create({ name, type: T.FLOAT, f: v.f });
  if ('floats' in v) return onnx.AttributeProto.create({ name, type: T.FLOATS, floats: v.floats });
  return onnx.AttributeProto.create({ name, type: T.TENSOR, t: v.t });
}

/** A ValueInfoProto for graph inputs/outputs. */
export function valueInfo(v: ValueInfo): InstanceType<typeof onnx.ValueInfoProto> {
  return onnx.ValueInfoProto.create({
    name: v.name,
    type: {
      tensorType: {
        elemType: ONNX_TYPE[v.type],
        shape: { dim: v.dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  });
}

// Shared scratch views: allocating them per value made converting a 7B checkpoint take hours.
const scratchF32 = new Float32Array(1);
const scratchU32 = new Uint32Array(scratchF32.buffer);

/** IEEE half bits of one float, rounded to nearest even; overflow becomes infinity, tiny values subnormal or zero. */
export function f32ToF16Bits(value: number): number {
  scratchF32[0] = value;
  const x = scratchU32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    // Subnormal half: shift the mantissa (with its implicit 1) right and round half to even.
    const m = mant | 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = m & ((1 << shift) - 1);
    let h = m >>> shift;
    if (rest > half || (rest === half && h & 1)) h++;
    return sign | h;
  }
  let h = sign | (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  // A carry out of the mantissa correctly bumps the exponent (up to infinity).
  if (rest > 0x1000 || (rest === 0x1000 && h & 1)) h++;
  return h;
}

/** Little-endian bytes of float values as `type` (float32 as is, float16 rounded to nearest even). */
export function floatBytes(values: Float32Array, type: 'float32' | 'float16'): Uint8Array {
  if (type === 'float32') return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = f32ToF16Bits(values[i]);
  return new Uint8Array(out.buffer);
}
