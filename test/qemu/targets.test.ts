/**
 * Every target in targets/: the example IR-Net model runs bit-exact with the reference executor (under QEMU, the
 * host natively), the kernels of each popcount variant agree on a sweep of binary-convolution geometries, the
 * linked programs never call libgcc's popcount (and use cpop / Helium where the target has them), and the
 * footprint estimate that the budget check relies on covers what the linker actually produces.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDataset } from '../../src/io/datasets.js';
import { writeGeneratedFiles } from '../../src/io/output-dir.js';
import { packageRoot } from '../../src/io/package-root.js';
import { executeProgram } from '../../src/lowered/execute.js';
import type { Program, Window } from '../../src/lowered/program.js';
import { planMemory } from '../../src/phases/6-plan/plan.js';
import { emitC } from '../../src/phases/7-emit/emit.js';
import { estimateFootprint } from '../../src/phases/7-emit/footprint.js';
import { compileFile, type Compiled } from '../../src/pipeline.js';
import { loadTarget, targetNames } from '../../src/targets/load.js';
import type { Target } from '../../src/targets/target.js';
import { buildFirmware } from '../../src/toolchain/build.js';
import { runTool } from '../../src/toolchain/exec.js';
import { runModelOnTarget } from '../../src/toolchain/run-model.js';
import { verify } from '../../src/verify.js';
import { ProgramBuilder, randomActivations, randomSignWeights, Rng } from '../unit/lowered-fixtures.js';

const EXAMPLE = join(packageRoot(), 'examples/irnet-fashion-mnist/model.onnx');
const SAMPLES = 32;
const TARGETS = targetNames();
const EMULATED = TARGETS.filter((name) => loadTarget(name).qemu !== undefined);

/** The binutils tool next to the target's gcc (arm-none-eabi-gcc -> arm-none-eabi-objdump). */
function binutil(target: Target, tool: string): string {
  return target.cc.slice(0, -'gcc'.length) + tool;
}

function sameBits(a: Float32Array, b: Float32Array): number {
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  assert.equal(x.length, y.length);
  return x.findIndex((v, i) => v !== y[i]);
}

describe('every target runs the example model bit-exact', function () {
  let compiled: Compiled;
  let data: ReturnType<typeof loadDataset>;
  before(async () => {
    compiled = await compileFile(EXAMPLE);
    data = loadDataset('fashion-mnist', 'test', SAMPLES);
  });

  it('covers the nine targets of issue 3 and the sanitizer build of issue 6', () => {
    assert.deepEqual(TARGETS, [
      'cortex-m0', 'cortex-m3', 'cortex-m4', 'cortex-m7', 'cortex-m33', 'cortex-m55', 'host', 'host-asan', 'rv32imc', 'rv32imc_zbb',
    ]);
  });

  // Budgets are the CLI's business (the M0 and M3 parts are too small for this model; their emulated boards are not).
  for (const name of TARGETS) {
    it(`${name}: ${SAMPLES} Fashion-MNIST test images, every output equal bit for bit`, async () => {
      const report = await verify(compiled, loadTarget(name), {
        inputs: data.inputs, count: SAMPLES, labels: data.labels, description: 'fashion-mnist',
      });
      assert.equal(report.bitExact, SAMPLES, `first mismatch: ${JSON.stringify(report.firstMismatch)}`);
      assert.ok(report.flashBytes > 44_000 && report.ramBytes >= 4 * compiled.arenaWords, `${report.flashBytes} / ${report.ramBytes}`);
    });
  }
});

/**
 * One program chaining binary convolutions that take every path of bconv_window.h and every tail of the popcount
 * variants: a 7x7 filter over 70 channels (108 words: too big to gather, tap by tap), a 5x5 one over 40 (32 words),
 * dilation, stride 2, 1x1, a 3x1 window and a float epilogue (10 words, 13 channels: Helium's eight-channel
 * passes, a group of four and a partial group), with borders (masked) and interiors; channel counts leave
 * partial last words. Each threshold output feeds the next layer, so a wrong popcount anywhere shows
 * at the end. emitC specialises every shape that fits the window buffer, so the unrolled paths run too.
 */
