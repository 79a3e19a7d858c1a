/**
 * The specialised real-valued kernels against the reference executor, bit for bit (host gcc, -O2 -Werror, then
 * ASan/UBSan): the 3x3 stem conv (bnn_conv2d_f32_3x3) over every channel count it takes, paddings that leave no
 * interior, one row or a full one; pack_sign's bit-level sign test over the float values where a sign test
 * can go wrong (+-0, NaNs of both signs, infinities, subnormals, the largest finite values); and the residual
 * epilogue add_clip_f32, run in place by the memory plan.
 */
import assert from 'node:assert/strict';
import { executeProgram } from '../../src/lowered/execute.js';
import type { Program, Step, Window } from '../../src/lowered/program.js';
import { planMemory } from '../../src/phases/6-plan/plan.js';
import { emitC } from '../../src/phases/7-emit/emit.js';
import { C_KERNELS, emitKernels } from '../../src/phases/7-emit/kernel-files.js';
import { buildAndRun, firstBitDifference, HOST_TARGET, SANITIZE_CFLAGS } from './lowered-host.js';
import { outSize, ProgramBuilder, randomActivations, randomFloats, randomSignWeights, Rng } from './lowered-fixtures.js';

const SAMPLES = 2;

interface Case {
  readonly program: Program;
  input(sample: number): Float32Array;
}

function window3x3(padTop: number, padLeft: number): Window {
  return { kH: 3, kW: 3, strideH: 1, strideW: 1, padTop, padLeft, dilH: 1, dilW: 1 };
}

/** [ic, h, w, padTop, padLeft]: interior and border, no interior at all (2x2 input), a single interior row/column. */
const STEM_SHAPES: ReadonlyArray<readonly [number, number, number, number, number]> = [
  [3, 8, 9, 1, 1], [1, 6, 5, 1, 1], [2, 7, 7, 0, 2], [3, 2, 2, 1, 1], [3, 3, 11, 0, 0], [1, 9, 3, 2, 0], [3, 5, 6, 2, 2],
];

function stemCases(r: Rng): Case[] {
  return STEM_SHAPES.map(([ic, h, w, padTop, padLeft], i) => {
    const window = window3x3(padTop, padLeft);
    const out: [number, number] = [outSize(h, 3, 1, padTop, padTop + (i % 2), 1), outSize(w, 3, 1, padLeft, padLeft, 1)];
    const b = new ProgramBuilder(`stem${i}`, [ic, h, w]);
    const oc = 1 + (i % 3) * 4;
    const weights = randomFloats(r, oc * ic * 9, 0.5);
    weights[0] = -0;
    const program = b.finish(b.conv2d(b.input, window, out, weights, randomFloats(r, oc, 0.25)));
    return {
      program,
      input: () => {
        const x = randomActivations(r, ic * h * w);
        x[0] = -0; // -0 + -0 products: skipping a padded tap and adding 0 differ only in the sign of zero
        return x;
      },
    };
  });
}

/** Bit patterns at the edges of "x < 0". */
const SIGN_EDGES = [
  0x00000000, 0x80000000, 0x00000001, 0x80000001, 0x007fffff, 0x807fffff, 0x3f800000, 0xbf800000, 0x7f7fffff,
  0xff7fffff, 0x7f800000, 0xff800000, 0x7f800001, 0xff800001, 0x7fc00000, 0xffc00000, 0x7fffffff, 0xffffffff,
];

