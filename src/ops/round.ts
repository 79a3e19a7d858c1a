/** Round: to the nearest integer, halves to even (ONNX and numpy semantics; Math.round rounds halves up). */
import { FLOATS } from './util/dtypes.js';
import { unaryOp } from './util/elementwise.js';

export function roundHalfToEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  const r = d < 0.5 ? f : d > 0.5 || f % 2 !== 0 ? f + 1 : f;
  return r === 0 && (v < 0 || Object.is(v, -0)) ? -0 : r; // like C rint: -0.3 rounds to -0
}

export const round = unaryOp({
  type: 'Round',
  types: () => ({ allowed: FLOATS, what: 'a float type' }),
  fn: roundHalfToEven,
});
