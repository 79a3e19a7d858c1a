/** Sqrt: square root (NaN for negative inputs, as in IEEE arithmetic). */
import { FLOATS } from './util/dtypes.js';
import { unaryOp } from './util/elementwise.js';

export const sqrt = unaryOp({
  type: 'Sqrt',
  types: () => ({ allowed: FLOATS, what: 'a float type' }),
  fn: Math.sqrt,
});
