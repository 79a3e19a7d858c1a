/** Bit packing of ±1 weights into the lowered program's layout (bit 1 = -1, tail bits 0). */
import { filterWords } from '../../lowered/kernels/bconv-layout.js';

/**
 * signs [oc][ic][kh][kw] -> u32 [oc][ceil(kh*kw*ic/32)]: each output channel's filter is one bit string,
 * bit (ky*kw + kx)*ic + i for input channel i at tap (ky, kx) (src/lowered/kernels/bconv-layout.ts).
 */
export function packConvWeights(signs: Int8Array, oc: number, ic: number, kh: number, kw: number): Uint32Array {
  const words = filterWords(ic, kh, kw);
  const out = new Uint32Array(oc * words);
  for (let o = 0; o < oc; o++) {
    for (let i = 0; i < ic; i++) {
      for (let y = 0; y < kh; y++) {
        for (let x = 0; x < kw; x++) {
          if (signs[((o * ic + i) * kh + y) * kw + x]! >= 0) continue;
          const bit = (y * kw + x) * ic + i;
          const word = o * words + (bit >>> 5);
          out[word] = (out[word]! | (1 << (bit & 31))) >>> 0;
        }
      }
    }
  }
  return out;
}
