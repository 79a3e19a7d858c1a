import assert from 'node:assert/strict';
import { BnnError } from '../../src/errors.js';
import { executeProgram } from '../../src/lowered/execute.js';
import { bconv2d } from '../../src/lowered/kernels/bconv2d.js';
import { popcount32 } from '../../src/lowered/kernels/popcount.js';
import type { BConv2d, Program, Shape3, Window } from '../../src/lowered/program.js';
import { ProgramBuilder, randomActivations, randomFloats, randomSignWeights, randomWindow, Rng } from './lowered-fixtures.js';

/** Naive sign convolution: sign(x) in {-1, +1} (0 -> +1), weights from bits, taps outside the input are 0. */
function naiveSignDots(x: Float32Array, inShape: Shape3, w: Uint32Array, oc: number, win: Window, out: [number, number]): Float64Array {
  const [ic, ih, iw] = inShape;
  const fw = Math.ceil((ic * win.kH * win.kW) / 32);
  const dots = new Float64Array(oc * out[0] * out[1]);
  for (let o = 0; o < oc; o++) {
    for (let oy = 0; oy < out[0]; oy++) {
      for (let ox = 0; ox < out[1]; ox++) {
        let sum = 0;
        for (let c = 0; c < ic; c++) {
          for (let ky = 0; ky < win.kH; ky++) {
            for (let kx = 0; kx < win.kW; kx++) {
              const iy = oy * win.strideH - win.padTop + ky * win.dilH;
              const ix = ox * win.strideW - win.padLeft + kx * win.dilW;
              const xb = iy < 0 || iy >= ih || ix < 0 || ix >= iw ? 0 : x[(c * ih + iy) * iw + ix]! < 0 ? -1 : 1;
              const i = (ky * win.kW + kx) * ic + c;
              const bit = (w[o * fw + (i >> 5)]! >>> (i & 31)) & 1;
              sum += xb * (bit ? -1 : 1);
            }
          }
        }
        dots[(o * out[0] + oy) * out[1] + ox] = sum;
      }
    }
  }
  return dots;
}

/** Naive float64 convolution / pools for semantic checks (tolerance, not bit equality). */
function naiveWindow(
  x: Float32Array,
  inShape: Shape3,
  win: Window,
  out: [number, number],
  reduce: (taps: number[], all: number) => number,
  c: number,
): number {
  const [, ih, iw] = inShape;
  const [oy, ox] = out;
  const taps: number[] = [];
  for (let ky = 0; ky < win.kH; ky++) {
    for (let kx = 0; kx < win.kW; kx++) {
      const iy = oy * win.strideH - win.padTop + ky * win.dilH;
      const ix = ox * win.strideW - win.padLeft + kx * win.dilW;
      if (iy >= 0 && iy < ih && ix >= 0 && ix < iw) taps.push(x[(c * ih + iy) * iw + ix]!);
    }
  }
  return reduce(taps, win.kH * win.kW);
}

const CHANNELS = [1, 16, 31, 32, 33, 64, 70];

