/** ReduceProd: product over the reduced axes (axes attribute until opset 17, constant input from 18). */
import type { OpDef } from './op.js';
import { requireInput } from './util/inputs.js';
import { reduceEach, reduceParams } from './util/reduce.js';

const AXES_INPUT_OPSET = 18;

export const reduceProd: OpDef = {
  type: 'ReduceProd',
  infer(node, inputs, ctx) {
    const x = requireInput(node, inputs, 0);
    const p = reduceParams(node, x.shape, (i) => ctx.constant(i), ctx.opset, AXES_INPUT_OPSET);
    return [{ dtype: x.dtype, shape: p.outShape }];
  },
  evaluate(node, inputs, ctx) {
    const x = requireInput(node, inputs, 0);
    const p = reduceParams(node, x.shape, (i) => inputs[i], ctx.opset, AXES_INPUT_OPSET);
    return [reduceEach(x, p, { initial: 1, step: (a, v) => a * v, finish: (a) => a })];
  },
};
