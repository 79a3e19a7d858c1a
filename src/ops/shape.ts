/**
 * Shape: the input's dimensions as a 1-D int64 tensor, optionally only [start, end) (opset 15+, clamped).
 * Known from the input's static type alone, so foldFromInfo lets shape arithmetic on activations fold away.
 */
import type { Node } from '../graph/graph.js';
import { makeTensor, type Tensor } from '../graph/tensor.js';
import type { OpDef } from './op.js';
import { attrInt } from './util/attrs.js';
import { requireInput } from './util/inputs.js';

function shapeTensor(node: Node, shape: readonly number[], opset: number): Tensor {
  const rank = shape.length;
  const bound = (v: number) => Math.min(Math.max(v < 0 ? v + rank : v, 0), rank);
  const start = opset >= 15 ? bound(attrInt(node, 'start', 0)) : 0;
  const end = opset >= 15 ? bound(attrInt(node, 'end', rank)) : rank;
  const dims = shape.slice(start, Math.max(start, end));
  return makeTensor('int64', [dims.length], dims);
}

export const shape: OpDef = {
  type: 'Shape',
  infer(node, inputs, ctx) {
    const x = requireInput(node, inputs, 0);
    return [{ dtype: 'int64', shape: shapeTensor(node, x.shape, ctx.opset).shape }];
  },
  evaluate(node, inputs, ctx) {
    return [shapeTensor(node, requireInput(node, inputs, 0).shape, ctx.opset)];
  },
  foldFromInfo(node, inputs, ctx) {
    return [shapeTensor(node, requireInput(node, inputs, 0).shape, ctx.opset)];
  },
};
