/**
 * Clip: min(max(x, lo), hi) (so lo > hi gives hi everywhere, as the spec says). Bounds are attributes before
 * opset 11 and optional scalar inputs from opset 11; integer types are allowed from opset 12.
 * PyTorch's hardtanh exports as Clip(-1, 1).
 */
import { nodeError } from '../errors.js';
import type { Node, ValueInfo } from '../graph/graph.js';
import type { Tensor } from '../graph/tensor.js';
import type { OpDef } from './op.js';
import { attrFloat } from './util/attrs.js';
import { FLOATS, NUMERIC, requireDtype } from './util/dtypes.js';
import { mapTensor } from './util/elementwise.js';
import { requireInput } from './util/inputs.js';

function checkBound(node: Node, x: ValueInfo, bound: ValueInfo | undefined, i: number): void {
  if (bound === undefined) return;
  if (bound.dtype !== x.dtype) nodeError(node, `input ${i} must have the input's type ${x.dtype}, got ${bound.dtype}`);
  if (bound.shape.length > 1 || bound.shape.some((d) => d !== 1)) {
    nodeError(node, `input ${i} must be a scalar, got shape [${bound.shape}]`);
  }
}

function bounds(node: Node, inputs: readonly (Tensor | undefined)[], opset: number): [number, number] {
  if (opset < 11) return [attrFloat(node, 'min', -Infinity), attrFloat(node, 'max', Infinity)];
  return [inputs[1]?.data[0] ?? -Infinity, inputs[2]?.data[0] ?? Infinity];
}

export const clip: OpDef = {
  type: 'Clip',
  infer(node, inputs, ctx) {
    const x = requireInput(node, inputs, 0);
    if (ctx.opset >= 12) requireDtype(node, 0, x, NUMERIC, 'a numeric type');
    else requireDtype(node, 0, x, FLOATS, 'a float type');
    if (ctx.opset < 11) {
      if (node.inputs.length > 1) nodeError(node, `Clip takes one input before opset 11 (bounds are attributes)`);
      attrFloat(node, 'min');
      attrFloat(node, 'max');
    } else {
      if (node.inputs.length > 3) nodeError(node, `Clip takes at most 3 inputs, got ${node.inputs.length}`);
      checkBound(node, x, inputs[1], 1);
      checkBound(node, x, inputs[2], 2);
    }
    return [{ dtype: x.dtype, shape: [...x.shape] }];
  },
  evaluate(node, inputs, ctx) {
    const [lo, hi] = bounds(node, inputs, ctx.opset);
    const clip = (v: number) => {
      const c = v < lo ? lo : v;
      return c > hi ? hi : c;
    };
    return [mapTensor(requireInput(node, inputs, 0), clip)];
  },
};
