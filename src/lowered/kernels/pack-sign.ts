import type { PackSign } from '../program.js';

/**
 * Float CHW -> packed signs HWC, mirror of bnn_pack_sign_f32.c: bit = (x < 0), so +0, -0 and NaN give bit 0
 * (+1). Returns how many inputs were exactly zero (the ties that ONNX Sign maps to 0 and one bit cannot hold).
 */
export function packSign(s: PackSign, input: Float32Array, output: Uint32Array): number {
  const [c, h, w] = s.shape;
  const hw = h * w;
  const nw = Math.ceil(c / 32);
  let ties = 0;
  for (let p = 0; p < hw; p++) {
    for (let j = 0; j < nw; j++) {
      const c0 = j * 32;
      const c1 = Math.min(c0 + 32, c);
      let word = 0;
      for (let ch = c0; ch < c1; ch++) {
        const v = input[ch * hw + p]!;
        if (v < 0) word |= 1 << (ch - c0);
        else if (v === 0) ties++;
      }
      output[p * nw + j] = word;
    }
  }
  return ties;
}
