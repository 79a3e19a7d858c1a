/** Squeeze: removes size-1 axes: the listed ones (attribute before opset 13, constant input after) or all of them. */
import { nodeError } from '../errors.js';
import type { Node } from '../graph/graph.js';
import type { OpDef } from './op.js';
import { attrInts } from './util/attrs.js';
import { normalizeAxes } from './util/axes.js';
import { constInts, requireInput, type InputSource } from './util/inputs.js';

function squeezeShape(node: Node, shape: readonly number[], source: InputSource, opset: number): number[] {
  const listed = opset < 13 ? attrInts(node, 'axes') : constInts(node, source, 1, 'axes');
  if (listed === undefined) return shape.filter((d) => d !== 1);
  const axes = new Set(normalizeAxes(node, listed, shape.length));
  for (const a of axes) {
    if (shape[a] !== 1) nodeError(node, `axis ${a} has size ${shape[a]}, not 1 (input shape [${shape}])`);
  }
  return shape.filter((_, a) => !axes.has(a));
}

export const squeeze: OpDef = {
  type: 'Squeeze',
  infer(node, inputs, ctx) {
    const x = requireInput(node, inputs, 0);
    return [{ dtype: x.dtype, shape: squeezeShape(node, x.shape, (i) => ctx.constant(i), ctx.opset) }];
  },
  evaluate(node, inputs, ctx) {
    const x = requireInput(node, inputs, 0);
    const shape = squeezeShape(node, x.shape, (i) => inputs[i], ctx.opset);
    return [{ dtype: x.dtype, shape, data: x.data.slice() }];
  },
};
