/** Unsqueeze: inserts size-1 axes at `axes` of the output (attribute before opset 13, constant input after). */
import { nodeError } from '../errors.js';
import type { Node } from '../graph/graph.js';
import type { OpDef } from './op.js';
import { attrInts } from './util/attrs.js';
import { normalizeAxes } from './util/axes.js';
import { constInts, requireInput, type InputSource } from './util/inputs.js';

function unsqueezeShape(node: Node, shape: readonly number[], source: InputSource, opset: number): number[] {
  const axes = opset < 13 ? attrInts(node, 'axes') : constInts(node, source, 1, 'axes');
  if (axes === undefined) nodeError(node, `Unsqueeze needs axes`);
  const outRank = shape.length + axes.length;
  const inserted = new Set(normalizeAxes(node, axes, outRank));
  const out: number[] = [];
  let next = 0;
  for (let a = 0; a < outRank; a++) out.push(inserted.has(a) ? 1 : shape[next++]!);
  return out;
}

export const unsqueeze: OpDef = {
  type: 'Unsqueeze',
  infer(node, inputs, ctx) {
    const x = requireInput(node, inputs, 0);
    return [{ dtype: x.dtype, shape: unsqueezeShape(node, x.shape, (i) => ctx.constant(i), ctx.opset) }];
  },
  evaluate(node, inputs, ctx) {
    const x = requireInput(node, inputs, 0);
    const shape = unsqueezeShape(node, x.shape, (i) => inputs[i], ctx.opset);
    return [{ dtype: x.dtype, shape, data: x.data.slice() }];
  },
};
