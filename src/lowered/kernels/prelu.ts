import type { PReluF32 } from '../program.js';

/** y = x*slope[c] where x < 0, else x (mirror of bnn_prelu_f32.c): -0 and NaN pass through unchanged. */
export function preluF32(s: PReluF32, input: Float32Array, slope: Float32Array, output: Float32Array): void {
  const [c, h, w] = s.shape;
  const plane = h * w;
  for (let ch = 0; ch < c; ch++) {
    const a = slope[ch]!;
    for (let i = ch * plane; i < (ch + 1) * plane; i++) {
      const v = input[i]!;
      output[i] = v < 0 ? Math.fround(v * a) : v;
    }
  }
}
