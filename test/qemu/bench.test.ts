/** `bnngen bench` on a small generated block on cortex-m4: per-step counts, the float path, JSON and text. */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { compileBenchPaths, measurePath, type BenchReport, type PathBench } from '../../src/bench.js';
import { formatBench } from '../../src/cli/bench.js';
import { writeNpy } from '../../src/io/npy.js';
import { packageRoot } from '../../src/io/package-root.js';
import { encodeModel } from '../../src/onnx/encode.js';
import { writeGeneratedFiles } from '../../src/io/output-dir.js';
import { emitC } from '../../src/phases/7-emit/emit.js';
import { compileFile } from '../../src/pipeline.js';
import { loadTarget } from '../../src/targets/load.js';
import { measuredStackReserve, runModelOnTarget } from '../../src/toolchain/run-model.js';
import { floatOutputs } from '../../src/verify.js';
import { rng, twoBinaryConvs } from '../helpers/bnn-models.js';

const CLI = join(packageRoot(), 'dist/src/cli/main.js');
const SAMPLES = 2;
const SHAPE = [3, 8, 8] as const;

describe('bnngen bench on cortex-m4', function () {
  this.timeout(600_000);
  const target = loadTarget('cortex-m4');
  let dir: string;
  let model: string;
  let inputs: Float32Array;
  let report: BenchReport;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bnngen-bench-test-'));
    model = join(dir, 'block.onnx');
    await writeFile(model, encodeModel(twoBinaryConvs(7, SHAPE[0], SHAPE[1], SHAPE[2], { channels: 16, kernel: 3, pad: 1, clip: true })));
    // Values in (-1, 1) with exact zeros: ONNX Sign gives 0 there, which the float path keeps and one bit cannot.
    const r = rng(5);
    inputs = Float32Array.from({ length: SAMPLES * SHAPE[0] * SHAPE[1] * SHAPE[2] }, () => (r() < 0.1 ? 0 : r() * 2 - 1));
    writeNpy(join(dir, 'x.npy'), inputs, [SAMPLES, ...SHAPE]);
    const cli = await execa('node', [CLI, 'bench', model, '--target', target.name, '--input', join(dir, 'x.npy'), '--samples', String(SAMPLES), '--json'], { reject: false });
    assert.equal(cli.exitCode, 0, cli.stderr);
    report = JSON.parse(cli.stdout) as BenchReport;
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const paths = (): PathBench[] => [report.binary, report.float!];

  it('reports both paths in JSON, with each step named by index, kernel and ONNX nodes', () => {
    assert.equal(report.target, 'cortex-m4');
    assert.equal(report.samples, SAMPLES);
    assert.deepEqual(report.binary.steps.map((s) => [s.index, s.kernel, s.kind]), [
      [0, 'pack_sign', 'data'], [1, 'bconv2d_threshold', 'binary'], [2, 'bconv2d_affine', 'binary'],
    ]);
    assert.equal(report.binary.steps[1]!.origin, 'bconv1 + bn1 + hardtanh1 + sign1');
    assert.deepEqual(report.float!.steps.map((s) => s.kernel), ['sign_f32', 'conv2d_f32', 'clip_f32', 'sign_f32', 'conv2d_f32']);
    assert.equal(report.float!.steps[1]!.origin, 'bconv1 + bn1');
    assert.equal(report.floatSkipped, undefined);
  });

  it('counts every step; the steps sum to the profiled run but for a few instructions a step', () => {
    for (const p of paths()) {
      const sum = p.steps.reduce((n, s) => n + s.instructions.mean, 0);
      assert.ok(p.steps.every((s) => s.instructions.min > 0), `${p.path}: every step executes instructions`);
      assert.ok(sum <= p.instructions.profiledRun.mean, `${p.path}: steps ${sum} > run ${p.instructions.profiledRun.mean}`);
      const between = p.instructions.profiledRun.mean - sum;
      assert.equal(between, p.instructions.betweenSteps.mean);
      assert.ok(between <= 8 * p.steps.length + 24, `${p.path}: ${between} instructions between ${p.steps.length} steps`);
      // The build without markers runs the same steps: its count is close to the profiled one, never above it.
      assert.ok(p.instructions.run.mean <= p.instructions.profiledRun.mean);
      assert.ok(p.instructions.run.mean >= sum - 4 * p.steps.length, `${p.path}: run ${p.instructions.run.mean}, steps ${sum}`);
    }
  });

  it('gives instructions per binary MAC for the binary steps, and MACs from the lowered program', () => {
    const binary = report.binary.steps.filter((s) => s.kind === 'binary');
    assert.equal(binary.length, 2);
    for (const s of binary) {
      assert.equal(s.binaryMacs, 16 * 8 * 8 * 9 * (s.index === 1 ? 3 : 16));
      assert.equal(s.instructionsPerMac, s.instructions.mean / s.binaryMacs);
      assert.ok(s.instructionsPerMac! > 0.05 && s.instructionsPerMac! < 50, `step ${s.index}: ${s.instructionsPerMac}`);
    }
    assert.equal(report.binary.steps[0]!.instructionsPerMac, undefined, 'pack_sign has no MACs');
    assert.equal(report.binary.macs.binary, binary.reduce((n, s) => n + s.binaryMacs, 0));
    assert.equal(report.float!.macs.binary, 0);
    assert.equal(report.float!.macs.real, report.binary.macs.binary);
    assert.ok(report.binary.binarySteps!.instructionsPerMac > 0);
  });

  it('runs the float path bit-exact with the executor and close to the float ONNX model; it costs more', () => {
    for (const p of paths()) assert.equal(p.outputs.bitExact, SAMPLES, `${p.path} path against the reference executor`);
    assert.ok(report.float!.outputs.maxAbsDiffVsFloat < 1e-3, `float path max |diff| ${report.float!.outputs.maxAbsDiffVsFloat}`);
    assert.equal(report.float!.outputs.top1AgreeVsFloat, SAMPLES);
    assert.equal(report.floatOverBinary, report.float!.instructions.run.mean / report.binary.instructions.run.mean);
    assert.ok(report.floatOverBinary! > 1.5, `float / binary ${report.floatOverBinary}`);
  });

  it('measures flash from the objects and RAM as arena plus painted stack', () => {
    for (const p of paths()) {
      assert.ok(p.flash.modelBytes > p.flash.constBytes && p.flash.constBytes > 0, `${p.path} flash ${JSON.stringify(p.flash)}`);
      assert.equal(p.ram.staticBytes, p.ram.arenaBytes, 'the arena is the model\'s only static RAM');
      assert.ok(p.ram.lowerBoundBytes <= p.ram.arenaBytes);
      assert.ok(p.ram.stackBytes >= 16 && p.ram.stackBytes < 4096 && !p.ram.stackExhausted, `${p.path} stack ${p.ram.stackBytes}`);
      assert.equal(p.ram.peakBytes, p.ram.staticBytes + p.ram.stackBytes);
    }
    // 32 bits against 1 per weight; geometry, biases and thresholds narrow the gap.
    assert.ok(report.float!.flash.constBytes > 5 * report.binary.flash.constBytes, 'float weights take 32 bits, binary ones 1');
  });

  for (const name of ['cortex-m4', 'rv32imc']) {
    it(`${name}: paints the whole reserved stack region, not picolibc's default 2 KiB`, async () => {
      const t = loadTarget(name);
      const c = await compileFile(model);
      const sub = join(dir, `paint-${name}`);
      await writeGeneratedFiles(join(sub, 'model'), emitC(c.program, t));
      const size = SHAPE[0] * SHAPE[1] * SHAPE[2];
      const run = await runModelOnTarget({
        target: t, modelName: c.program.name, inputs: inputs.subarray(0, size), samples: 1, inputSize: size,
        outputSize: c.program.output.shape.reduce((n, d) => n * d, 1), sourceDir: join(sub, 'model'),
        workDir: join(sub, 'build'), measureStack: true,
      });
      const reserve = measuredStackReserve(t);
      assert.ok(reserve > 2048);
      // main's own frame lies above the painted region: all of the reserve but that much is painted.
      assert.ok(run.stack!.painted > reserve - 512 && run.stack!.painted <= reserve, `painted ${run.stack!.painted} of ${reserve}`);
      assert.ok(run.stack!.bytes >= 16 && run.stack!.bytes < run.stack!.painted);
    });
  }

  it('gives identical counts in a second run', async () => {
    const { binary } = await compileBenchPaths(model);
    const samples = { inputs, count: SAMPLES, description: 'the same inputs' };
    const again = await measurePath(binary, 'binary', target, samples, await floatOutputs(binary, samples), join(dir, 'again'));
    assert.deepEqual(again.steps.map((s) => s.instructions), report.binary.steps.map((s) => s.instructions));
    assert.deepEqual(again.instructions, report.binary.instructions);
    assert.equal(again.ram.stackBytes, report.binary.ram.stackBytes);
  });

  it('refuses the host target in one line: nothing to count there', async () => {
    const cli = await execa('node', [CLI, 'bench', model, '--target', 'host'], { reject: false });
    assert.equal(cli.exitCode, 2);
    assert.equal(cli.stderr.trim(), 'bnngen: bench needs an emulated target (exact counts come from QEMU); host runs natively');
  });

  it('prints the same numbers as text', () => {
    const text = formatBench(report);
    const n = (v: number) => Math.round(v).toLocaleString('en-US');
    assert.match(text, /^binary path: 3 steps$/m);
    assert.match(text, /^float path \(binarization disabled.*: 5 steps$/m);
    assert.match(text, new RegExp(`^ *1 +bconv2d_threshold +bconv1 \\+ bn1 \\+ hardtanh1 \\+ sign1 +binary +${n(report.binary.steps[1]!.binaryMacs)} `, 'm'));
    const run = report.binary.instructions.run;
    const shown = run.min === run.max ? n(run.min) : `${n(run.mean)} (${n(run.min)}-${n(run.max)})`;
    assert.ok(text.includes(`one model_run call: ${shown} instructions`), text);
    assert.ok(text.includes(`float / binary: ${report.floatOverBinary!.toFixed(2)}x`));
    assert.match(text, /stack \d+ \(measured by painting\)/);
  });
});
