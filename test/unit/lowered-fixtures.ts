/**
 * Hand-built lowered programs for the executor / plan / emitter tests: a seeded random source, a builder that
 * derives buffer shapes from each kernel's parameters, and random geometries and weights.
 */
import type { BufferDecl, ConstDecl, Program, Shape3, Step, Window } from '../../src/lowered/program.js';
import { bitsWords, f32Words } from '../../src/lowered/validate.js';
import { mulberry32 } from '../../src/util/prng.js';
import { fixedAffine } from '../../src/phases/5-lower/fixed-affine.js';

/** Seeded test randomness (src/util/prng.ts) with the helpers these fixtures need. */
export class Rng {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
  u32(): number {
    return Math.floor(this.next() * 4294967296) >>> 0;
  }
  /** A float32 in (-range, range). */
  float(range = 2): number {
    return Math.fround((this.next() * 2 - 1) * range);
  }
}

/** Activations with the awkward values mixed in: exact zeros of both signs (sign ties) and subnormals. */
export function randomActivations(r: Rng, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = r.next();
    out[i] = u < 0.06 ? 0 : u < 0.1 ? -0 : u < 0.12 ? r.float(1e-40) : r.float(3);
  }
  return out;
}

export function randomFloats(r: Rng, n: number, range = 1): Float32Array {
  return Float32Array.from({ length: n }, () => r.float(range));
}

/** Packed sign weights [oc][ceil(kh*kw*ic/32)] (one bit string per filter) with zero tail bits. */
export function randomSignWeights(r: Rng, oc: number, kh: number, kw: number, ic: number): Uint32Array {
  const bits = kh * kw * ic;
  const fw = Math.ceil(bits / 32);
  const w = new Uint32Array(oc * fw);
  for (let i = 0; i < w.length; i++) {
    const n = (i % fw) === fw - 1 && bits % 32 !== 0 ? bits % 32 : 32;
    w[i] = n === 32 ? r.u32() : r.u32() & ((1 << n) - 1);
  }
  return w;
}

export function outSize(size: number, k: number, stride: number, padBegin: number, padEnd: number, dil: number): number {
  return Math.floor((size + padBegin + padEnd - dil * (k - 1) - 1) / stride) + 1;
}

export interface WindowChoice {
  readonly kernels?: readonly number[];
  readonly strides?: readonly number[];
  readonly pads?: readonly number[];
  readonly dils?: readonly number[];
}

/** A random window over an h x w input, with its output size (bottom/right padding 0 or 1 more than top/left). */
export function randomWindow(r: Rng, h: number, w: number, choice: WindowChoice = {}): { window: Window; out: [number, number] } {
  for (;;) {
    const k = r.pick(choice.kernels ?? [1, 3, 5]);
    const kW = r.next() < 0.8 ? k : r.pick(choice.kernels ?? [1, 3, 5]);
    const window: Window = {
      kH: k,
      kW,
      strideH: r.pick(choice.strides ?? [1, 2]),
      strideW: r.pick(choice.strides ?? [1, 2]),
      padTop: r.pick(choice.pads ?? [0, 1, 2]),
      padLeft: r.pick(choice.pads ?? [0, 1, 2]),
      dilH: r.pick(choice.dils ?? [1, 2]),
      dilW: r.pick(choice.dils ?? [1, 2]),
    };
    const oh = outSize(h, window.kH, window.strideH, window.padTop, window.padTop + r.int(0, 1), window.dilH);
    const ow = outSize(w, window.kW, window.strideW, window.padLeft, window.padLeft + r.int(0, 1), window.dilW);
    if (oh >= 1 && ow >= 1) return { window, out: [oh, ow] };
  }
}

type Epilogue = { scale: Float32Array; shift: Float32Array } | { thresholds: Int32Array };

/** Builds a Program step by step; each method returns the id of the buffer it writes. */
export class ProgramBuilder {
  private readonly buffers: BufferDecl[] = [];
  private readonly consts: ConstDecl[] = [];
  private readonly steps: Step[] = [];
  readonly input: number;

  constructor(
    readonly name: string,
    inShape: Shape3,
  ) {
    this.input = this.buffer('f32', inShape, 'input');
  }

  shape(id: number): Shape3 {
    return this.buffers[id]!.shape;
  }

  conv2d(x: number, window: Window, out: [number, number], weights: Float32Array, bias: Float32Array): number {
    const inShape = this.shape(x);
    const outShape: Shape3 = [bias.length, out[0], out[1]];
    const output = this.buffer('f32', outShape);
    const w = this.constant('w', weights);
    const b = this.constant('b', bias);
    const origin = this.origin('conv', 'Conv');
    return this.push({ kernel: 'conv2d_f32', origin, input: x, output, inShape, outShape, window, weights: w, bias: b });
  }

  packSign(x: number): number {
    const shape = this.shape(x);
    const origin = this.origin('sign', 'Sign');
    return this.push({ kernel: 'pack_sign', origin, input: x, output: this.buffer('bits', shape), shape });
  }

