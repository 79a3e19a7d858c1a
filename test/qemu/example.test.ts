/**
 * The bundled example end to end: the raw IR-Net export (Libra-PB subgraph in the file) and its folded twin.
 * float reference vs onnxruntime, raw vs folded C byte for byte, and QEMU cortex-m4 bit-exact vs the reference.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { evaluateGraph } from '../../src/graph/evaluate.js';
import { loadDataset } from '../../src/io/datasets.js';
import { packageRoot } from '../../src/io/package-root.js';
import { emitC } from '../../src/phases/7-emit/emit.js';
import { compileFile, type Compiled } from '../../src/pipeline.js';
import { loadTarget } from '../../src/targets/load.js';
import { argmax, verify } from '../../src/verify.js';

const DIR = join(packageRoot(), 'examples/irnet-fashion-mnist');
const RAW = join(DIR, 'model.onnx');
const FOLDED = join(DIR, 'model-folded.onnx');

describe('example: IR-Net ResNet-20 on Fashion-MNIST', () => {
  let raw: Compiled;
  before(async () => {
    raw = await compileFile(RAW);
  });

  it('binarizes every residual-block conv and keeps the first conv and the last linear real', () => {
    const verdicts = raw.binarized.verdicts;
    assert.equal(verdicts.filter((v) => v.binary).length, 18);
    assert.deepEqual(verdicts.filter((v) => !v.binary).map((v) => v.opType).sort(), ['Conv', 'Gemm']);
    assert.ok(raw.foldedNodes > 300, `the Libra-PB weight subgraph folds away (${raw.foldedNodes} nodes folded)`);
  });

  it('the float reference agrees with onnxruntime on real test images', async () => {
    const n = 32;
    const data = loadDataset('fashion-mnist', 'test', n);
    const session = await ort.InferenceSession.create(await readFile(RAW));
    const inputName = raw.loaded.inputs[0]!;
    const outputName = raw.loaded.outputs[0]!;
    let agree = 0;
    let close = 0;
    for (let s = 0; s < n; s++) {
      const x = data.inputs.slice(s * 784, (s + 1) * 784);
      const ours = evaluateGraph(raw.loaded, new Map([[inputName, { dtype: 'float32' as const, shape: [1, 1, 28, 28], data: x }]])).get(outputName)!.data;
      const theirs = (await session.run({ [inputName]: new ort.Tensor('float32', x, [1, 1, 28, 28]) }))[outputName]!.data as Float32Array;
      if (argmax(Float32Array.from(ours), 0, 10) === argmax(theirs, 0, 10)) agree++;
      if (Array.from(ours).every((v, i) => Math.abs(v - theirs[i]!) <= 1e-3 * (1 + Math.abs(theirs[i]!)))) close++;
    }
    // A sign flip from a last-ulp difference can move a logit, so allow one sample out of 32 to differ.
    assert.ok(agree >= n - 1, `top-1 agreement ${agree}/${n}`);
    assert.ok(close >= n - 1, `logits within 1e-3 on ${close}/${n} samples`);
  });

  it('the raw and the folded export compile to byte-identical C', async () => {
    const folded = await compileFile(FOLDED);
    const target = loadTarget('cortex-m4');
    const a = emitC(raw.program, target);
    const b = emitC(folded.program, target);
    assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort());
    for (const [name, text] of a) assert.ok(text === b.get(name), `${name} differs between raw and folded export`);
  });

  it('runs on cortex-m4 under QEMU bit-exact with the reference executor', async () => {
    const data = loadDataset('fashion-mnist', 'test', 48);
    const report = await verify(raw, loadTarget('cortex-m4'), { inputs: data.inputs, count: 48, labels: data.labels, description: 'fashion-mnist' });
    assert.equal(report.bitExact, 48, JSON.stringify(report.firstMismatch));
    assert.ok(report.top1Agree >= 47, `top-1 agreement with the float model ${report.top1Agree}/48`);
    assert.ok(report.accuracy!.c >= 0.8, `accuracy ${report.accuracy!.c}`);
  });
});
