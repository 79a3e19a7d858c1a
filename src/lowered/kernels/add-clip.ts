import type { AddClipF32 } from '../program.js';

/**
 * Mirror of bnn_add_clip_f32.c: the sum rounded to float32, then clipped by the two comparisons of clipF32 (NaN
 * passes through, -0 stays -0). Element i is read before it is written, so the C may run it in place.
 */
export function addClipF32(s: AddClipF32, input: Float32Array, addend: Float32Array, output: Float32Array): void {
  const { min, max, size } = s;
  for (let i = 0; i < size; i++) {
    let v = Math.fround(input[i]! + addend[i]!);
    if (v < min) v = min;
    if (v > max) v = max;
    output[i] = v;
  }
}
