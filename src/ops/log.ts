/** Log: natural logarithm. */
import { FLOATS } from './util/dtypes.js';
import { unaryOp } from './util/elementwise.js';

export const log = unaryOp({
  type: 'Log',
  types: () => ({ allowed: FLOATS, what: 'a float type' }),
  fn: Math.log,
});
