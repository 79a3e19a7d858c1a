/** Mul: elementwise product with multidirectional broadcasting. */
import { NUMERIC } from './util/dtypes.js';
import { binaryOp, sameTypeFrom } from './util/elementwise.js';

export const mul = binaryOp({
  type: 'Mul',
  checkTypes: sameTypeFrom(NUMERIC, 'a numeric type'),
  float: (a, b) => a * b,
});
