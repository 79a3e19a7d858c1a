/** Numpy-style (multidirectional) broadcasting, as ONNX defines it for elementwise ops, Gemm's C and MatMul. */
import { nodeError } from '../../errors.js';
import type { Node } from '../../graph/graph.js';

/** The broadcast shape of `a` and `b`, or undefined when they are not broadcastable. */
export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] | undefined {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) return undefined;
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** The broadcast shape of all `shapes`; a BnnError naming the node and every shape when they do not fit. */
export function broadcastAll(node: Node, shapes: readonly (readonly number[])[]): number[] {
  let out: number[] | undefined = [];
  for (const s of shapes) {
    out = broadcastShapes(out, s);
    if (out === undefined) {
      nodeError(node, `input shapes ${shapes.map((x) => `[${x}]`).join(' and ')} are not broadcastable`);
    }
  }
  return out;
}

/** Whether `from` broadcasts to exactly `to` (unidirectional broadcasting, e.g. Gemm's C). */
export function broadcastsTo(from: readonly number[], to: readonly number[]): boolean {
  const full = broadcastShapes(from, to);
  return full !== undefined && full.length === to.length && full.every((d, i) => d === to[i]);
}

/**
 * Element strides for reading a row-major tensor of `shape` as if it had the broadcast shape `outShape`:
 * one entry per output axis, 0 along axes the input repeats (missing leading axes or size 1).
 */
export function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const strides = new Array<number>(outShape.length).fill(0);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const o = outShape.length - shape.length + i;
    strides[o] = shape[i] === 1 ? 0 : s;
    s *= shape[i]!;
  }
  return strides;
}

/**
 * Source offsets of every output element (row-major over `outShape`) into a tensor of `shape` broadcast to
 * `outShape`. One Int32Array pass, so elementwise kernels stay a flat loop.
 */
export function broadcastOffsets(shape: readonly number[], outShape: readonly number[]): Int32Array {
  const strides = broadcastStrides(shape, outShape);
  let n = 1;
  for (const d of outShape) n *= d;
  const offsets = new Int32Array(n);
  const rank = outShape.length;
  const coord = new Array<number>(rank).fill(0);
  let offset = 0;
  for (let i = 0; i < n; i++) {
    offsets[i] = offset;
    for (let a = rank - 1; a >= 0; a--) {
      offset += strides[a]!;
      if (++coord[a]! < outShape[a]!) break;
      offset -= strides[a]! * coord[a]!;
      coord[a] = 0;
    }
  }
  return offsets;
}
