/**
 * The kernels of the BNN variants (issue 4, part 2): the 1-bit-weight convolution on real inputs (1w32a), PRelu,
 * and Softmax/LogSoftmax with bnngen's own exp and log. Host C equals the TypeScript reference bit for bit over
 * several geometries (also under ASan/UBSan), and the exp/log are accurate to a few ulp.
 */
import assert from 'node:assert/strict';
import { executeProgram } from '../../src/lowered/execute.js';
import { expF32, logF32 } from '../../src/lowered/kernels/softmax.js';
import type { Program } from '../../src/lowered/program.js';
import { attr, encodeModel, type ModelSpec } from '../../src/onnx/encode.js';
import { emitC } from '../../src/phases/7-emit/emit.js';
import { C_KERNELS, emitKernels } from '../../src/phases/7-emit/kernel-files.js';
import { compileBytes } from '../../src/pipeline.js';
import { f32 } from '../helpers/bnn-models.js';
import { VARIANT_MODELS } from '../helpers/variant-models.js';
import { Rng, randomActivations } from './lowered-fixtures.js';
import { buildAndRun, firstBitDifference, HOST_TARGET, SANITIZE_CFLAGS } from './lowered-host.js';

/** One Conv with ±s weights on the real input: geometry drawn at random (word boundaries, padding, dilation). */
function oneBitConv(r: Rng, i: number): ModelSpec {
  const ic = r.pick([1, 3, 11, 16, 33]);
  const oc = r.pick([1, 4, 7]);
  const k = r.pick([1, 3, 5]);
  const [stride, dil] = [r.pick([1, 2]), k > 1 ? r.pick([1, 2]) : 1];
  const pad = r.int(0, k - 1);
  const size = r.pick([5, 8, 9]) + (dil - 1) * (k - 1);
  const n = ic * k * k;
  const scales = Array.from({ length: oc }, () => r.pick([0.25, Math.fround(0.3 + r.next())]));
  const w = Array.from({ length: oc * n }, (_, j) => (r.next() < 0.5 ? -1 : 1) * scales[Math.floor(j / n)]!);
  return {
    name: `bw${i}`,
    inputs: [{ name: 'x', dtype: 'float32', shape: [1, ic, size, size] }],
    outputs: [{ name: 'y', dtype: 'float32' }],
    initializers: [{ name: 'w', tensor: f32([oc, ic, k, k], w) }, { name: 'b', tensor: f32([oc], Array.from({ length: oc }, () => r.float(1))) }],
    nodes: [{
      name: 'conv', opType: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['y'],
      attrs: { kernel_shape: attr.ints([k, k]), strides: attr.ints([stride, stride]), pads: attr.ints([pad, pad, pad, pad]), dilations: attr.ints([dil, dil]) },
    }],
  };
}

/** A 1w32a linear layer on a [1, K] input (MatMul with ±s columns), then Softmax. */
function oneBitLinear(r: Rng, k: number, n: number, name: string): ModelSpec {
  const scales = Array.from({ length: n }, () => Math.fround(0.1 + r.next()));
  return {
    name,
    inputs: [{ name: 'x', dtype: 'float32', shape: [1, k] }],
    outputs: [{ name: 'y', dtype: 'float32' }],
    initializers: [{ name: 'w', tensor: f32([k, n], Array.from({ length: k * n }, (_, j) => (r.next() < 0.5 ? -1 : 1) * scales[j % n]!)) }],
    nodes: [
      { name: 'fc', opType: 'MatMul', inputs: ['x', 'w'], outputs: ['z'] },
      { name: 'sm', opType: 'Softmax', inputs: ['z'], outputs: ['y'] },
    ],
  };
}

function softmaxModel(op: 'Softmax' | 'LogSoftmax', n: number, name: string): ModelSpec {
  return {
    name: name,
    inputs: [{ name: 'x', dtype: 'float32', shape: [1, n] }],
    outputs: [{ name: 'y', dtype: 'float32' }],
    nodes: [{ name: 'sm', opType: op, inputs: ['x'], outputs: ['y'], attrs: { axis: attr.int(-1) } }],
  };
}

/** Softmax inputs that reach exp's underflow, its subnormal results and its -inf / NaN paths. */
function softmaxInput(r: Rng, n: number, s: number): Float32Array {
  const spread = [1, 30, 120, 200][s % 4]!;
  const x = Float32Array.from({ length: n }, () => r.float(spread));
  if (s === 5) x[1] = -Infinity;
  if (s === 6) x.fill(0);
  return x;
}

interface Compiled {
  readonly program: Program;
  readonly samples: Float32Array[];
}

