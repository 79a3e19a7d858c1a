/**
 * Constant tensors as bnngen holds them. float32 data lives in a Float32Array; every other type (float64,
 * integers, bool) in a Float64Array holding the exact values (int64 beyond 2^53 only appears as a "to the end"
 * sentinel in Slice/Pad and is clamped there).
 */
export type DType =
  | 'float32' | 'float64' | 'float16'
  | 'int64' | 'int32' | 'int16' | 'int8'
  | 'uint64' | 'uint32' | 'uint16' | 'uint8'
  | 'bool';

export interface Tensor {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly data: Float32Array | Float64Array;
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function isFloatType(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64' || dtype === 'float16';
}

/** A tensor of `dtype` and `shape` with the given values (converted to the storage type). */
export function makeTensor(dtype: DType, shape: readonly number[], values: ArrayLike<number>): Tensor {
  const n = sizeOf(shape);
  if (values.length !== n) throw new Error(`tensor of shape [${shape}] needs ${n} values, got ${values.length}`);
  const data = dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = castValue(dtype, values[i]!);
  return { dtype, shape: [...shape], data };
}

/** Converts one number to what a tensor of `dtype` stores (ONNX Cast semantics for finite values). */
export function castValue(dtype: DType, v: number): number {
  switch (dtype) {
    case 'float32':
    case 'float16':
      return Math.fround(v);
    case 'float64':
      return v;
    case 'bool':
      return v !== 0 && !Number.isNaN(v) ? 1 : 0;
    default:
      return Number.isFinite(v) ? Math.trunc(v) : v;
  }
}

export function scalar(dtype: DType, v: number): Tensor {
  return makeTensor(dtype, [], [v]);
}

/**
 * A constant operand as one value per channel (axis 1) of an activation of shape `shape`, or undefined when it
 * varies along another axis (numpy broadcasting: the constant's shape aligns with the activation's trailing axes).
 */
export function perChannelValues(t: Tensor, shape: readonly number[]): Float64Array | undefined {
  if (t.shape.length > shape.length) return undefined;
  const aligned = [...Array<number>(shape.length - t.shape.length).fill(1), ...t.shape];
  if (aligned.some((d, i) => d !== 1 && !(i === 1 && d === shape[1]))) return undefined;
  const channels = shape[1] ?? 1;
  const n = t.data.length;
  if (n !== 1 && n !== channels) return undefined;
  return Float64Array.from({ length: channels }, (_, c) => t.data[n === 1 ? 0 : c]!);
}
