/** Pow: base ** exponent with multidirectional broadcasting; the result has the base's type. */
import { FLOATS, NUMERIC, requireDtype } from './util/dtypes.js';
import { binaryOp } from './util/elementwise.js';

export const pow = binaryOp({
  type: 'Pow',
  checkTypes: (node, base, exponent) => {
    requireDtype(node, 0, base, [...FLOATS, 'int32', 'int64'], 'a float type, int32 or int64');
    requireDtype(node, 1, exponent, NUMERIC, 'a numeric type');
  },
  float: (a, b) => Math.pow(a, b),
});
