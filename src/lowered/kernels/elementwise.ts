import type { AffineF32, ClipF32, SignF32 } from '../program.js';

/** y = x*scale[c] + shift[c]: the product rounded to float32, then the sum (mirror of bnn_affine_f32.c). */
export function affineF32(s: AffineF32, input: Float32Array, scale: Float32Array, shift: Float32Array, output: Float32Array): void {
  const [c, h, w] = s.shape;
  const hw = h * w;
  for (let ch = 0; ch < c; ch++) {
    const k = scale[ch]!;
    const b = shift[ch]!;
    for (let i = ch * hw; i < (ch + 1) * hw; i++) output[i] = Math.fround(Math.fround(input[i]! * k) + b);
  }
}

export function addF32(size: number, a: Float32Array, b: Float32Array, output: Float32Array): void {
  for (let i = 0; i < size; i++) output[i] = Math.fround(a[i]! + b[i]!);
}

/**
 * Two comparisons, as in bnn_clip_f32.c: NaN fails both and passes through, and -0 stays -0 under a +0 bound
 * (Math.max(-0, 0) would give +0, which the C does not).
 */
export function clipF32(s: ClipF32, input: Float32Array, output: Float32Array): void {
  const { min, max, size } = s;
  for (let i = 0; i < size; i++) {
    let v = input[i]!;
    if (v < min) v = min;
    if (v > max) v = max;
    output[i] = v;
  }
}

/** ONNX Sign, as bnn_sign_f32.c: +1 above zero, -1 below, and +0, -0 and NaN unchanged (both comparisons fail). */
export function signF32(s: SignF32, input: Float32Array, output: Float32Array): void {
  for (let i = 0; i < s.size; i++) {
    const v = input[i]!;
    output[i] = v > 0 ? 1 : v < 0 ? -1 : v;
  }
}
