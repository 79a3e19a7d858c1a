/** Add: elementwise sum with multidirectional broadcasting. */
import { NUMERIC } from './util/dtypes.js';
import { binaryOp, sameTypeFrom } from './util/elementwise.js';

export const add = binaryOp({
  type: 'Add',
  checkTypes: sameTypeFrom(NUMERIC, 'a numeric type'),
  float: (a, b) => a + b,
});
