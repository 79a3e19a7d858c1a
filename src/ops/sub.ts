/** Sub: elementwise difference with multidirectional broadcasting. */
import { NUMERIC } from './util/dtypes.js';
import { binaryOp, sameTypeFrom } from './util/elementwise.js';

export const sub = binaryOp({
  type: 'Sub',
  checkTypes: sameTypeFrom(NUMERIC, 'a numeric type'),
  float: (a, b) => a - b,
});