  bconv(x: number, window: Window, out: [number, number], weights: Uint32Array, epilogue: Epilogue): number {
    const inShape = this.shape(x);
    const oc = 'thresholds' in epilogue ? epilogue.thresholds.length : epilogue.scale.length;
    const outShape: Shape3 = [oc, out[0], out[1]];
    const output = this.buffer('thresholds' in epilogue ? 'bits' : 'f32', outShape);
    const w = this.constant('bw', weights);
    const e =
      'thresholds' in epilogue
        ? { kind: 'threshold' as const, thresholds: this.constant('tau', epilogue.thresholds) }
        : this.fixedAffine(epilogue, inShape[0] * window.kH * window.kW);
    const origin = this.origin('bconv', 'Conv');
    return this.push({ kernel: 'bconv2d', origin, input: x, output, inShape, outShape, window, weights: w, epilogue: e });
  }

  /** A float epilogue as the kernel's fixed-point constants, as lowering makes them. */
  private fixedAffine(e: { scale: Float32Array; shift: Float32Array }, maxDot: number) {
    const q = fixedAffine(e.scale, e.shift, maxDot);
    if (typeof q === 'string') throw new Error(q);
    return { kind: 'affine' as const, fixed: this.constant('fixed', q.fixed), pow2: this.constant('pow2', q.pow2) };
  }

  affine(x: number, scale: Float32Array, shift: Float32Array): number {
    const shape = this.shape(x);
    const output = this.buffer('f32', shape);
    const s = this.constant('k', scale);
    const b = this.constant('c', shift);
    const origin = this.origin('bn', 'BatchNormalization');
    return this.push({ kernel: 'affine_f32', origin, input: x, output, shape, scale: s, shift: b });
  }

  add(a: number, b: number): number {
    const shape = this.shape(a);
    const output = this.buffer('f32', shape);
    return this.push({ kernel: 'add_f32', origin: this.origin('add', 'Add'), a, b, output, size: f32Words(shape) });
  }

  clip(x: number, min: number, max: number): number {
    const shape = this.shape(x);
    const output = this.buffer('f32', shape);
    return this.push({ kernel: 'clip_f32', origin: this.origin('clip', 'Clip'), input: x, output, size: f32Words(shape), min, max });
  }

  sign(x: number): number {
    const shape = this.shape(x);
    const output = this.buffer('f32', shape);
    return this.push({ kernel: 'sign_f32', origin: this.origin('sign', 'Sign'), input: x, output, size: f32Words(shape) });
  }

  pool(kernel: 'maxpool_f32' | 'avgpool_f32', x: number, window: Window, out: [number, number], countIncludePad = false): number {
    const inShape = this.shape(x);
    const outShape: Shape3 = [inShape[0], out[0], out[1]];
    const output = this.buffer('f32', outShape);
    return this.push({ kernel, origin: this.origin('pool', 'Pool'), input: x, output, inShape, outShape, window, countIncludePad });
  }

  globalAvgPool(x: number): number {
    const inShape = this.shape(x);
    const output = this.buffer('f32', [inShape[0], 1, 1]);
    return this.push({ kernel: 'global_avgpool_f32', origin: this.origin('gap', 'GlobalAveragePool'), input: x, output, inShape });
  }

  remap(x: number, outShape: Shape3, start: Shape3, step: Shape3, fill: number): number {
    const inShape = this.shape(x);
    const output = this.buffer('f32', outShape);
    return this.push({ kernel: 'remap_f32', origin: this.origin('pad', 'Pad'), input: x, output, inShape, outShape, start, step, fill });
  }

  concat(xs: readonly number[]): number {
    const inShapes = xs.map((x) => this.shape(x));
    const outShape: Shape3 = [inShapes.reduce((c, s) => c + s[0], 0), inShapes[0]![1], inShapes[0]![2]];
    const output = this.buffer('f32', outShape);
    return this.push({ kernel: 'concat_f32', origin: this.origin('cat', 'Concat'), inputs: xs, output, inShapes });
  }

  /** The program whose output is buffer `out` (an f32 buffer, which becomes the caller's output array). */
  finish(out: number, source = 'test.onnx'): Program {
    const buffers = this.buffers.map((b) => (b.id === out ? { ...b, name: 'output', external: 'output' as const } : b));
    const [c, h, w] = this.shape(this.input);
    return {
      name: this.name,
      source,
      input: { buffer: this.input, shape: [1, c, h, w] },
      output: { buffer: out, shape: [1, ...this.shape(out)] },
      buffers,
      consts: [...this.consts],
      steps: [...this.steps],
    };
  }

  private buffer(kind: 'f32' | 'bits', shape: Shape3, external?: 'input'): number {
    const id = this.buffers.length;
    const words = kind === 'f32' ? f32Words(shape) : bitsWords(shape);
    this.buffers.push({ id, name: external ?? `t${id}`, kind, shape, words, ...(external ? { external } : {}) });
    return id;
  }

  private constant(prefix: string, data: Float32Array | Uint32Array | Int32Array): number {
    const id = this.consts.length;
    this.consts.push({ id, name: `${prefix}${id}`, data });
    return id;
  }

  /** An ONNX-like node name for the next step, e.g. '/bn3/BatchNormalization'. */
  private origin(prefix: string, opType: string): string {
    return `/${prefix}${this.steps.length}/${opType}`;
  }

  private push(step: Step): number {
    this.steps.push(step);
    return step.output;
  }
}
