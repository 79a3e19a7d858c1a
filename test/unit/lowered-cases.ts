/**
 * Random single-kernel programs over the awkward geometries (channel counts around word boundaries, 1x1/3x3/5x5,
 * strides, padding, dilation, odd sizes, both bconv epilogues, both avgpool modes, remap with negative starts and
 * steps, concat, the float path's sign) plus a small residual network using most kernels. Seeded: the same cases every run.
 */
import type { Program } from '../../src/lowered/program.js';
import { ProgramBuilder, randomActivations, randomFloats, randomSignWeights, randomWindow, Rng } from './lowered-fixtures.js';

export interface Case {
  readonly program: Program;
  /** A fresh input for sample `i`. */
  input(i: number): Float32Array;
}

const CHANNELS = [1, 16, 31, 32, 33, 64, 70];
const SIZES = [5, 7, 8, 9, 11];

export function kernelCases(seed: number): Case[] {
  const r = new Rng(seed);
  const cases: Case[] = [];
  const add = (program: Program, input?: (i: number) => Float32Array) => {
    const n = program.input.shape.reduce((a, d) => a * d, 1);
    cases.push({ program, input: input ?? (() => randomActivations(r, n)) });
  };
  const name = () => `case${cases.length}`;

  for (let i = 0; i < 8; i++) add(conv2dCase(r, name()));
  for (let i = 0; i < 16; i++) add(bconvAffineCase(r, name()));
  for (let i = 0; i < 10; i++) add(bconvThresholdCase(r, name()));
  for (let i = 0; i < 10; i++) add(poolCase(r, name(), i % 3 === 0 ? 'maxpool_f32' : 'avgpool_f32'));
  for (let i = 0; i < 2; i++) add(globalAvgPoolCase(r, name()));
  for (let i = 0; i < 6; i++) add(remapCase(r, name()));
  for (let i = 0; i < 3; i++) add(elementwiseCase(r, name()));
  const literals = literalCase(name());
  add(literals, () => new Float32Array(literals.input.shape.reduce((a, d) => a * d, 1)).fill(1));
  add(signCase(r, name()));
  return cases;
}

function conv2dCase(r: Rng, name: string): Program {
  const [ic, h, w] = [r.pick([1, 3, 16, 31]), r.pick(SIZES), r.pick(SIZES)];
  const oc = r.pick([1, 5, 16]);
  const { window, out } = randomWindow(r, h, w);
  const b = new ProgramBuilder(name, [ic, h, w]);
  const weights = randomFloats(r, oc * ic * window.kH * window.kW, 0.5);
  weights[0] = -0;
  weights[weights.length - 1] = 1e-41; // a subnormal weight: exact hex-float printing
  return b.finish(b.conv2d(b.input, window, out, weights, randomFloats(r, oc, 0.25)));
}

function bconvAffineCase(r: Rng, name: string): Program {
  const [ic, h, w] = [r.pick(CHANNELS), r.pick(SIZES), r.pick(SIZES)];
  const oc = r.pick([1, 5, 32, 33]);
  const { window, out } = randomWindow(r, h, w);
  const b = new ProgramBuilder(name, [ic, h, w]);
  const bits = b.packSign(b.input);
  const weights = randomSignWeights(r, oc, window.kH, window.kW, ic);
  const scale = Float32Array.from({ length: oc }, (_, i) => (i % 2 ? 2 ** r.int(-6, 0) : r.float(0.1)));
  return b.finish(b.bconv(bits, window, out, weights, { scale, shift: randomFloats(r, oc, 1) }));
}

/** Threshold output bits feed a 1x1 affine bconv, so every bit reaches the output (a flip changes a dot by 2). */
function bconvThresholdCase(r: Rng, name: string): Program {
  const [ic, h, w] = [r.pick(CHANNELS), r.pick(SIZES), r.pick(SIZES)];
  const oc = r.pick([1, 5, 32, 33, 64, 70]);
  const { window, out } = randomWindow(r, h, w);
  const b = new ProgramBuilder(name, [ic, h, w]);
  const bits = b.packSign(b.input);
  const spread = Math.ceil(Math.sqrt(ic * window.kH * window.kW));
  const thresholds = Int32Array.from({ length: oc }, () => r.int(-spread, spread));
  thresholds[0] = r.pick([-2147483648, 2147483647, 0]);
  const t = b.bconv(bits, window, out, randomSignWeights(r, oc, window.kH, window.kW, ic), { thresholds });
  const one = { kH: 1, kW: 1, strideH: 1, strideW: 1, padTop: 0, padLeft: 0, dilH: 1, dilW: 1 };
  const oc2 = r.pick([3, 33]);
  const epilogue = { scale: Float32Array.from({ length: oc2 }, () => 2 ** r.int(-3, 3)), shift: randomFloats(r, oc2) };
  return b.finish(b.bconv(t, one, out, randomSignWeights(r, oc2, 1, 1, oc), epilogue));
}

function poolCase(r: Rng, name: string, kernel: 'maxpool_f32' | 'avgpool_f32'): Program {
  const [c, h, w] = [r.pick([1, 3, 16]), r.pick(SIZES), r.pick(SIZES)];
  const { window, out } = randomWindow(r, h, w, { kernels: [1, 2, 3, 5] });
  const b = new ProgramBuilder(name, [c, h, w]);
  return b.finish(b.pool(kernel, b.input, window, out, r.next() < 0.5));
}

