/**
 * The ReduceX family: axes (attribute, or from opset 18 for Mean/Prod a constant input), keepdims, and
 * noop_with_empty_axes (opset 18+: no axes means identity instead of "reduce everything").
 */
import type { Node } from '../../graph/graph.js';
import type { Tensor } from '../../graph/tensor.js';
import { attrInt, attrInts } from './attrs.js';
import { normalizeAxes } from './axes.js';
import { storeValue } from './dtypes.js';
import { constInts, type InputSource } from './inputs.js';
import { zeroTensor } from './layout.js';

export interface ReduceParams {
  /** Reduced axes, normalised; empty with `identity` when noop_with_empty_axes applies. */
  readonly axes: ReadonlySet<number>;
  readonly identity: boolean;
  readonly outShape: number[];
}

/** `axesInputOpset`: the opset from which this op takes axes as input 1 instead of an attribute. */
export function reduceParams(
  node: Node,
  shape: readonly number[],
  source: InputSource,
  opset: number,
  axesInputOpset: number,
): ReduceParams {
  const listed = opset < axesInputOpset ? attrInts(node, 'axes') : constInts(node, source, 1, 'axes');
  const keepDims = attrInt(node, 'keepdims', 1) !== 0;
  const none = listed === undefined || listed.length === 0;
  if (none && opset >= axesInputOpset && attrInt(node, 'noop_with_empty_axes', 0) !== 0) {
    return { axes: new Set(), identity: true, outShape: [...shape] };
  }
  const axes = new Set(none ? shape.keys() : normalizeAxes(node, listed, shape.length));
  const outShape = keepDims ? shape.map((d, a) => (axes.has(a) ? 1 : d)) : shape.filter((_, a) => !axes.has(a));
  return { axes, identity: false, outShape };
}

/** A reduction as a left fold over each group's values in input order, then `finish` (given the group size). */
export interface Reduction {
  readonly initial: number;
  readonly step: (acc: number, value: number) => number;
  readonly finish: (acc: number, count: number) => number;
}

/**
 * Reduces every group of elements that differ only along the reduced axes. Streams: one float64 accumulator per
 * output element, nothing per input element.
 */
export function reduceEach(x: Tensor, p: ReduceParams, r: Reduction): Tensor {
  if (p.identity) return { dtype: x.dtype, shape: [...x.shape], data: x.data.slice() };
  const out = zeroTensor(x.dtype, p.outShape);
  const acc = new Float64Array(out.data.length).fill(r.initial);
  // Output strides in input-axis terms: reduced axes contribute 0 (keepdims or not, the order is the same).
  const rank = x.shape.length;
  const step = new Array<number>(rank).fill(0);
  let s = 1;
  for (let a = rank - 1; a >= 0; a--) {
    if (p.axes.has(a)) continue;
    step[a] = s;
    s *= x.shape[a]!;
  }
  const coord = new Array<number>(rank).fill(0);
  let dst = 0;
  for (let i = 0; i < x.data.length; i++) {
    acc[dst] = r.step(acc[dst]!, x.data[i]!);
    for (let a = rank - 1; a >= 0; a--) {
      dst += step[a]!;
      if (++coord[a]! < x.shape[a]!) break;
      dst -= step[a]! * x.shape[a]!;
      coord[a] = 0;
    }
  }
  // Every group has the same size.
  const count = out.data.length === 0 ? 0 : x.data.length / out.data.length;
  acc.forEach((a, i) => (out.data[i] = storeValue(x.dtype, r.finish(a, count))));
  return out;
}
