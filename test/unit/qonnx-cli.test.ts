/**
 * Diagnostics through the real CLI: an unsupported (QONNX) operator is one line naming the op with its domain, the
 * node, its inputs and the supported operators; `inspect` says for every conv/linear layer whether it was
 * binarized and why not.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { packageRoot } from '../../src/io/package-root.js';
import { encodeModel, type ModelSpec } from '../../src/onnx/encode.js';
import { supportedOps } from '../../src/ops/index.js';
import { f32 } from '../helpers/bnn-models.js';
import { tfcW1A1 } from '../helpers/qonnx-models.js';

const CLI = join(packageRoot(), 'dist/src/cli/main.js');
const bnngen = (...args: string[]) => execa('node', [CLI, ...args], { reject: false, env: { NO_COLOR: '1' } });

/** Exit status 2 and exactly one line on stderr, `bnngen: <file>: ...`, no stack trace. */
function oneLine(r: { exitCode?: number; stderr: string }, file: string): string {
  assert.equal(r.exitCode, 2, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.ok(lines[0]!.startsWith(`bnngen: ${file}: `), lines[0]);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  return lines[0]!;
}

describe('CLI diagnostics for QONNX models', () => {
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'bnngen-qonnx-cli-'))));
  after(() => rm(dir, { recursive: true, force: true }));

  it('an unsupported QONNX Quant names domain, op, node and inputs, and lists every supported operator', async () => {
    const spec = tfcW1A1(1);
    const nodes = spec.nodes.map((n) => (n.name === 'BipolarQuant_a1'
      ? { ...n, name: 'Quant_a1', opType: 'Quant', inputs: [n.inputs[0]!, 'act_scale', 'zero', 'bits'], attrs: {} }
      : n));
    const file = join(dir, 'quant.onnx');
    await writeFile(file, encodeModel({ ...spec, nodes, initializers: [...spec.initializers!, { name: 'zero', tensor: f32([], [0]) }, { name: 'bits', tensor: f32([], [2]) }] }));
    const line = oneLine(await bnngen('compile', file, '--target', 'cortex-m4', '-o', join(dir, 'out')), file);
    assert.match(line, /unsupported operator 'qonnx\.custom_op\.general\.Quant' \(node Quant_a1, inputs bn1, act_scale, zero, bits\); supported: /);
    const listed = line.slice(line.indexOf('supported: ') + 'supported: '.length).split(', ');
    assert.deepEqual(listed, supportedOps());
    assert.ok(listed.includes('BipolarQuant'));
  });

  it('inspect says for every conv/linear layer whether it was binarized, and why not', async () => {
    const model: ModelSpec = {
      opsets: { '': 13, 'onnx.brevitas': 1 },
      inputs: [{ name: 'x', dtype: 'float32', shape: [1, 8] }],
      outputs: [{ name: 'y', dtype: 'float32' }],
      initializers: [
        { name: 'w_real', tensor: f32([8, 4], Array.from({ length: 32 }, (_, i) => (i % 3) - 1.5 + i / 64)) },
        { name: 'w_bin', tensor: f32([4, 3], [1, -1, 1, -1, -1, 1, 1, 1, -1, -1, 1, 1]) },
        { name: 'one', tensor: f32([], [1]) },
      ],
      nodes: [
        { name: 'fc_real', opType: 'MatMul', inputs: ['x', 'w_real'], outputs: ['h'] },
        { name: 'binarize', opType: 'BipolarQuant', domain: 'onnx.brevitas', inputs: ['h', 'one'], outputs: ['hb'] },
        { name: 'fc_bin', opType: 'MatMul', inputs: ['hb', 'w_bin'], outputs: ['y'] },
      ],
    };
    const file = join(dir, 'mixed.onnx');
    await writeFile(file, encodeModel(model));
    const r = await bnngen('inspect', file);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stdout, /conv\/linear layers: 1 of 2 binarized/);
    assert.match(r.stdout, /\n {2}real {4}fc_real \(MatMul\) \[step 0\]: full precision: input is not binarized \(no Sign or BipolarQuant before it\)/);
    assert.match(r.stdout, /\n {2}binary {2}fc_bin \(MatMul\) \[step 2\]: BipolarQuant input, ±s weights \(3 channels/);
  });
});