function globalAvgPoolCase(r: Rng, name: string): Program {
  const b = new ProgramBuilder(name, [r.pick([1, 10, 64]), r.pick(SIZES), r.pick(SIZES)]);
  return b.finish(b.globalAvgPool(b.input));
}

function remapCase(r: Rng, name: string): Program {
  const [c, h, w] = [r.pick([1, 4, 16]), r.pick(SIZES), r.pick(SIZES)];
  const b = new ProgramBuilder(name, [c, h, w]);
  const step = [r.pick([1, 2]), r.pick([1, 2]), r.pick([1, 2])] as const;
  const start = [r.int(-3, 1), r.int(-2, 1), r.int(-2, 1)] as const;
  const outShape = [r.int(1, c + 4), r.int(1, h + 2), r.int(1, w + 2)] as const;
  return b.finish(b.remap(b.input, outShape, start, step, r.pick([0, -0, 1.5, -Infinity])));
}

/** affine -> clip (Relu or hardtanh) -> add to the input -> concat of three tensors. */
function elementwiseCase(r: Rng, name: string): Program {
  const [c, h, w] = [r.pick([1, 5, 16]), r.pick(SIZES), r.pick(SIZES)];
  const b = new ProgramBuilder(name, [c, h, w]);
  const a = b.affine(b.input, randomFloats(r, c, 2), randomFloats(r, c, 0.5));
  const clipped = r.next() < 0.5 ? b.clip(a, 0, Infinity) : b.clip(a, -1, 1);
  const sum = b.add(b.input, clipped);
  return b.finish(b.concat([sum, b.input, clipped]));
}

/** The float path's sign as the program output, so that +0, -0 and subnormal inputs are compared bit for bit. */
function signCase(r: Rng, name: string): Program {
  const b = new ProgramBuilder(name, [r.pick([1, 16, 33]), r.pick(SIZES), r.pick(SIZES)]);
  return b.finish(b.sign(b.input));
}

/** Input all ones, shift -0: the output is the scale constants themselves, so their C literals are checked exactly. */
function literalCase(name: string): Program {
  const specials = [
    1 / 3, -0.1, 1e-45, -1e-45, 1.17549435e-38, 1e-40, -3.4028234663852886e38, 3.4028234663852886e38,
    -0, 0, Infinity, -Infinity, 2 ** -149, 0.5 + 2 ** -24, 16777215, -1.5, 2 ** 100, Math.PI,
  ].map(Math.fround);
  const b = new ProgramBuilder(name, [specials.length, 1, 1]);
  const shift = new Float32Array(specials.length).fill(-0);
  return b.finish(b.affine(b.input, Float32Array.from(specials), shift));
}

/**
 * A small residual binary network using most kernels: float stem, BN, hardtanh, sign, binary conv to bits,
 * binary conv to float, residual add, option-A shortcut (strided slice + channel padding), maxpool, avgpool,
 * global average pool. Its emitted files (only the kernels it calls) are compiled as they are.
 */
export function residualNet(seed: number, name = 'resnet_tiny'): Case {
  const r = new Rng(seed);
  const b = new ProgramBuilder(name, [3, 15, 13]);
  const conv3 = { kH: 3, kW: 3, strideH: 1, strideW: 1, padTop: 1, padLeft: 1, dilH: 1, dilW: 1 };
  const stem = b.conv2d(b.input, conv3, [15, 13], randomFloats(r, 16 * 3 * 9, 0.5), randomFloats(r, 16, 0.1));
  const x = b.clip(b.affine(stem, randomFloats(r, 16, 2), randomFloats(r, 16, 0.5)), -1, 1);
  const t = b.bconv(b.packSign(x), conv3, [15, 13], randomSignWeights(r, 16, 3, 3, 16), {
    thresholds: Int32Array.from({ length: 16 }, () => r.int(-12, 12)),
  });
  const y = b.bconv(t, conv3, [15, 13], randomSignWeights(r, 16, 3, 3, 16), {
    scale: Float32Array.from({ length: 16 }, () => 2 ** r.int(-6, -3)),
    shift: randomFloats(r, 16, 0.5),
  });
  const res = b.clip(b.add(y, x), -1, 1);
  const down = { ...conv3, strideH: 2, strideW: 2 };
  const z = b.bconv(b.packSign(res), down, [8, 7], randomSignWeights(r, 32, 3, 3, 16), {
    scale: Float32Array.from({ length: 32 }, () => 2 ** r.int(-6, -3)),
    shift: randomFloats(r, 32, 0.5),
  });
  const shortcut = b.remap(res, [32, 8, 7], [-8, 0, 0], [1, 2, 2], 0);
  const stage2 = b.clip(b.add(z, shortcut), -1, 1);
  const pool2 = { kH: 2, kW: 2, strideH: 2, strideW: 2, padTop: 0, padLeft: 0, dilH: 1, dilW: 1 };
  const maxed = b.pool('maxpool_f32', stage2, pool2, [4, 4]);
  const avg = b.pool('avgpool_f32', stage2, { ...pool2, padTop: 1, padLeft: 1 }, [5, 4], false);
  const pooled = b.concat([b.globalAvgPool(maxed), b.globalAvgPool(avg)]);
  const program = b.finish(b.affine(pooled, randomFloats(r, 64, 1), randomFloats(r, 64, 1)), 'resnet_tiny.onnx');
  return { program, input: () => randomActivations(r, 3 * 15 * 13) };
}
