/** `bnngen run` and `bnngen verify` with .npy files, on the host target (fast; QEMU runs are in test/qemu). */
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { packageRoot } from '../../src/io/package-root.js';
import { readNpy, writeNpy } from '../../src/io/npy.js';
import { executeProgram } from '../../src/lowered/execute.js';
import { encodeModel } from '../../src/onnx/encode.js';
import { compileBytes } from '../../src/pipeline.js';
import { rng, twoBinaryConvs } from '../helpers/bnn-models.js';

const CLI = join(packageRoot(), 'dist/src/cli/main.js');

describe('CLI run and verify with .npy files (host target)', () => {
  let dir: string;
  let model: string;
  let bytes: Uint8Array;
  const samples = 7;
  const size = 4 * 8 * 8;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bnngen-run-'));
    model = join(dir, 'block.onnx');
    bytes = encodeModel(twoBinaryConvs(8, 4, 8, 8, { channels: 20, kernel: 3, pad: 1, clip: true, tieChannel: false }));
    await writeFile(model, bytes);
    const r = rng(3);
    writeNpy(join(dir, 'x.npy'), Float32Array.from({ length: samples * size }, () => r() * 2 - 1), [samples, 4, 8, 8]);
    writeNpy(join(dir, 'y.npy'), Int32Array.from({ length: samples }, (_, i) => i % 3), [samples]);
  });

  it('run writes the outputs of the generated C, bit-exact with the reference executor', async () => {
    const out = join(dir, 'out.npy');
    const r = await execa('node', [CLI, 'run', model, '--target', 'host', '--input', join(dir, 'x.npy'), '--output', out]);
    assert.equal(r.exitCode, 0, r.stderr);
    const got = readNpy(out);
    assert.equal(got.dtype, 'float32');
    const program = compileBytes(bytes, 'block.onnx').program;
    const outSize = program.output.shape.reduce((a, b) => a * b, 1);
    assert.deepEqual(got.shape, [samples, ...program.output.shape.slice(1)]);
    const x = readNpy(join(dir, 'x.npy')).data as Float32Array;
    for (let s = 0; s < samples; s++) {
      const ref = executeProgram(program, x.subarray(s * size, (s + 1) * size));
      const c = (got.data as Float32Array).subarray(s * outSize, (s + 1) * outSize);
      assert.deepEqual(new Uint32Array(c.slice().buffer), new Uint32Array(ref.buffer), `sample ${s}`);
    }
  });

  it('verify --json reports bit-exactness, agreement, accuracy against labels and ties', async () => {
    const r = await execa('node', [CLI, 'verify', model, '--target', 'host', '--input', join(dir, 'x.npy'), '--labels', join(dir, 'y.npy'), '--json']);
    assert.equal(r.exitCode, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { schema: string; pass: boolean; samples: number; bitExact: number; top1Agree: number; accuracy: { c: number }; signTies: number };
    assert.equal(report.schema, 'bnngen.verify/1');
    assert.equal(report.pass, true);
    assert.equal(report.samples, samples);
    assert.equal(report.bitExact, samples);
    assert.ok(report.top1Agree >= samples - 1);
    assert.equal(typeof report.accuracy.c, 'number');
    assert.equal(typeof report.signTies, 'number');
  });

  it('refuses inputs that do not hold whole samples', async () => {
    writeNpy(join(dir, 'bad.npy'), new Float32Array(size + 3), [size + 3]);
    const r = await execa('node', [CLI, 'run', model, '--target', 'host', '--input', join(dir, 'bad.npy'), '--output', join(dir, 'o.npy')], { reject: false });
    assert.equal(r.exitCode, 2);
    assert.match(r.stderr, /^bnngen: .*bad\.npy: .*whole samples/);
  });
});

describe('lowering edge cases', () => {
  it('a model whose output is its input (Identity) compiles to a copy', async () => {
    const bytes = encodeModel({
      inputs: [{ name: 'x', dtype: 'float32', shape: [1, 3, 2, 2] }],
      outputs: [{ name: 'y', dtype: 'float32' }],
      nodes: [{ name: 'id', opType: 'Identity', inputs: ['x'], outputs: ['y'] }],
    });
    const program = compileBytes(bytes, 'id.onnx').program;
    const x = Float32Array.from({ length: 12 }, (_, i) => i - 5.5);
    assert.deepEqual(Array.from(executeProgram(program, x)), Array.from(x));
    assert.deepEqual(program.steps.map((s) => s.kernel), ['remap_f32']);
  });
});
