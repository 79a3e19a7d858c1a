/**
 * The bit-string filter layout and the bconv kernels' specialised paths: every shape a program uses gets its own
 * unrolled copy of the loops (full windows, border windows with a mask), filters above BNN_WINDOW_WORDS go tap by
 * tap. Each path is compared with the reference executor bit for bit on the host, plain and under sanitizers.
 */
import assert from 'node:assert/strict';
import { executeProgram } from '../../src/lowered/execute.js';
import { filterWords } from '../../src/lowered/kernels/bconv-layout.js';
import type { Program, Window } from '../../src/lowered/program.js';
import { packConvWeights } from '../../src/phases/5-lower/pack.js';
import { planMemory } from '../../src/phases/6-plan/plan.js';
import { emitC } from '../../src/phases/7-emit/emit.js';
import { emitKernels, specialisedBConvShapes } from '../../src/phases/7-emit/kernel-files.js';
import { buildAndRun, firstBitDifference, HOST_TARGET, SANITIZE_CFLAGS } from './lowered-host.js';
import { ProgramBuilder, randomActivations, randomFloats, randomSignWeights, Rng } from './lowered-fixtures.js';

const square = (k: number, stride: number, pad: number, dil = 1): Window => ({
  kH: k, kW: k, strideH: stride, strideW: stride, padTop: pad, padLeft: pad, dilH: dil, dilW: dil,
});

/** One bconv program: affine or threshold (then a 1x1 affine bconv so every output bit reaches the output). */
function bconvProgram(r: Rng, name: string, ic: number, size: [number, number], window: Window, out: [number, number], oc: number, threshold: boolean): Program {
  const b = new ProgramBuilder(name, [ic, size[0], size[1]]);
  const bits = b.packSign(b.input);
  const weights = randomSignWeights(r, oc, window.kH, window.kW, ic);
  if (!threshold) {
    const scale = Float32Array.from({ length: oc }, () => 2 ** r.int(-5, 0));
    return planMemory(b.finish(b.bconv(bits, window, out, weights, { scale, shift: randomFloats(r, oc) }))).program;
  }
  const spread = Math.ceil(Math.sqrt(ic * window.kH * window.kW));
  const t = b.bconv(bits, window, out, weights, { thresholds: Int32Array.from({ length: oc }, () => r.int(-spread, spread)) });
  const one = square(1, 1, 0);
  const epilogue = { scale: Float32Array.from({ length: 5 }, () => 2 ** r.int(-3, 3)), shift: randomFloats(r, 5) };
  return planMemory(b.finish(b.bconv(t, one, out, randomSignWeights(r, 5, 1, 1, oc), epilogue))).program;
}

/**
 * The programs built into one binary with one kernel file that specialises every shape they use (what emitC
 * does for a single program), run on random inputs and compared with the reference executor bit for bit.
 */
function assertHostMatches(programs: readonly Program[], flags: readonly string[] = []): void {
  const r = new Rng(99);
  const samples = programs.map((p) => [0, 1].map(() => randomActivations(r, p.input.shape.reduce((a, d) => a * d, 1))));
  const files = new Map<string, string>();
  for (const p of programs) {
    const emitted = emitC(p, HOST_TARGET);
    files.set(`${p.name}.h`, emitted.get(`${p.name}.h`)!);
    files.set(`${p.name}.c`, emitted.get(`${p.name}.c`)!);
  }
  const steps = programs.flatMap((p) => p.steps);
  const kernels = emitKernels(['bnn_pack_sign_f32', 'bnn_bconv2d_affine', 'bnn_bconv2d_threshold'], HOST_TARGET, 'the tests', specialisedBConvShapes(steps));
  assert.ok(specialisedBConvShapes(steps).length > 0);
  files.set('bnn_kernels.h', kernels.header);
  files.set('bnn_kernels.c', kernels.source);
  const outputs = buildAndRun(files, programs, samples, flags);
  programs.forEach((p, i) => {
    samples[i]!.forEach((x, s) => {
      const want = executeProgram(p, x);
      const at = firstBitDifference(want, outputs[i]![s]!);
      assert.equal(at, -1, `${p.name} sample ${s}: output[${at}] C ${outputs[i]![s]![at]} vs reference ${want[at]}`);
    });
  });
}

