import assert from 'node:assert/strict';
import { executeProgram } from '../../src/lowered/execute.js';
import type { Program } from '../../src/lowered/program.js';
import { planMemory } from '../../src/phases/6-plan/plan.js';
import { emitC } from '../../src/phases/7-emit/emit.js';
import { C_KERNELS, emitKernels } from '../../src/phases/7-emit/kernel-files.js';
import { kernelCases, residualNet, type Case } from './lowered-cases.js';
import { buildAndRun, firstBitDifference, HOST_TARGET, SANITIZE_CFLAGS } from './lowered-host.js';

const SAMPLES = 3;

interface Prepared {
  readonly programs: Program[];
  readonly samples: Float32Array[][];
  readonly expected: Float32Array[][];
}

function prepare(cases: readonly Case[]): Prepared {
  const programs = cases.map((c) => planMemory(c.program).program);
  const samples = cases.map((c) => Array.from({ length: SAMPLES }, (_, i) => c.input(i)));
  const expected = programs.map((p, i) => samples[i]!.map((s) => executeProgram(p, s)));
  return { programs, samples, expected };
}

function assertBitExact(prepared: Prepared, actual: Float32Array[][]): void {
  prepared.programs.forEach((p, i) => {
    prepared.expected[i]!.forEach((want, s) => {
      const got = actual[i]![s]!;
      const at = firstBitDifference(want, got);
      const kernels = p.steps.map((st) => st.kernel).join(' -> ');
      assert.equal(at, -1, `${p.name} (${kernels}) sample ${s}: output[${at}] C ${got[at]} vs reference ${want[at]}`);
    });
  });
}

describe('lowered programs: generated C equals the reference executor bit for bit (host gcc)', function () {
  this.timeout(300_000);
  let sweep: Prepared;
  let sweepFiles: Map<string, string>;

  before(() => {
    sweep = prepare(kernelCases(20240601));
    sweepFiles = new Map();
    for (const p of sweep.programs) {
      const files = emitC(p, HOST_TARGET);
      sweepFiles.set(`${p.name}.h`, files.get(`${p.name}.h`)!);
      sweepFiles.set(`${p.name}.c`, files.get(`${p.name}.c`)!);
    }
    // One kernel file with every kernel serves all the sweep's programs, so the sweep is a single compile.
    const kernels = emitKernels(C_KERNELS, HOST_TARGET, 'the test programs');
    sweepFiles.set('bnn_kernels.h', kernels.header);
    sweepFiles.set('bnn_kernels.c', kernels.source);
  });

  it('sweep of kernels and geometries, -O2 -Werror', () => {
    assertBitExact(sweep, buildAndRun(sweepFiles, sweep.programs, sweep.samples));
  });

  it('the same sweep under AddressSanitizer and UndefinedBehaviorSanitizer', () => {
    assertBitExact(sweep, buildAndRun(sweepFiles, sweep.programs, sweep.samples, SANITIZE_CFLAGS));
  });

  it('the sweep covers every kernel and both bconv epilogues', () => {
    const seen = new Set(sweep.programs.flatMap((p) => p.steps.map((s) => (s.kernel === 'bconv2d' ? `bconv2d_${s.epilogue.kind}` : s.kernel))));
    const want = ['conv2d_f32', 'pack_sign', 'bconv2d_affine', 'bconv2d_threshold', 'affine_f32', 'add_f32', 'clip_f32',
      'sign_f32', 'maxpool_f32', 'avgpool_f32', 'global_avgpool_f32', 'remap_f32', 'concat_f32'];
    assert.deepEqual([...seen].sort(), want.sort());
  });

  it('a residual network, compiled from exactly the files emitC wrote for it', () => {
    const net = prepare([residualNet(7)]);
    const files = emitC(net.programs[0]!, HOST_TARGET);
    assertBitExact(net, buildAndRun(files, net.programs, net.samples));
    assertBitExact(net, buildAndRun(files, net.programs, net.samples, SANITIZE_CFLAGS));
  });
});
