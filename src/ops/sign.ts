/** Sign: -1, 0 or +1 (Sign(0) = 0, which is why binarization must decide what a zero input means). */
import { NUMERIC } from './util/dtypes.js';
import { unaryOp } from './util/elementwise.js';

export const sign = unaryOp({
  type: 'Sign',
  types: () => ({ allowed: NUMERIC, what: 'a numeric type' }),
  fn: (v) => (v > 0 ? 1 : v < 0 ? -1 : v), // keeps 0 (and NaN) as they are
});
