import type { Conv2dF32 } from '../program.js';
import { endTap, firstTap } from './window.js';

/**
 * Float convolution, mirror of templates/kernels/bnn_conv2d_f32.c: acc = bias; then acc += w*x over input channel,
 * kernel row, kernel column (in that order, padded taps skipped), every product and sum rounded to float32.
 */
export function conv2dF32(s: Conv2dF32, input: Float32Array, weights: Float32Array, bias: Float32Array, output: Float32Array): void {
  const [ic, ih, iw] = s.inShape;
  const [oc, oh, ow] = s.outShape;
  const { kH, kW, strideH, strideW, padTop, padLeft, dilH, dilW } = s.window;
  const plane = ih * iw;
  for (let o = 0; o < oc; o++) {
    const wOc = o * ic * kH * kW;
    for (let oy = 0; oy < oh; oy++) {
      const iy0 = oy * strideH - padTop;
      const ky0 = firstTap(iy0, dilH, kH);
      const ky1 = endTap(iy0, dilH, kH, ih, ky0);
      for (let ox = 0; ox < ow; ox++) {
        const ix0 = ox * strideW - padLeft;
        const kx0 = firstTap(ix0, dilW, kW);
        const kx1 = endTap(ix0, dilW, kW, iw, kx0);
        let acc = bias[o]!;
        for (let c = 0; c < ic; c++) {
          const wC = wOc + c * kH * kW;
          for (let ky = ky0; ky < ky1; ky++) {
            const row = c * plane + (iy0 + ky * dilH) * iw + ix0;
            const wRow = wC + ky * kW;
            for (let kx = kx0; kx < kx1; kx++) {
              acc = Math.fround(acc + Math.fround(weights[wRow + kx]! * input[row + kx * dilW]!));
            }
          }
        }
        output[(o * oh + oy) * ow + ox] = acc;
      }
    }
  }
}