describe('variant kernels: host C equals the TypeScript reference', function () {
  this.timeout(300_000);
  const r = new Rng(4242);
  const cases: Compiled[] = [];
  const name = (p: Program) => p.name;

  before(() => {
    const add = (spec: ModelSpec, input: (s: number) => Float32Array, id: string) => {
      const program = compileBytes(encodeModel(spec), `${id}.onnx`, { name: id }).program;
      cases.push({ program, samples: Array.from({ length: 8 }, (_, s) => input(s)) });
    };
    for (let i = 0; i < 10; i++) {
      const spec = oneBitConv(r, i);
      const n = (spec.inputs[0]!.shape as number[]).reduce((a, d) => a * d, 1);
      add(spec, () => randomActivations(r, n), `bw${i}`);
    }
    for (const [i, [k, n]] of [[31, 10], [64, 3], [100, 33]].entries()) {
      add(oneBitLinear(r, k!, n!, `bwfc${i}`), () => randomActivations(r, k!), `bwfc${i}`);
    }
    for (const [i, n] of [7, 10, 33].entries()) {
      add(softmaxModel('Softmax', n, `sm${i}`), (s) => softmaxInput(r, n, s), `sm${i}`);
      add(softmaxModel('LogSoftmax', n, `lsm${i}`), (s) => softmaxInput(r, n, s), `lsm${i}`);
    }
    for (const make of VARIANT_MODELS) {
      const m = make();
      const n = (m.spec.inputs[0]!.shape as number[]).reduce((a, d) => a * d, 1);
      add(m.spec, () => randomActivations(r, n), `v_${m.name.replace(/\W/g, '_')}`);
    }
  });

  function check(extra: readonly string[]): void {
    const files = new Map<string, string>();
    for (const { program } of cases) {
      const emitted = emitC(program, HOST_TARGET);
      files.set(`${name(program)}.h`, emitted.get(`${name(program)}.h`)!);
      files.set(`${name(program)}.c`, emitted.get(`${name(program)}.c`)!);
    }
    const kernels = emitKernels(C_KERNELS, HOST_TARGET, 'the test programs');
    files.set('bnn_kernels.h', kernels.header);
    files.set('bnn_kernels.c', kernels.source);
    const actual = buildAndRun(files, cases.map((c) => c.program), cases.map((c) => c.samples), extra);
    cases.forEach((c, i) => {
      c.samples.forEach((x, s) => {
        const want = executeProgram(c.program, x);
        const at = firstBitDifference(want, actual[i]![s]!);
        assert.equal(at, -1, `${name(c.program)} sample ${s}: output[${at}] C ${actual[i]![s]![at]} vs reference ${want[at]}`);
      });
    });
  }

  it('covers the new kernels', () => {
    const kernels = new Set(cases.flatMap((c) => c.program.steps.map((s) => s.kernel)));
    for (const k of ['bwconv2d_f32', 'prelu_f32', 'softmax_f32'] as const) assert.ok(kernels.has(k), k);
    assert.ok(cases.some((c) => c.program.steps.some((s) => s.kernel === 'softmax_f32' && s.log)));
  });

  it('-O2 -Werror, bit for bit', () => check([]));

  it('under AddressSanitizer and UndefinedBehaviorSanitizer', () => check(SANITIZE_CFLAGS));
});

describe("softmax's exp and log", () => {
  const ulps = (a: number, b: number) => Math.abs(a - b) / (2 ** (Math.floor(Math.log2(Math.abs(b))) - 23));

  it('exp is within 4 ulp of the exact value on [-87, 0] and gives 0 below -104, NaN for NaN', () => {
    let worst = 0;
    for (let i = 0; i <= 20000; i++) {
      const x = Math.fround(-87 * (i / 20000));
      worst = Math.max(worst, ulps(expF32(x), Math.exp(x)));
    }
    assert.ok(worst <= 4, `worst error ${worst} ulp`);
    assert.equal(expF32(0), 1);
    assert.equal(expF32(-105), 0);
    assert.equal(expF32(-Infinity), 0);
    assert.ok(Number.isNaN(expF32(NaN)));
    // Subnormal results are still close in absolute terms (2^-149 is the spacing there).
    for (const x of [-88, -95, -100, -103]) assert.ok(Math.abs(expF32(x) - Math.exp(x)) <= 2 ** -149 * 2, `${x}`);
  });

  it('log is within 2 ulp of the exact value for sums from 1 to 1e6', () => {
    let worst = 0;
    for (let i = 0; i <= 20000; i++) {
      const x = Math.fround(1 + (1e6 * i * i) / 4e8);
      if (x === 1) continue;
      worst = Math.max(worst, ulps(logF32(x), Math.log(x)));
    }
    assert.ok(worst <= 2, `worst error ${worst} ulp`);
    assert.equal(logF32(1), 0);
  });
});
