/** Gather: picks entries of `data` along `axis` by int32/int64 indices (negative ones count from the end). */
import { nodeError } from '../errors.js';
import type { Node, ValueInfo } from '../graph/graph.js';
import { sizeOf, type Tensor } from '../graph/tensor.js';
import type { OpDef } from './op.js';
import { attrInt } from './util/attrs.js';
import { normalizeAxis } from './util/axes.js';
import { requireInput } from './util/inputs.js';
import { zeroTensor } from './util/layout.js';

function gatherShape(node: Node, data: ValueInfo, indices: ValueInfo): { axis: number; shape: number[] } {
  if (indices.dtype !== 'int64' && indices.dtype !== 'int32') {
    nodeError(node, `indices must be int32 or int64, got ${indices.dtype}`);
  }
  if (data.shape.length === 0) nodeError(node, `data must have rank >= 1, got a scalar`);
  const axis = normalizeAxis(node, attrInt(node, 'axis', 0), data.shape.length);
  return { axis, shape: [...data.shape.slice(0, axis), ...indices.shape, ...data.shape.slice(axis + 1)] };
}

/** The indices with negative entries resolved; out-of-range entries are a BnnError. */
function resolveIndices(node: Node, indices: Tensor, dim: number): number[] {
  return Array.from(indices.data, (i) => {
    if (i < -dim || i >= dim) nodeError(node, `index ${i} is out of range for an axis of size ${dim}`);
    return i < 0 ? i + dim : i;
  });
}

export const gather: OpDef = {
  type: 'Gather',
  infer(node, inputs, ctx) {
    const data = requireInput(node, inputs, 0);
    const { axis, shape } = gatherShape(node, data, requireInput(node, inputs, 1));
    const constIndices = ctx.constant(1);
    if (constIndices) resolveIndices(node, constIndices, data.shape[axis]!);
    return [{ dtype: data.dtype, shape }];
  },
  evaluate(node, inputs) {
    const data = requireInput(node, inputs, 0);
    const indices = requireInput(node, inputs, 1);
    const { axis, shape } = gatherShape(node, data, indices);
    const dim = data.shape[axis]!;
    const picks = resolveIndices(node, indices, dim);
    const out = zeroTensor(data.dtype, shape);
    const outer = sizeOf(data.shape.slice(0, axis));
    const inner = sizeOf(data.shape.slice(axis + 1));
    let dst = 0;
    for (let o = 0; o < outer; o++) {
      for (const k of picks) {
        const src = (o * dim + k) * inner;
        out.data.set(data.data.subarray(src, src + inner), dst);
        dst += inner;
      }
    }
    return [out];
  },
};
