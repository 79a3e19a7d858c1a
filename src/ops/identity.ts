/** Identity: the input, unchanged (any type). */
import { NUMERIC } from './util/dtypes.js';
import { unaryOp } from './util/elementwise.js';

export const identity = unaryOp({
  type: 'Identity',
  types: () => ({ allowed: [...NUMERIC, 'bool'], what: 'a tensor' }),
  fn: (v) => v,
});
