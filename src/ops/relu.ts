/** Relu: max(0, x); signed integer inputs are allowed from opset 14. */
import { FLOATS, SIGNED_INTS } from './util/dtypes.js';
import { unaryOp } from './util/elementwise.js';

export const relu = unaryOp({
  type: 'Relu',
  types: (opset) =>
    opset >= 14
      ? { allowed: [...FLOATS, ...SIGNED_INTS], what: 'a float or signed integer type' }
      : { allowed: FLOATS, what: 'a float type' },
  fn: (v) => (v < 0 ? 0 : v),
});
