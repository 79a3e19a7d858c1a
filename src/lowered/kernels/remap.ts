import type { ConcatF32, RemapF32 } from '../program.js';

/** out[c][y][x] = in[c*sc + c0][y*sy + y0][x*sx + x0] when that index is inside the input, else fill. */
export function remapF32(s: RemapF32, input: Float32Array, output: Float32Array): void {
  const [ic, ih, iw] = s.inShape;
  const [oc, oh, ow] = s.outShape;
  const [c0, y0, x0] = s.start;
  const [sc, sy, sx] = s.step;
  let o = 0;
  for (let c = 0; c < oc; c++) {
    const icc = c * sc + c0;
    for (let y = 0; y < oh; y++) {
      const iy = y * sy + y0;
      const rowInside = icc >= 0 && icc < ic && iy >= 0 && iy < ih;
      const row = (icc * ih + iy) * iw;
      for (let x = 0; x < ow; x++, o++) {
        const ix = x * sx + x0;
        output[o] = rowInside && ix >= 0 && ix < iw ? input[row + ix]! : s.fill;
      }
    }
  }
}

/** Channel concatenation of CHW tensors with equal H, W: the inputs one after the other. */
export function concatF32(s: ConcatF32, inputs: readonly Float32Array[], output: Float32Array): void {
  let o = 0;
  s.inShapes.forEach(([c, h, w], i) => {
    output.set(inputs[i]!.subarray(0, c * h * w), o);
    o += c * h * w;
  });
}
