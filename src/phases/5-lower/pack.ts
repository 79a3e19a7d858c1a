/** Bit packing of ±1 weights into the lowered program's layout (bit 1 = -1, tail bits 0). */

/** signs [oc][ic][kh][kw] -> u32 [oc][kh][kw][ceil(ic/32)]. */
export function packConvWeights(signs: Int8Array, oc: number, ic: number, kh: number, kw: number): Uint32Array {
  const words = Math.ceil(ic / 32);
  const out = new Uint32Array(oc * kh * kw * words);
  for (let o = 0; o < oc; o++) {
    for (let i = 0; i < ic; i++) {
      for (let y = 0; y < kh; y++) {
        for (let x = 0; x < kw; x++) {
          if (signs[((o * ic + i) * kh + y) * kw + x]! >= 0) continue;
          const word = ((o * kh + y) * kw + x) * words + (i >>> 5);
          out[word] = (out[word]! | (1 << (i & 31))) >>> 0;
        }
      }
    }
  }
  return out;
}
