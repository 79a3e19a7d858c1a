import type { MaxPoolBits } from '../program.js';

/**
 * Max pool of packed signs, mirror of bnn_maxpool_bits.c: per output pixel and word, the AND and the OR of the
 * kh*kw taps' words (windows lie inside the input), then orMask picks the OR for its channels, the AND for the rest.
 */
export function maxPoolBits(s: MaxPoolBits, orMask: Uint32Array, input: Uint32Array, output: Uint32Array): void {
  const [c, , iw] = s.inShape;
  const [, oh, ow] = s.outShape;
  const { kH, kW, strideH, strideW, dilH, dilW } = s.window;
  const nw = Math.ceil(c / 32);
  let out = 0;
  for (let oy = 0; oy < oh; oy++) {
    for (let ox = 0; ox < ow; ox++) {
      for (let w = 0; w < nw; w++) {
        let all = 0xffffffff;
        let any = 0;
        for (let ky = 0; ky < kH; ky++) {
          const row = (oy * strideH + ky * dilH) * iw + ox * strideW;
          for (let kx = 0; kx < kW; kx++) {
            const v = input[(row + kx * dilW) * nw + w]!;
            all &= v;
            any |= v;
          }
        }
        const mask = orMask[w]!;
        output[out++] = ((all & ~mask) | (any & mask)) >>> 0;
      }
    }
  }
}
