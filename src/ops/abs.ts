/** Abs: absolute value (integers wrap like C: Abs(-128) is -128 in int8). */
import { NUMERIC } from './util/dtypes.js';
import { unaryOp } from './util/elementwise.js';

export const abs = unaryOp({
  type: 'Abs',
  types: () => ({ allowed: NUMERIC, what: 'a numeric type' }),
  fn: Math.abs,
});
