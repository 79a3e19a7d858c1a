/** Div: elementwise quotient with multidirectional broadcasting; integer division truncates toward zero. */
import { nodeError } from '../errors.js';
import { NUMERIC } from './util/dtypes.js';
import { binaryOp, sameTypeFrom } from './util/elementwise.js';

export const div = binaryOp({
  type: 'Div',
  checkTypes: sameTypeFrom(NUMERIC, 'a numeric type'),
  float: (a, b) => a / b,
  int: (node, a, b) => {
    if (b === 0) nodeError(node, 'integer division by zero');
    return Math.trunc(a / b);
  },
});
