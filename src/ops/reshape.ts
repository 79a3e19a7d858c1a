/**
 * Reshape (opset 5+): the target shape comes from a constant input; 0 copies the input dimension (unless
 * allowzero=1, opset 14+), one -1 is inferred from the element count.
 */
import { nodeError } from '../errors.js';
import type { Node } from '../graph/graph.js';
import { sizeOf } from '../graph/tensor.js';
import type { OpDef } from './op.js';
import { attrInt } from './util/attrs.js';
import { constInts, requireInput, type InputSource } from './util/inputs.js';

function reshapeShape(node: Node, inShape: readonly number[], source: InputSource, opset: number): number[] {
  const requested = constInts(node, source, 1, 'shape');
  if (requested === undefined) nodeError(node, `Reshape needs input 1 (shape), which is missing`);
  const allowZero = opset >= 14 && attrInt(node, 'allowzero', 0) !== 0;
  const where = `(input shape [${inShape}], requested [${requested}])`;
  if (requested.filter((d) => d === -1).length > 1) nodeError(node, `more than one -1 in the target shape ${where}`);
  if (requested.some((d) => d < -1)) nodeError(node, `negative dimension in the target shape ${where}`);
  if (allowZero && requested.includes(0) && requested.includes(-1)) {
    nodeError(node, `allowzero=1 with both 0 and -1 in the target shape ${where}`);
  }
  const shape = requested.map((d, i) => {
    if (d !== 0 || allowZero) return d;
    if (i >= inShape.length) nodeError(node, `0 at position ${i} has no input dimension to copy ${where}`);
    return inShape[i]!;
  });
  const total = sizeOf(inShape);
  const known = sizeOf(shape.filter((d) => d !== -1));
  const free = shape.indexOf(-1);
  if (free >= 0) {
    if (known === 0 || total % known !== 0) nodeError(node, `cannot infer the -1 dimension ${where}`);
    shape[free] = total / known;
  } else if (known !== total) {
    nodeError(node, `element count ${total} does not match the target shape's ${known} ${where}`);
  }
  return shape;
}

export const reshape: OpDef = {
  type: 'Reshape',
  infer(node, inputs, ctx) {
    const x = requireInput(node, inputs, 0);
    return [{ dtype: x.dtype, shape: reshapeShape(node, x.shape, (i) => ctx.constant(i), ctx.opset) }];
  },
  evaluate(node, inputs, ctx) {
    const x = requireInput(node, inputs, 0);
    return [{ dtype: x.dtype, shape: reshapeShape(node, x.shape, (i) => inputs[i], ctx.opset), data: x.data.slice() }];
  },
};
