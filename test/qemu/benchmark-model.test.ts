/**
 * The benchmark model (benchmarks/resnet20-cifar, the model BENCHMARKS.md is made from) measured on cortex-m4,
 * binary path only (the float path's 470 M instructions are the benchmark script's job): the counts are
 * internally consistent, the workload is the ResNet-20 one, the memory plan is within 10 % of its lower bound,
 * and the outputs are bit-exact.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { measurePath, type PathBench } from '../../src/bench.js';
import { packageRoot } from '../../src/io/package-root.js';
import { loadSamples } from '../../src/io/samples.js';
import { compileFile } from '../../src/pipeline.js';
import { loadTarget } from '../../src/targets/load.js';
import { floatOutputs } from '../../src/verify.js';

const MODEL = join(packageRoot(), 'benchmarks/resnet20-cifar/model.onnx');

describe('the benchmark model (IR-Net ResNet-20, CIFAR shape) on cortex-m4', function () {
  this.timeout(600_000);
  let dir: string;
  let bench: PathBench;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bnngen-benchmark-model-'));
    const compiled = await compileFile(MODEL);
    const samples = await loadSamples({ samples: 1 }, compiled.program.input.shape, 1);
    bench = await measurePath(compiled, 'binary', loadTarget('cortex-m4'), samples, await floatOutputs(compiled, samples), dir);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('is the ResNet-20 workload: 18 binary 3x3 convs, 40.1 M binary MACs, the stem and the head real', () => {
    const binary = bench.steps.filter((s) => s.kind === 'binary');
    assert.equal(binary.length, 18);
    assert.equal(bench.macs.binary, 40_108_032);
    assert.equal(bench.macs.real, 32 * 32 * 16 * 27 + 64 + 640);
    // Every residual add and its hardtanh are one step: 9 blocks x 2 epilogues.
    assert.equal(bench.steps.filter((s) => s.kernel === 'add_clip_f32').length, 18);
    assert.equal(bench.steps.filter((s) => s.kernel === 'add_f32').length, 0);
  });

  it('counts add up: the steps and what lies between them make the run; binary steps cost under 2 per MAC', () => {
    // Between the steps lie only the markers' argument setup and calls and model_run's own entry and exit.
    assert.ok(bench.instructions.betweenSteps.mean <= 4 * bench.steps.length + 50, String(bench.instructions.betweenSteps.mean));
    assert.ok(Math.abs(bench.instructions.run.mean - bench.instructions.profiledRun.mean) < 1000);
    assert.ok(bench.binarySteps!.instructionsPerMac > 0.05 && bench.binarySteps!.instructionsPerMac < 2, String(bench.binarySteps!.instructionsPerMac));
    const stem = bench.steps[0]!;
    assert.equal(stem.kind, 'real');
    assert.ok(stem.instructionsPerMac! < 8, `stem conv: ${stem.instructionsPerMac} instructions per MAC`);
  });

  it('peak RAM (arena + stack) is within 10 % of the liveness lower bound; flash holds the 1-bit weights', () => {
    const { ram, flash } = bench;
    assert.ok(ram.arenaBytes >= ram.lowerBoundBytes);
    // The epilogues run in place: two 16x32x32 float tensors and a few packed ones, not three float tensors.
    assert.ok(ram.arenaBytes < 3 * 16 * 32 * 32 * 4, String(ram.arenaBytes));
    assert.ok(ram.peakBytes <= 1.1 * ram.lowerBoundBytes, `${ram.peakBytes} vs ${ram.lowerBoundBytes}`);
    assert.ok(ram.stackBytes > 0 && !ram.stackExhausted);
    // 267,264 binary weights are 33,408 bytes at one bit each; the float model is 1.08 MB.
    assert.ok(flash.constBytes > 267_264 / 8 && flash.modelBytes < 100_000, `${flash.constBytes} / ${flash.modelBytes}`);
  });

  it('outputs are bit-exact with the reference executor and agree with the float model', () => {
    assert.equal(bench.outputs.bitExact, 1);
    assert.equal(bench.outputs.top1AgreeVsFloat, 1);
  });
});
