/**
 * Slice: opsets 1-9 take starts/ends/axes as attributes, 10+ as constant inputs (with optional axes and steps).
 * Starts and ends are clamped as the spec says, so INT64 "to the end" sentinels and negative steps just work.
 */
import { nodeError } from '../errors.js';
import type { Node } from '../graph/graph.js';
import type { OpDef } from './op.js';
import { attrInts } from './util/attrs.js';
import { normalizeAxes } from './util/axes.js';
import { constInts, requireInput, type InputSource } from './util/inputs.js';
import { remapAxes } from './util/layout.js';

interface SliceParams {
  /** Per input axis: first source index, step and output length (unsliced axes: 0, 1, dim). */
  readonly start: number[];
  readonly step: number[];
  readonly outShape: number[];
}

const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);

function sliceParams(node: Node, shape: readonly number[], source: InputSource, opset: number): SliceParams {
  const rank = shape.length;
  const old = opset < 10;
  const starts = old ? attrInts(node, 'starts') : constInts(node, source, 1, 'starts');
  const ends = old ? attrInts(node, 'ends') : constInts(node, source, 2, 'ends');
  if (starts === undefined || ends === undefined) nodeError(node, `Slice needs starts and ends`);
  const axesList = old ? attrInts(node, 'axes') : constInts(node, source, 3, 'axes');
  const steps = (old ? undefined : constInts(node, source, 4, 'steps')) ?? starts.map(() => 1);
  const axes = normalizeAxes(node, axesList ?? [...starts.keys()], rank);
  if (ends.length !== starts.length || axes.length !== starts.length || steps.length !== starts.length) {
    nodeError(
      node,
      `starts [${starts}], ends [${ends}], axes [${axesList ?? ''}] and steps [${steps}] differ in length`,
    );
  }
  const start = new Array<number>(rank).fill(0);
  const step = new Array<number>(rank).fill(1);
  const outShape = [...shape];
  axes.forEach((axis, i) => {
    const dim = shape[axis]!;
    const s = steps[i]!;
    if (s === 0) nodeError(node, `step 0 on axis ${axis}`);
    let b = starts[i]! < 0 ? starts[i]! + dim : starts[i]!;
    let e = ends[i]! < 0 ? ends[i]! + dim : ends[i]!;
    if (s > 0) {
      b = clamp(b, 0, dim);
      e = clamp(e, 0, dim);
    } else {
      b = clamp(b, 0, dim - 1);
      e = clamp(e, -1, dim - 1);
    }
    start[axis] = b;
    step[axis] = s;
    outShape[axis] = Math.max(0, Math.ceil((e - b) / s));
  });
  return { start, step, outShape };
}

export const slice: OpDef = {
  type: 'Slice',
  infer(node, inputs, ctx) {
    const x = requireInput(node, inputs, 0);
    return [{ dtype: x.dtype, shape: sliceParams(node, x.shape, (i) => ctx.constant(i), ctx.opset).outShape }];
  },
  evaluate(node, inputs, ctx) {
    const x = requireInput(node, inputs, 0);
    const p = sliceParams(node, x.shape, (i) => inputs[i], ctx.opset);
    return [remapAxes(x, p.outShape, (axis, o) => p.start[axis]! + o * p.step[axis]!)];
  },
};
