/** Element-type classes, type checks and value storage shared by the arithmetic ops. */
import { nodeError } from '../../errors.js';
import type { Node, ValueInfo } from '../../graph/graph.js';
import type { DType } from '../../graph/tensor.js';
import { isFloatType } from '../../graph/tensor.js';

export const SIGNED_INTS: readonly DType[] = ['int8', 'int16', 'int32', 'int64'];
export const UNSIGNED_INTS: readonly DType[] = ['uint8', 'uint16', 'uint32', 'uint64'];
export const FLOATS: readonly DType[] = ['float32', 'float64', 'float16'];
/** Every type arithmetic is defined on (all but bool). */
export const NUMERIC: readonly DType[] = [...FLOATS, ...SIGNED_INTS, ...UNSIGNED_INTS];

/** Refuses input `i` unless its dtype is one of `allowed`; `what` names the class in the message. */
export function requireDtype(node: Node, i: number, info: ValueInfo, allowed: readonly DType[], what: string): void {
  if (!allowed.includes(info.dtype)) nodeError(node, `input ${i} must be ${what}, got ${info.dtype}`);
}

/** Bit width and signedness of the integer types narrower than 2^53 (where wrap-around is representable). */
const WRAPPED: Partial<Record<DType, [number, boolean]>> = {
  int8: [8, true],
  int16: [16, true],
  int32: [32, true],
  uint8: [8, false],
  uint16: [16, false],
  uint32: [32, false],
};

/**
 * The value a tensor of `dtype` holds after an arithmetic result `v`: float32 rounds once, integers truncate
 * and wrap around their width like the C arithmetic onnxruntime uses (int64 is exact below 2^53).
 */
export function storeValue(dtype: DType, v: number): number {
  if (isFloatType(dtype)) return dtype === 'float64' ? v : Math.fround(v);
  if (dtype === 'bool') return v !== 0 ? 1 : 0;
  if (!Number.isFinite(v)) return v;
  const t = Math.trunc(v);
  const wrap = WRAPPED[dtype];
  if (wrap === undefined) return t;
  const [bits, signed] = wrap;
  const m = 2 ** bits;
  const u = t - Math.floor(t / m) * m;
  return signed && u >= m / 2 ? u - m : u;
}

/** Zeroed storage for `n` elements of `dtype` (Float32Array only for float32, as tensor.ts prescribes). */
export function allocData(dtype: DType, n: number): Float32Array | Float64Array {
  return dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
}