function bconvSweep(): { program: Program; inputs: Float32Array; samples: number } {
  const r = new Rng(20240603);
  const b = new ProgramBuilder('sweep', [70, 9, 11]);
  const win = (k: [number, number], stride: number, pad: [number, number], dil: number): Window => ({
    kH: k[0], kW: k[1], strideH: stride, strideW: stride, padTop: pad[0], padLeft: pad[1], dilH: dil, dilW: dil,
  });
  const threshold = (x: number, w: Window, out: [number, number], oc: number): number => {
    const ic = b.shape(x)[0];
    const spread = Math.ceil(Math.sqrt(ic * w.kH * w.kW));
    return b.bconv(x, w, out, randomSignWeights(r, oc, w.kH, w.kW, ic), {
      thresholds: Int32Array.from({ length: oc }, () => r.int(-spread, spread)),
    });
  };
  let x = b.packSign(b.input);
  x = threshold(x, win([7, 7], 1, [3, 3], 1), [9, 11], 40);
  x = threshold(x, win([5, 5], 1, [2, 2], 1), [9, 11], 40);
  x = threshold(x, win([3, 3], 1, [2, 2], 2), [9, 11], 33);
  x = threshold(x, win([3, 3], 2, [1, 1], 1), [5, 6], 64);
  x = threshold(x, win([1, 1], 1, [0, 0], 1), [5, 6], 31);
  x = threshold(x, win([3, 1], 1, [1, 0], 1), [5, 6], 33);
  const out = b.bconv(x, win([3, 3], 1, [1, 0], 1), [5, 5], randomSignWeights(r, 13, 3, 3, 33), {
    scale: Float32Array.from({ length: 13 }, () => 2 ** r.int(-4, 0)),
    shift: Float32Array.from({ length: 13 }, () => r.float(1)),
  });
  const samples = 3;
  return { program: planMemory(b.finish(out, 'sweep.onnx')).program, inputs: randomActivations(r, samples * 70 * 9 * 11), samples };
}

describe('every target: the popcount variant agrees with the reference on a sweep of bconv geometries', function () {
  const sweep = bconvSweep();
  const inputSize = 70 * 9 * 11;
  const outputSize = 13 * 5 * 5;
  const expected = new Float32Array(sweep.samples * outputSize);
  for (let s = 0; s < sweep.samples; s++) {
    expected.set(executeProgram(sweep.program, sweep.inputs.subarray(s * inputSize, (s + 1) * inputSize)), s * outputSize);
  }
  let scratch: string;
  before(() => (scratch = mkdtempSync(join(tmpdir(), 'bnngen-sweep-'))));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  for (const name of TARGETS) {
    it(`${name} (${loadTarget(name).kernels.popcount})`, async () => {
      const target = loadTarget(name);
      const src = join(scratch, name);
      await writeGeneratedFiles(src, emitC(sweep.program, target));
      const run = await runModelOnTarget({
        target, sourceDir: src, modelName: 'sweep', inputs: sweep.inputs, samples: sweep.samples, inputSize, outputSize,
      });
      const at = sameBits(run.outputs, expected);
      assert.equal(at, -1, `output ${at}: target ${run.outputs[at]} vs reference ${expected[at]}`);
    });
  }
});

/**
 * Fixed-point float epilogues (docs/numerics.md) at their edges: channels whose unit 2^e is the smallest normal
 * power (tiny and subnormal scales and shifts, results near 2^-126), channels whose results reach about 2^126, zero
 * channels, and BatchNorm-like channels whose values need every bit of int32 and round on conversion. The no-FPU
 * integer conversion and Helium's vector float (which flushes subnormals) must give the scalar FPU's bits.
 */
function epilogueEdges(): { program: Program; inputs: Float32Array; samples: number } {
  const r = new Rng(78);
  const b = new ProgramBuilder('edges', [16, 6, 6]);
  const x = b.packSign(b.input);
  const scale = Float32Array.from([2 ** -125, 2 ** -130, 0, 0, 4e35, -4e35, 1, 2 ** -3, 0.3, -0.7, 1 / 3, 5e-3]);
  const shift = Float32Array.from([-3 * 2 ** -125 + 2 ** -128, 2 ** -140, 0, -0, 2e37, 1e30, 0, 0.5, 7.1, -1e-5, -1 / 7, -0.125]);
  const w = { kH: 3, kW: 3, strideH: 1, strideW: 1, padTop: 1, padLeft: 1, dilH: 1, dilW: 1 };
  const out = b.bconv(x, w, [6, 6], randomSignWeights(r, scale.length, 3, 3, 16), { scale, shift });
  const samples = 4;
  return { program: planMemory(b.finish(out, 'edges.onnx')).program, inputs: randomActivations(r, samples * 16 * 36), samples };
}

describe('every emulated target: fixed-point float epilogues at the ends of the float range', function () {
  const c = epilogueEdges();
  const [size, outSize] = [16 * 36, 12 * 36];
  const expected = new Float32Array(c.samples * outSize);
  for (let s = 0; s < c.samples; s++) expected.set(executeProgram(c.program, c.inputs.subarray(s * size, (s + 1) * size)), s * outSize);
  let scratch: string;
  before(() => (scratch = mkdtempSync(join(tmpdir(), 'bnngen-edges-'))));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  it('the reference has results near the smallest normal, near 2^126, and zeros to compare', () => {
    const tiny = expected.filter((v) => v !== 0 && Math.abs(v) < 2 ** -120).length;
    const huge = expected.filter((v) => Math.abs(v) > 2 ** 120).length;
    const zero = expected.filter((v) => v === 0).length;
    assert.ok(tiny >= 100 && huge >= 100 && zero >= 100, `${tiny} tiny, ${huge} huge, ${zero} zero results`);
  });

  for (const name of EMULATED) {
    it(`${name}: bit-exact`, async () => {
      const target = loadTarget(name);
      const src = join(scratch, name);
      await writeGeneratedFiles(src, emitC(c.program, target));
      const run = await runModelOnTarget({
        target, sourceDir: src, modelName: 'edges', inputs: c.inputs, samples: c.samples, inputSize: size, outputSize: outSize,
      });
      const at = sameBits(run.outputs, expected);
      assert.equal(at, -1, `output ${at}: target ${run.outputs[at]} vs reference ${expected[at]}`);
    });
  }
});

