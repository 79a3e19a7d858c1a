import type { BwConv2dF32 } from '../program.js';
import { endTap, firstTap } from './window.js';
import { filterWords } from './bconv-layout.js';

/**
 * Binary-weight convolution on a real input (1w32a), mirror of templates/kernels/bnn_bwconv2d_f32.c. Per output
 * channel the filter is one bit string in ONNX order, bit (ic*kh + ky)*kw + kx (bit 1 = weight -1). acc starts
 * at +0 and, over input channel, kernel row, kernel column (in-bounds taps only), becomes acc - x for a set bit
 * and acc + x otherwise, rounded to float32 each time; then out = acc*scale[oc] + shift[oc] (product rounded,
 * then sum).
 */
export function bwconv2dF32(
  s: BwConv2dF32,
  input: Float32Array,
  weights: Uint32Array,
  scale: Float32Array,
  shift: Float32Array,
  output: Float32Array,
): void {
  const [ic, ih, iw] = s.inShape;
  const [oc, oh, ow] = s.outShape;
  const { kH, kW, strideH, strideW, padTop, padLeft, dilH, dilW } = s.window;
  const plane = ih * iw;
  const words = filterWords(ic, kH, kW);
  for (let o = 0; o < oc; o++) {
    const wOc = o * words;
    for (let oy = 0; oy < oh; oy++) {
      const iy0 = oy * strideH - padTop;
      const ky0 = firstTap(iy0, dilH, kH);
      const ky1 = endTap(iy0, dilH, kH, ih, ky0);
      for (let ox = 0; ox < ow; ox++) {
        const ix0 = ox * strideW - padLeft;
        const kx0 = firstTap(ix0, dilW, kW);
        const kx1 = endTap(ix0, dilW, kW, iw, kx0);
        let acc = 0;
        for (let c = 0; c < ic; c++) {
          for (let ky = ky0; ky < ky1; ky++) {
            const row = c * plane + (iy0 + ky * dilH) * iw + ix0;
            const bitRow = (c * kH + ky) * kW;
            for (let kx = kx0; kx < kx1; kx++) {
              const bit = bitRow + kx;
              const x = input[row + kx * dilW]!;
              acc = (weights[wOc + (bit >>> 5)]! >>> (bit & 31)) & 1 ? Math.fround(acc - x) : Math.fround(acc + x);
            }
          }
        }
        output[(o * oh + oy) * ow + ox] = Math.fround(Math.fround(acc * scale[o]!) + shift[o]!);
      }
    }
  }
}
