import type { BConv2d } from '../program.js';
import { filterWords, orBits } from './bconv-layout.js';
import { popcount32 } from './popcount.js';
import { endTap, firstTap } from './window.js';

/**
 * Binary convolution, mirror of bnn_bconv2d_affine.c / bnn_bconv2d_threshold.c. For each output pixel the dot of
 * every output channel is exact integer arithmetic (order-free): dot = taps*C - 2*popcount(mismatches) over the
 * in-bounds taps, so padded taps contribute exactly 0. Per pixel the window is gathered into the filters' bit
 * string layout (bconv-layout.ts) with a mask of its in-bounds bits; a filter's mismatches are then
 * popcount((window XOR filter) AND mask) over the string. Only the epilogue's last two steps touch floats. Returns the number of
 * sign(0) ties met by a threshold epilogue that carries tie ranges (0 otherwise).
 */
export function bconv2d(
  s: BConv2d,
  input: Uint32Array,
  weights: Uint32Array,
  epilogue: { fixed: Int32Array; pow2: Float32Array } | { thresholds: Int32Array; ties?: ReadonlyArray<readonly [number, number]> },
  output: Float32Array | Uint32Array,
): number {
  let ties = 0;
  const [ic, ih, iw] = s.inShape;
  const [oc, oh, ow] = s.outShape;
  const { kH, kW, strideH, strideW, padTop, padLeft, dilH, dilW } = s.window;
  const nw = Math.ceil(ic / 32);
  const onw = Math.ceil(oc / 32);
  const fw = filterWords(ic, kH, kW);
  const dots = new Int32Array(oc);
  const window = new Uint32Array(fw);
  const mask = new Uint32Array(fw);
  for (let oy = 0; oy < oh; oy++) {
    const iy0 = oy * strideH - padTop;
    const ky0 = firstTap(iy0, dilH, kH);
    const ky1 = endTap(iy0, dilH, kH, ih, ky0);
    for (let ox = 0; ox < ow; ox++) {
      const ix0 = ox * strideW - padLeft;
      const kx0 = firstTap(ix0, dilW, kW);
      const kx1 = endTap(ix0, dilW, kW, iw, kx0);
      const realBits = (ky1 - ky0) * (kx1 - kx0) * ic;
      window.fill(0);
      mask.fill(0);
      for (let ky = ky0; ky < ky1; ky++) {
        for (let kx = kx0; kx < kx1; kx++) {
          const a = ((iy0 + ky * dilH) * iw + ix0 + kx * dilW) * nw;
          const pos = (ky * kW + kx) * ic;
          for (let j = 0; j < nw; j++) {
            const n = Math.min(32, ic - 32 * j);
            orBits(window, pos + 32 * j, input[a + j]!, n);
            orBits(mask, pos + 32 * j, n === 32 ? 0xffffffff : (1 << n) - 1, n);
          }
        }
      }
      for (let o = 0; o < oc; o++) {
        const wBase = o * fw;
        let mismatches = 0;
        for (let t = 0; t < fw; t++) mismatches += popcount32((window[t]! ^ weights[wBase + t]!) & mask[t]!);
        dots[o] = realBits - 2 * mismatches;
      }
      if ('thresholds' in epilogue) {
        const t = epilogue.thresholds;
        if (epilogue.ties) {
          for (let o = 0; o < oc; o++) {
            const [lo, hi] = epilogue.ties[o]!;
            if (dots[o]! >= lo && dots[o]! <= hi) ties++;
          }
        }
        const px = (oy * ow + ox) * onw;
        for (let j = 0; j < onw; j++) {
          const o0 = j * 32;
          const o1 = Math.min(o0 + 32, oc);
          let word = 0;
          for (let o = o0; o < o1; o++) if (dots[o]! < t[o]!) word |= 1 << (o - o0);
          output[px + j] = word;
        }
      } else {
        const { fixed, pow2 } = epilogue;
        for (let o = 0; o < oc; o++) {
          output[(o * oh + oy) * ow + ox] = fixedAffineOutput(dots[o]!, fixed[2 * o]!, fixed[2 * o + 1]!, pow2[o]!);
        }
      }
    }
  }
  return ties;
}


/**
 * The fixed-point affine epilogue (phases/5-lower/fixed-affine.ts): fl(dot * mult + offset) * pow2. The sum is an
 * exact integer below 2^31, the conversion rounds to nearest even, the power of two is exact.
 */
export function fixedAffineOutput(dot: number, mult: number, offset: number, pow2: number): number {
  return Math.fround(Math.fround(dot * mult + offset) * pow2);
}