describe('every emulated target: what the linker made of the kernels', function () {
  let compiled: Compiled;
  let scratch: string;
  before(async () => {
    compiled = await compileFile(EXAMPLE);
    scratch = mkdtempSync(join(tmpdir(), 'bnngen-disasm-'));
  });
  after(() => rmSync(scratch, { recursive: true, force: true }));

  /** The example model with a main that runs it once, and the same main without the model (for the difference). */
  async function buildBoth(target: Target) {
    const dir = join(scratch, target.name);
    const model = join(dir, 'model');
    const stub = join(dir, 'stub');
    mkdirSync(stub, { recursive: true });
    await writeGeneratedFiles(model, emitC(compiled.program, target));
    writeFileSync(join(dir, 'main.c'), [
      '#include "model.h"',
      'static float input[MODEL_INPUT_SIZE];',
      'static float output[MODEL_OUTPUT_SIZE];',
      'int main(void) { return model_run(input, output); }', '',
    ].join('\n'));
    writeFileSync(join(stub, 'main.c'), 'int main(void) { return 0; }\n');
    const full = await buildFirmware({ target, sourceDir: model, extraSources: [join(dir, 'main.c')], outDir: join(dir, 'full') });
    const bare = await buildFirmware({ target, sourceDir: stub, outDir: join(dir, 'bare') });
    return { full, bare };
  }

  /** Disassembly of the binary-convolution kernels and of any helper gcc kept out of line for them. */
  async function bconvCode(target: Target, elf: string): Promise<{ all: string; bconv: string }> {
    const machine = target.kernels.popcount === 'mve' ? ['-m', 'armv8.1-m.main'] : []; // else MVE shows as coprocessor ops
    const dump = await runTool(binutil(target, 'objdump'), ['-d', ...machine, elf]);
    assert.equal(dump.exitCode, 0, dump.stderr);
    const functions = dump.stdout.split(/\n(?=[0-9a-f]+ <)/);
    const bconv = functions.filter((f) => /^[0-9a-f]+ <(bnn_bconv2d_\w+|bnn_xor_popcount|bnn_bconv_mismatches)[.\w]*>:/.test(f));
    assert.ok(bconv.some((f) => /<bnn_bconv2d_\w+>:/.test(f)), 'a binary convolution is in the ELF');
    return { all: dump.stdout, bconv: bconv.join('\n') };
  }

  for (const name of EMULATED) {
    it(`${name}: no libgcc popcount, the target's popcount instructions, a footprint within the estimate`, async () => {
      const target = loadTarget(name);
      const { full, bare } = await buildBoth(target);

      const symbols = await runTool(binutil(target, 'nm'), [full.elf]);
      assert.equal(symbols.exitCode, 0, symbols.stderr);
      assert.doesNotMatch(symbols.stdout, /__popcount[sd]i2/, 'libgcc popcount linked');
      const code = await bconvCode(target, full.elf);
      assert.doesNotMatch(code.bconv, /__popcount/);
      if (target.kernels.popcount === 'mve') {
        assert.match(code.bconv, /\bvaddva\.u8\b/, 'Helium byte sum in the bconv kernels');
        assert.match(code.bconv, /\bvctp\.32\b/, 'tail predication in the bconv kernels');
      }
      if (target.kernels.popcount === 'cpop') assert.match(code.bconv, /\bcpop\b/);
      if (name === 'rv32imc') assert.doesNotMatch(code.all, /\bcpop\b/, 'a plain rv32imc build has no Zbb instruction');

      // The budget check works from this estimate: the arena is exact, constants + code must cover what the model
      // costs in the linked program (its objects plus the libgcc routines it pulls in, e.g. soft float).
      const estimate = estimateFootprint(compiled.program, target);
      assert.equal(full.model.ramBytes, estimate.arenaBytes, 'static RAM of the model objects = the arena');
      const linkedCost = full.flashBytes - bare.flashBytes;
      assert.ok(full.model.flashBytes >= estimate.constBytes, `model objects ${full.model.flashBytes} < constants ${estimate.constBytes}`);
      assert.ok(linkedCost <= estimate.flashBytes, `the model adds ${linkedCost} bytes of flash, estimate ${estimate.flashBytes}`);
      assert.ok(estimate.flashBytes - linkedCost < 12_288, `estimate ${estimate.flashBytes} far above the ${linkedCost} measured`);
    });
  }
});
