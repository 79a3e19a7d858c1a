/** Flatten: collapses the axes before `axis` into one dimension and the rest into another (data unchanged). */
import { nodeError } from '../errors.js';
import type { Node } from '../graph/graph.js';
import { sizeOf } from '../graph/tensor.js';
import type { OpDef } from './op.js';
import { attrInt } from './util/attrs.js';
import { requireInput } from './util/inputs.js';

function flattenShape(node: Node, shape: readonly number[]): number[] {
  const rank = shape.length;
  let axis = attrInt(node, 'axis', 1);
  // Here axis may equal rank (everything goes to the first dimension), so it is checked on [-rank, rank].
  if (axis < -rank || axis > rank) {
    nodeError(node, `axis ${axis} is out of range for rank ${rank} (input shape [${shape}])`);
  }
  if (axis < 0) axis += rank;
  return [sizeOf(shape.slice(0, axis)), sizeOf(shape.slice(axis))];
}

export const flatten: OpDef = {
  type: 'Flatten',
  infer(node, inputs) {
    const x = requireInput(node, inputs, 0);
    return [{ dtype: x.dtype, shape: flattenShape(node, x.shape) }];
  },
  evaluate(node, inputs) {
    const x = requireInput(node, inputs, 0);
    return [{ dtype: x.dtype, shape: flattenShape(node, x.shape), data: x.data.slice() }];
  },
};
