/** Concat: joins inputs of equal rank and dtype along `axis` (negative allowed); other dimensions must match. */
import { nodeError } from '../errors.js';
import type { Node, ValueInfo } from '../graph/graph.js';
import { sizeOf } from '../graph/tensor.js';
import type { OpDef } from './op.js';
import { attrInt } from './util/attrs.js';
import { normalizeAxis } from './util/axes.js';
import { requireInput } from './util/inputs.js';
import { zeroTensor } from './util/layout.js';

function concatAxis(node: Node, inputs: readonly (ValueInfo | undefined)[]): { axis: number; out: ValueInfo } {
  if (node.inputs.length === 0) nodeError(node, `Concat needs at least one input`);
  const all = node.inputs.map((_, i) => requireInput(node, inputs, i));
  const first = all[0]!;
  const axisAttr = attrInt(node, 'axis');
  if (axisAttr === undefined) nodeError(node, `attribute 'axis' is required`);
  const axis = normalizeAxis(node, axisAttr, first.shape.length);
  const shapes = all.map((v) => `[${v.shape}]`).join(', ');
  for (const v of all) {
    if (v.dtype !== first.dtype) nodeError(node, `inputs mix ${first.dtype} and ${v.dtype}`);
    const fits = v.shape.length === first.shape.length && v.shape.every((d, a) => a === axis || d === first.shape[a]);
    if (!fits) nodeError(node, `input shapes ${shapes} do not agree outside axis ${axis}`);
  }
  const shape = [...first.shape];
  shape[axis] = all.reduce((n, v) => n + v.shape[axis]!, 0);
  return { axis, out: { dtype: first.dtype, shape } };
}

export const concat: OpDef = {
  type: 'Concat',
  infer(node, inputs) {
    return [concatAxis(node, inputs).out];
  },
  evaluate(node, inputs) {
    const { axis, out: info } = concatAxis(node, inputs);
    const out = zeroTensor(info.dtype, info.shape);
    // Each input contributes a contiguous block of (its axis length x inner size) per outer index.
    const outer = sizeOf(info.shape.slice(0, axis));
    const inner = sizeOf(info.shape.slice(axis + 1));
    const rowOut = info.shape[axis]! * inner;
    let offset = 0;
    for (const t of node.inputs.map((_, i) => requireInput(node, inputs, i))) {
      const block = t.shape[axis]! * inner;
      for (let o = 0; o < outer; o++) out.data.set(t.data.subarray(o * block, (o + 1) * block), o * rowOut + offset);
      offset += block;
    }
    return [out];
  },
};