/** pack_sign over 33 and 16 channels (a tail word and a half word), then a 1x1 binary conv that sees every bit. */
function packCases(r: Rng): Case[] {
  return [33, 16, 3].map((c, i) => {
    const [h, w] = [3, 4];
    const b = new ProgramBuilder(`pack${i}`, [c, h, w]);
    const one = window3x3(0, 0);
    const conv = { ...one, kH: 1, kW: 1 };
    const oc = 40;
    const scale = Float32Array.from({ length: oc }, (_, k) => 2 ** -(k % 7));
    const y = b.bconv(b.packSign(b.input), conv, [h, w], randomSignWeights(r, oc, 1, 1, c), { scale, shift: randomFloats(r, oc, 1) });
    return {
      program: b.finish(y),
      input: (sample) => {
        const x = randomActivations(r, c * h * w);
        const bits = new Uint32Array(x.buffer);
        SIGN_EDGES.forEach((u, k) => {
          bits[(k * 7 + sample * 5) % bits.length] = u;
        });
        return x;
      },
    };
  });
}

/** Each add_f32 -> clip_f32 pair of `p` as one add_clip_f32 step, as 5-lower's residual pattern makes it. */
function fuseAddClip(p: Program): Program {
  const steps: Step[] = [];
  for (let i = 0; i < p.steps.length; i++) {
    const [add, clip] = [p.steps[i]!, p.steps[i + 1]];
    if (add.kernel === 'add_f32' && clip?.kernel === 'clip_f32' && clip.input === add.output) {
      steps.push({ kernel: 'add_clip_f32', origin: `${add.origin} + ${clip.origin}`, input: add.a, addend: add.b, output: clip.output, size: add.size, min: clip.min, max: clip.max });
      i++;
    } else {
      steps.push(add);
    }
  }
  return { ...p, steps };
}

/** hardtanh, Relu, and bounds at -0, +-infinity and off zero. */
const RESIDUAL_BOUNDS: ReadonlyArray<readonly [number, number]> = [[-1, 1], [0, Infinity], [-0, 0.5], [-Infinity, -0.25], [0.25, 0]];

/**
 * Three residual epilogues over 16x6x7 (the affine steps stand in for convolutions): the first runs in place over
 * its conv output, the second over the conv output too while the shortcut also dies there, the last writes the
 * caller's output array. Inputs hold +-0 (the sum -0 + -0 must stay -0), subnormals, and values far outside the
 * clip range, up to sums that overflow to infinity.
 */
function residualCase(r: Rng, name: string, lo: number, hi: number): Case {
  const shape = [16, 6, 7] as const;
  const b = new ProgramBuilder(name, shape);
  const clip = (x: number) => b.clip(x, lo, hi);
  const conv = (x: number) => b.affine(x, randomFloats(r, 16, 3), randomFloats(r, 16, 0.5));
  const y = clip(b.add(conv(b.input), b.input));
  const z = clip(b.add(conv(y), y));
  const out = clip(b.add(conv(z), z));
  return {
    program: fuseAddClip(b.finish(out)),
    input: () => {
      const x = randomActivations(r, 16 * 6 * 7).map((v) => v * 4);
      x[0] = -0;
      x[1] = 0;
      x[2] = 3e38; // sums that overflow to +-infinity
      x[3] = -3e38;
      x[4] = 1e-45;
      x[5] = -1e-45;
      return x;
    },
  };
}

/** Halves of the sums at the edges of the clip compares: +-0, subnormals, the bounds, overflow, infinity, NaN. */
const HALF_SUMS = [-0, 0, 1e-45, -1e-45, 0.5, -0.5, 0.125, -0.125, 0.25, -0.25, 1, -1, 2e38, -2e38, Infinity, -Infinity, NaN,
  0.49999997, 0.50000006, -0.50000006];

/** add_clip(x, x*1 + -0) = clip(2x) over HALF_SUMS: -0 + -0 stays -0, 2e38 + 2e38 overflows, NaN passes through. */
function specialSumCase(name: string, lo: number, hi: number): Case {
  const n = HALF_SUMS.length;
  const b = new ProgramBuilder(name, [n, 1, 1]);
  const same = b.affine(b.input, new Float32Array(n).fill(1), new Float32Array(n).fill(-0));
  return { program: fuseAddClip(b.finish(b.clip(b.add(b.input, same), lo, hi))), input: () => Float32Array.from(HALF_SUMS) };
}

