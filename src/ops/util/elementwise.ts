/**
 * Builders for elementwise ops. Each result is computed in float64 and stored once through storeValue
 * (float32 rounds once; integer results truncate and wrap, so integer tensors stay integers).
 */
import { nodeError } from '../../errors.js';
import type { Node, ValueInfo } from '../../graph/graph.js';
import type { DType, Tensor } from '../../graph/tensor.js';
import { isFloatType, sizeOf } from '../../graph/tensor.js';
import type { OpDef } from '../op.js';
import { requireInput } from './inputs.js';
import { broadcastAll, broadcastOffsets } from './broadcast.js';
import { allocData, requireDtype, storeValue } from './dtypes.js';

/** Applies `fn` to every element of `x`, storing as `dtype` (default: x's dtype). */
export function mapTensor(x: Tensor, fn: (v: number) => number, dtype: DType = x.dtype): Tensor {
  const n = x.data.length;
  const out = allocData(dtype, n);
  const src = x.data;
  if (dtype === 'float32' || dtype === 'float64') {
    for (let i = 0; i < n; i++) out[i] = fn(src[i]!); // Float32Array stores round to float32 exactly once
  } else {
    for (let i = 0; i < n; i++) out[i] = storeValue(dtype, fn(src[i]!));
  }
  return { dtype, shape: [...x.shape], data: out };
}

export interface UnarySpec {
  readonly type: string;
  /** Accepted input types for the node's opset, and how to call them in an error message. */
  readonly types: (opset: number) => { allowed: readonly DType[]; what: string };
  readonly fn: (v: number) => number;
}

/** A one-input, one-output op whose output has the input's type and shape. */
export function unaryOp(spec: UnarySpec): OpDef {
  return {
    type: spec.type,
    infer(node, inputs, ctx) {
      const x = requireInput(node, inputs, 0);
      const { allowed, what } = spec.types(ctx.opset);
      requireDtype(node, 0, x, allowed, what);
      return [{ dtype: x.dtype, shape: [...x.shape] }];
    },
    evaluate(node, inputs) {
      return [mapTensor(requireInput(node, inputs, 0), spec.fn)];
    },
  };
}

export interface BinarySpec {
  readonly type: string;
  /** Checks the two input types; the output type is the first input's. */
  readonly checkTypes: (node: Node, a: ValueInfo, b: ValueInfo, opset: number) => void;
  /** Float semantics (computed in float64, rounded once when stored). */
  readonly float: (a: number, b: number) => number;
  /** Integer semantics when they differ from float semantics then truncation (Div). */
  readonly int?: (node: Node, a: number, b: number) => number;
}

/** Requires both inputs to have the same type, one of `allowed` (Add, Sub, Mul, Div). */
export function sameTypeFrom(allowed: readonly DType[], what: string): BinarySpec['checkTypes'] {
  return (node, a, b) => {
    requireDtype(node, 0, a, allowed, what);
    if (b.dtype !== a.dtype) nodeError(node, `inputs must have the same type, got ${a.dtype} and ${b.dtype}`);
  };
}

/** A two-input op with multidirectional broadcasting. */
export function binaryOp(spec: BinarySpec): OpDef {
  return {
    type: spec.type,
    infer(node, inputs, ctx) {
      const a = requireInput(node, inputs, 0);
      const b = requireInput(node, inputs, 1);
      spec.checkTypes(node, a, b, ctx.opset);
      return [{ dtype: a.dtype, shape: broadcastAll(node, [a.shape, b.shape]) }];
    },
    evaluate(node, inputs) {
      const a = requireInput(node, inputs, 0);
      const b = requireInput(node, inputs, 1);
      const shape = broadcastAll(node, [a.shape, b.shape]);
      const dtype = a.dtype;
      const intFn = spec.int;
      const fn =
        isFloatType(dtype) || intFn === undefined ? spec.float : (x: number, y: number) => intFn(node, x, y);
      return [{ dtype, shape, data: combine(dtype, shape, a, b, fn) }];
    },
  };
}

function combine(
  dtype: DType,
  shape: readonly number[],
  a: Tensor,
  b: Tensor,
  fn: (x: number, y: number) => number,
): Float32Array | Float64Array {
  const n = sizeOf(shape);
  const out = allocData(dtype, n);
  const da = a.data;
  const db = b.data;
  if (da.length === n && db.length === n) {
    for (let i = 0; i < n; i++) out[i] = fn(da[i]!, db[i]!);
  } else if (db.length === 1) {
    const y = db[0]!; // a then has all n elements
    for (let i = 0; i < n; i++) out[i] = fn(da[i]!, y);
  } else {
    const oa = broadcastOffsets(a.shape, shape);
    const ob = broadcastOffsets(b.shape, shape);
    for (let i = 0; i < n; i++) out[i] = fn(da[oa[i]!]!, db[ob[i]!]!);
  }
  if (dtype !== 'float32' && dtype !== 'float64') for (let i = 0; i < n; i++) out[i] = storeValue(dtype, out[i]!);
  return out;
}