describe('bconv filter layout and specialised kernels', function () {
  this.timeout(300_000);

  it('packs each filter as one tap-major bit string, ceil(kh*kw*C/32) words', () => {
    const [oc, ic, kh, kw] = [2, 16, 3, 3];
    const signs = new Int8Array(oc * ic * kh * kw).fill(1);
    signs[((1 * ic + 5) * kh + 2) * kw + 1] = -1; // oc 1, channel 5, tap (2, 1): bit (2*3 + 1)*16 + 5 = 117
    signs[((0 * ic + 15) * kh + 0) * kw + 2] = -1; // oc 0, channel 15, tap (0, 2): bit 2*16 + 15 = 47
    const w = packConvWeights(signs, oc, ic, kh, kw);
    assert.equal(filterWords(ic, kh, kw), 5);
    assert.equal(w.length, 10, '3x3x16 = 144 bits = 5 words per filter (1.11 bits a weight, not 2)');
    assert.deepEqual(Array.from(w), [0, 1 << 15, 0, 0, 0, 0, 0, 0, 1 << 21, 0]);
  });

  it('specialises each distinct shape whose filter fits the window buffer, once', () => {
    const r = new Rng(5);
    const b = new ProgramBuilder('shapes', [16, 6, 6]);
    const bits = b.packSign(b.input);
    const thr = (x: number, ic: number, k: number, oc: number) =>
      b.bconv(x, square(k, 1, (k - 1) / 2), [6, 6], randomSignWeights(r, oc, k, k, ic), { thresholds: new Int32Array(oc) });
    const y = thr(thr(thr(thr(bits, 16, 3, 16), 16, 3, 300), 300, 1, 16), 16, 3, 16);
    const p = b.finish(b.bconv(y, square(1, 1, 0), [6, 6], randomSignWeights(r, 2, 1, 1, 16), { scale: new Float32Array(2).fill(1), shift: new Float32Array(2) }));
    // 3x3x16 three times, listed once; 1x1 over 300 channels is 10 words, so it is specialised too.
    assert.deepEqual(specialisedBConvShapes(p.steps), [{ c: 16, kh: 3, kw: 3 }, { c: 300, kh: 1, kw: 1 }, { c: 16, kh: 1, kw: 1 }]);
    const big = new ProgramBuilder('big', [300, 3, 3]);
    const q = big.finish(big.bconv(big.packSign(big.input), square(3, 1, 1), [3, 3], randomSignWeights(r, 2, 3, 3, 300), { thresholds: new Int32Array(2) }));
    assert.equal(filterWords(300, 3, 3), 85);
    assert.deepEqual(specialisedBConvShapes(q.steps), [], '85 words exceed the 64-word window buffer: tap by tap, not specialised');
    const c = emitC(planMemory(p).program, HOST_TARGET).get('bnn_kernels.c')!;
    assert.match(c, /#define BNN_BCONV_SHAPES\(X\) X\(16, 3, 3\) X\(300, 1, 1\) X\(16, 1, 1\)\n/);
  });

  it('specialised shapes equal the reference: ResNet channel counts, odd counts, borders, strides, dilation', () => {
    const r = new Rng(11);
    const programs: Program[] = [];
    const cases: Array<[number, [number, number], Window, [number, number], number]> = [
      [16, [8, 8], square(3, 1, 1), [8, 8], 16],
      [16, [8, 8], square(3, 2, 1), [4, 4], 32],
      [32, [6, 6], square(3, 1, 1), [6, 6], 33],
      [64, [5, 5], square(3, 1, 1), [5, 5], 64],
      [1, [5, 7], square(3, 1, 2), [7, 9], 7],
      [31, [7, 5], square(3, 1, 1, 2), [5, 3], 5],
      [33, [5, 5], square(5, 1, 2), [5, 5], 3],
      [70, [4, 6], square(3, 2, 1), [2, 3], 40],
      [48, [3, 3], square(3, 1, 4), [9, 9], 4], // windows entirely in the padding at the corners
    ];
    cases.forEach(([ic, size, window, out, oc], i) => {
      programs.push(bconvProgram(r, `spec${i}a`, ic, size, window, out, oc, false));
      programs.push(bconvProgram(r, `spec${i}t`, ic, size, window, out, oc, true));
    });
    assertHostMatches(programs);
  });

  it('filters larger than the window buffer go tap by tap and equal the reference, also under sanitizers', () => {
    const r = new Rng(12);
    const programs = [
      bconvProgram(r, 'bigA', 300, [4, 5], square(3, 1, 1), [4, 5], 6, false),
      bconvProgram(r, 'bigT', 230, [5, 4], square(3, 2, 1), [3, 2], 35, true),
      bconvProgram(r, 'specA', 16, [5, 5], square(3, 1, 1), [5, 5], 8, false),
    ];
    assert.ok(filterWords(230, 3, 3) > 64 && filterWords(300, 3, 3) > 64);
    assertHostMatches(programs, SANITIZE_CFLAGS);
  });
});