describe('specialised real-valued kernels equal the reference executor bit for bit (host gcc)', function () {
  this.timeout(300_000);
  const r = new Rng(20261125);
  const cases = [...stemCases(r), ...packCases(r), ...RESIDUAL_BOUNDS.map(([lo, hi], i) => residualCase(r, `residual${i}`, lo, hi)),
    ...RESIDUAL_BOUNDS.map(([lo, hi], i) => specialSumCase(`sums${i}`, lo, hi))];
  const programs = cases.map((c) => planMemory(c.program).program);
  const samples = cases.map((c) => Array.from({ length: SAMPLES }, (_, s) => c.input(s)));
  const expected = programs.map((p, i) => samples[i]!.map((s) => executeProgram(p, s)));
  const files = new Map<string, string>();
  for (const p of programs) {
    const emitted = emitC(p, HOST_TARGET);
    files.set(`${p.name}.h`, emitted.get(`${p.name}.h`)!);
    files.set(`${p.name}.c`, emitted.get(`${p.name}.c`)!);
  }
  const kernels = emitKernels(C_KERNELS, HOST_TARGET, 'the test programs');
  files.set('bnn_kernels.h', kernels.header);
  files.set('bnn_kernels.c', kernels.source);

  const check = (actual: Float32Array[][]) => {
    programs.forEach((p, i) => {
      expected[i]!.forEach((want, s) => {
        const at = firstBitDifference(want, actual[i]![s]!);
        assert.equal(at, -1, `${p.name} sample ${s}: output[${at}] C ${actual[i]![s]![at]} vs reference ${want[at]}`);
      });
    });
  };

  it('the stem convs call the 3x3 kernel; convs it does not take keep the general one', () => {
    for (const p of programs.filter((q) => q.name.startsWith('stem'))) {
      assert.match(files.get(`${p.name}.c`)!, /bnn_conv2d_f32_3x3\(/, p.name);
    }
    const wide = new ProgramBuilder('wide', [4, 6, 6]);
    const four = planMemory(wide.finish(wide.conv2d(wide.input, window3x3(1, 1), [6, 6], randomFloats(r, 2 * 4 * 9), randomFloats(r, 2)))).program;
    const text = emitC(four, HOST_TARGET).get('wide.c')!;
    assert.match(text, /bnn_conv2d_f32\(/);
    assert.doesNotMatch(text, /bnn_conv2d_f32_3x3/);
  });

  it('the residual epilogues are add_clip steps, run in place: the arena holds two tensors, not three', () => {
    for (const p of programs.filter((q) => q.name.startsWith('residual'))) {
      assert.deepEqual(p.steps.map((s) => s.kernel), ['affine_f32', 'add_clip_f32', 'affine_f32', 'add_clip_f32', 'affine_f32', 'add_clip_f32']);
      const offset = (id: number) => p.buffers[id]!.offset;
      const [first, second] = [p.steps[1]!, p.steps[3]!] as Extract<Step, { kernel: 'add_clip_f32' }>[];
      assert.equal(offset(first!.output), offset(first!.input), 'the first epilogue overwrites its conv output');
      assert.equal(offset(second!.output), offset(second!.input), 'the second one too');
      const plan = planMemory(p);
      assert.equal(plan.arenaWords, 2 * 16 * 6 * 7);
      assert.equal(plan.lowerBoundWords, 2 * 16 * 6 * 7);
    }
  });

  it('-O2 -Werror', () => {
    check(buildAndRun(files, programs, samples));
  });

  it('AddressSanitizer and UndefinedBehaviorSanitizer', () => {
    check(buildAndRun(files, programs, samples, SANITIZE_CFLAGS));
  });

  it('add_clip_f32 with the integer compares that cores without an FPU use', () => {
    check(buildAndRun(files, programs, samples, ['-DBNN_ADD_CLIP_INTEGER_COMPARE=1', ...SANITIZE_CFLAGS]));
  });
});