describe('lowered reference executor', () => {
  it('popcount32 matches a bit-by-bit count', () => {
    const r = new Rng(1);
    for (const v of [0, 1, 0xffffffff, 0x80000000, 0x7fffffff, ...Array.from({ length: 2000 }, () => r.u32())]) {
      let n = 0;
      for (let b = 0; b < 32; b++) n += (v >>> b) & 1;
      assert.equal(popcount32(v), n, `popcount(${v.toString(16)})`);
      assert.equal(popcount32(v | 0), n, 'signed int32 view of the same word');
    }
  });

  it('binary conv dots equal a naive sign convolution with zero padding (borders, tails, strides, dilation)', () => {
    const r = new Rng(2);
    let checked = 0;
    for (const ic of CHANNELS) {
      for (let trial = 0; trial < 6; trial++) {
        const [h, w] = [r.pick([1, 2, 5, 7, 8]), r.pick([1, 3, 6, 9])];
        const { window, out } = randomWindow(r, h, w);
        const oc = r.pick([1, 7, 32, 33]);
        const b = new ProgramBuilder('dots', [ic, h, w]);
        const weights = randomSignWeights(r, oc, window.kH, window.kW, ic);
        const ones = new Float32Array(oc).fill(1);
        const p = b.finish(b.bconv(b.packSign(b.input), window, out, weights, { scale: ones, shift: new Float32Array(oc) }));
        const x = randomActivations(r, ic * h * w);
        const got = executeProgram(p, x);
        const want = naiveSignDots(x, [ic, h, w], weights, oc, window, out);
        assert.deepEqual(Array.from(got), Array.from(want), `ic ${ic} ${h}x${w} window ${JSON.stringify(window)}`);
        checked++;
      }
    }
    assert.equal(checked, CHANNELS.length * 6);
  });

  it('threshold epilogue: bit 0 (+1) exactly when dot >= tau, output tail bits 0', () => {
    const r = new Rng(3);
    for (const [ic, oc] of [[33, 33], [16, 70], [70, 5]] as const) {
      const [h, w] = [5, 6];
      const { window, out } = randomWindow(r, h, w);
      const weights = randomSignWeights(r, oc, window.kH, window.kW, ic);
      const x = randomActivations(r, ic * h * w);
      const dots = naiveSignDots(x, [ic, h, w], weights, oc, window, out);
      // Constant channels (INT32_MIN / INT32_MAX), then thresholds equal to a reachable dot (the >= boundary).
      const at = (o: number) => (o === 0 ? -2147483648 : o === 1 ? 2147483647 : dots[o * out[0] * out[1]]!);
      const thresholds = Int32Array.from({ length: oc }, (_, o) => at(o));
      const nw = Math.ceil(ic / 32);
      const bits = new Uint32Array(nw * h * w);
      for (let c = 0; c < ic; c++) {
        for (let p = 0; p < h * w; p++) if (x[c * h * w + p]! < 0) bits[p * nw + (c >> 5)]! |= 1 << (c & 31);
      }
      const step: BConv2d = {
        kernel: 'bconv2d', origin: 'thr', input: 0, output: 1, inShape: [ic, h, w], outShape: [oc, out[0], out[1]],
        window, weights: 0, epilogue: { kind: 'threshold', thresholds: 0 },
      };
      const onw = Math.ceil(oc / 32);
      const output = new Uint32Array(out[0] * out[1] * onw);
      bconv2d(step, bits, weights, { thresholds }, output);
      for (let o = 0; o < oc; o++) {
        for (let px = 0; px < out[0] * out[1]; px++) {
          const bit = (output[px * onw + (o >> 5)]! >>> (o & 31)) & 1;
          assert.equal(bit, dots[o * out[0] * out[1] + px]! >= thresholds[o]! ? 0 : 1, `channel ${o} pixel ${px}`);
        }
      }
      if (oc % 32) for (let px = 0; px < out[0] * out[1]; px++) assert.equal(output[px * onw + onw - 1]! >>> (oc % 32), 0, 'tail bits');
    }
  });

  it('counts sign ties (+0 and -0, not NaN) and maps them to +1, accumulating over calls', () => {
    const b = new ProgramBuilder('ties', [33, 1, 2]);
    const weights = new Uint32Array(2); // one 1x1 filter of all +1 over 33 channels
    const one = { kH: 1, kW: 1, strideH: 1, strideW: 1, padTop: 0, padLeft: 0, dilH: 1, dilW: 1 };
    const epilogue = { scale: new Float32Array([1]), shift: new Float32Array([0]) };
    const p = b.finish(b.bconv(b.packSign(b.input), one, [1, 2], weights, epilogue));
    const x = new Float32Array(66).fill(-1);
    x[0] = 0; // channel 0, pixel 0
    x[2] = -0; // channel 1, pixel 0
    x[65] = 0; // channel 32 (the tail word), pixel 1
    x[4] = NaN; // NaN is not a tie; it binarizes to +1 like zero
    const stats = { signTies: 0 };
    const out = executeProgram(p, x, stats);
    assert.equal(stats.signTies, 3);
    // pixel 0: channels 0, 1 and 2 are +1 (two zeros and the NaN), 30 channels -1 -> dot = 3 - 30
    assert.deepEqual(Array.from(out), [3 - 30, 1 - 32]);
    executeProgram(p, x, stats);
    assert.equal(stats.signTies, 6);
  });

  it('float conv and pools agree with naive float64 semantics (zero padding, count_include_pad)', () => {
    const r = new Rng(4);
    for (let trial = 0; trial < 12; trial++) {
      const [c, h, w] = [r.pick([1, 3]), r.pick([4, 7]), r.pick([5, 6])];
      const { window, out } = randomWindow(r, h, w);
      const x = randomActivations(r, c * h * w);
      const kernel = r.pick(['conv', 'maxpool_f32', 'avgpool_f32'] as const);
      const includePad = r.next() < 0.5;
      const b = new ProgramBuilder('sem', [c, h, w]);
      const weights = randomFloats(r, 2 * c * window.kH * window.kW);
      const bias = randomFloats(r, 2);
      const p: Program =
        kernel === 'conv'
          ? b.finish(b.conv2d(b.input, window, out, weights, bias))
          : b.finish(b.pool(kernel, b.input, window, out, includePad));
      const got = executeProgram(p, x);
      const [oc] = p.output.shape.slice(1) as [number];
      for (let o = 0; o < oc; o++) {
        for (let oy = 0; oy < out[0]; oy++) {
          for (let ox = 0; ox < out[1]; ox++) {
            let want: number;
            if (kernel === 'conv') {
              want = bias[o]!;
              for (let ci = 0; ci < c; ci++) {
                const wc = weights.subarray((o * c + ci) * window.kH * window.kW, (o * c + ci + 1) * window.kH * window.kW);
                // taps in kernel order, with padded taps as x = 0
                for (let ky = 0; ky < window.kH; ky++) {
                  for (let kx = 0; kx < window.kW; kx++) {
                    const iy = oy * window.strideH - window.padTop + ky * window.dilH;
                    const ix = ox * window.strideW - window.padLeft + kx * window.dilW;
                    const v = iy < 0 || iy >= h || ix < 0 || ix >= w ? 0 : x[(ci * h + iy) * w + ix]!;
                    want += wc[ky * window.kW + kx]! * v;
                  }
                }
              }
            } else if (kernel === 'maxpool_f32') {
              want = naiveWindow(x, [c, h, w], window, [oy, ox], (t) => Math.max(-Infinity, ...t), o);
            } else {
              want = naiveWindow(x, [c, h, w], window, [oy, ox], (t, all) => t.reduce((s, v) => s + v, 0) / (includePad ? all : t.length), o);
            }
            const v = got[(o * out[0] + oy) * out[1] + ox]!;
            assert.ok(v === want || Math.abs(v - want) <= 1e-5 * (1 + Math.abs(want)), `${kernel} o${o} (${oy},${ox}): ${v} vs ${want}`);
          }
        }
      }
    }
  });

  it('clip keeps -0 under a +0 bound and passes NaN; remap fills outside the input', () => {
    const b = new ProgramBuilder('clip', [4, 1, 1]);
    const p = b.finish(b.clip(b.input, 0, Infinity));
    const out = executeProgram(p, new Float32Array([-0, NaN, -2, 3]));
    assert.ok(Object.is(out[0], -0));
    assert.ok(Number.isNaN(out[1]));
    assert.deepEqual(Array.from(out.subarray(2)), [0, 3]);

    const m = new ProgramBuilder('remap', [2, 2, 3]);
    const q = m.finish(m.remap(m.input, [4, 2, 2], [-1, 0, -1], [1, 1, 2], 9));
    const x = Float32Array.from({ length: 12 }, (_, i) => i);
    // channel -1 and 2 are fill; columns -1 (fill) and 1
    assert.deepEqual(Array.from(executeProgram(q, x)), [9, 9, 9, 9, 9, 1, 9, 4, 9, 7, 9, 10, 9, 9, 9, 9]);
  });

  it('sign_f32 follows ONNX Sign: +-1 off zero, +0, -0 and NaN unchanged, subnormals signed', () => {
    const b = new ProgramBuilder('sign', [8, 1, 1]);
    const p = b.finish(b.sign(b.input));
    const out = executeProgram(p, new Float32Array([-2, -0, 0, NaN, 1e-45, -1e-45, Infinity, -Infinity]));
    assert.deepEqual(Array.from(out.subarray(4)), [1, -1, 1, -1]);
    assert.ok(Object.is(out[0], -1) && Object.is(out[1], -0) && Object.is(out[2], 0) && Number.isNaN(out[3]));
  });

  it('refuses malformed programs and wrong input sizes', () => {
    const ok = () => {
      const b = new ProgramBuilder('bad', [33, 2, 2]);
      return { b, p: b.finish(b.clip(b.input, -1, 1)) };
    };
    const { p } = ok();
    assert.throws(() => executeProgram(p, new Float32Array(5)), (e: unknown) => e instanceof BnnError && /132 values, got 5/.test(e.message));

    const inPlace: Program = { ...p, steps: [{ ...p.steps[0]!, input: p.output.buffer } as Program['steps'][number]] };
    assert.throws(() => executeProgram(inPlace, new Float32Array(132)), /before any step writes it|in-place/);

    const b = new ProgramBuilder('tail', [33, 2, 2]);
    const w = randomSignWeights(new Rng(5), 1, 1, 1, 33);
    w[1] = w[1]! | 0x80000000; // a bit past channel 33
    const one = { kH: 1, kW: 1, strideH: 1, strideW: 1, padTop: 0, padLeft: 0, dilH: 1, dilW: 1 };
    const tail = b.finish(b.bconv(b.packSign(b.input), one, [2, 2], w, { scale: new Float32Array([1]), shift: new Float32Array([0]) }));
    assert.throws(() => executeProgram(tail, new Float32Array(132)), /bits set past the end of its filter/);

    const nb = new ProgramBuilder('nan', [2, 1, 1]);
    const nan = nb.finish(nb.affine(nb.input, new Float32Array([1, NaN]), new Float32Array(2)));
    assert.throws(
      () => executeProgram(nan, new Float32Array(2)),
      (e: unknown) => e instanceof BnnError && e.where.node === '/bn0/BatchNormalization' && /NaN/.test(e.message),
    );
  });
});
