/** ConstantOfShape: a tensor of the (constant) shape input filled with the one-element `value` (default float32 0). */
import { nodeError } from '../errors.js';
import type { Node } from '../graph/graph.js';
import { castValue, type DType } from '../graph/tensor.js';
import type { OpDef } from './op.js';
import { attrTensor } from './util/attrs.js';
import { constInts, type InputSource } from './util/inputs.js';
import { zeroTensor } from './util/layout.js';

function fillValue(node: Node): { dtype: DType; value: number } {
  const t = attrTensor(node, 'value');
  if (t === undefined) return { dtype: 'float32', value: 0 };
  if (t.data.length !== 1) nodeError(node, `attribute 'value' must hold one element, got shape [${t.shape}]`);
  return { dtype: t.dtype, value: castValue(t.dtype, t.data[0]!) };
}

function outputShape(node: Node, source: InputSource): number[] {
  const shape = constInts(node, source, 0, 'shape');
  if (shape === undefined) nodeError(node, `ConstantOfShape needs input 0 (shape), which is missing`);
  if (shape.some((d) => d < 0)) nodeError(node, `shape [${shape}] has a negative dimension`);
  return shape;
}

export const constantOfShape: OpDef = {
  type: 'ConstantOfShape',
  infer(node, _inputs, ctx) {
    return [{ dtype: fillValue(node).dtype, shape: outputShape(node, (i) => ctx.constant(i)) }];
  },
  evaluate(node, inputs) {
    const { dtype, value } = fillValue(node);
    const out = zeroTensor(dtype, outputShape(node, (i) => inputs[i]));
    out.data.fill(value);
    return [out];
  },
};
