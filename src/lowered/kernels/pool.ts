import type { GlobalAvgPoolF32, PoolF32 } from '../program.js';
import { endTap, firstTap } from './window.js';

/**
 * Max and average pools, mirrors of bnn_maxpool_f32.c / bnn_avgpool_f32.c. Max starts at -infinity and takes
 * `v > m` over in-bounds taps in (kh, kw) order; average sums in-bounds taps from 0 in the same order (float32
 * after each add) and divides once by kH*kW (count_include_pad) or by the in-bounds tap count.
 */
export function poolF32(s: PoolF32, input: Float32Array, output: Float32Array): void {
  const [c, ih, iw] = s.inShape;
  const [, oh, ow] = s.outShape;
  const { kH, kW, strideH, strideW, padTop, padLeft, dilH, dilW } = s.window;
  const isMax = s.kernel === 'maxpool_f32';
  for (let ch = 0; ch < c; ch++) {
    const plane = ch * ih * iw;
    for (let oy = 0; oy < oh; oy++) {
      const iy0 = oy * strideH - padTop;
      const ky0 = firstTap(iy0, dilH, kH);
      const ky1 = endTap(iy0, dilH, kH, ih, ky0);
      for (let ox = 0; ox < ow; ox++) {
        const ix0 = ox * strideW - padLeft;
        const kx0 = firstTap(ix0, dilW, kW);
        const kx1 = endTap(ix0, dilW, kW, iw, kx0);
        let acc = isMax ? -Infinity : 0;
        for (let ky = ky0; ky < ky1; ky++) {
          const row = plane + (iy0 + ky * dilH) * iw + ix0;
          for (let kx = kx0; kx < kx1; kx++) {
            const v = input[row + kx * dilW]!;
            if (isMax) {
              if (v > acc) acc = v;
            } else {
              acc = Math.fround(acc + v);
            }
          }
        }
        if (!isMax) {
          const count = s.countIncludePad ? kH * kW : (ky1 - ky0) * (kx1 - kx0);
          acc = Math.fround(acc / count);
        }
        output[(ch * oh + oy) * ow + ox] = acc;
      }
    }
  }
}

/** Per channel: sum over the H*W plane in order from 0 (float32 after each add), then divide by H*W. */
export function globalAvgPoolF32(s: GlobalAvgPoolF32, input: Float32Array, output: Float32Array): void {
  const [c, h, w] = s.inShape;
  const hw = h * w;
  for (let ch = 0; ch < c; ch++) {
    let sum = 0;
    for (let p = ch * hw; p < (ch + 1) * hw; p++) sum = Math.fround(sum + input[p]!);
    output[ch] = Math.fround(sum / hw);
  }
}
