/** PRelu, LeakyRelu, Softmax and LogSoftmax: bnngen's float reference against onnxruntime. */
import assert from 'node:assert/strict';
import { BnnError } from '../../src/errors.js';
import { attr } from '../../src/onnx/encode.js';
import { f32, rng } from '../helpers/bnn-models.js';
import { checkSingleOp, foldSingleOp } from '../helpers/ort-check.js';

const r = rng(31);
const values = (n: number, range = 3) => Array.from({ length: n }, () => (r() * 2 - 1) * range);

describe('ops: PRelu, LeakyRelu, Softmax, LogSoftmax against onnxruntime', () => {
  it('PRelu with a per-channel slope [C,1,1] (PyTorch nn.PReLU), a scalar slope and a [C] slope on [1,C]', async () => {
    await checkSingleOp({ opType: 'PRelu', inputs: { x: f32([1, 4, 3, 3], values(36)) }, constants: { slope: f32([4, 1, 1], [0.25, -0.5, 0, 2]) } });
    await checkSingleOp({ opType: 'PRelu', inputs: { x: f32([1, 4, 3, 3], values(36)) }, constants: { slope: f32([1], [0.1]) } });
    await checkSingleOp({ opType: 'PRelu', inputs: { x: f32([1, 5], values(5)) }, constants: { slope: f32([5], [0.1, 0.2, 0.3, -1, 0]) }, opset: 11 });
  });

  it('LeakyRelu with the default and an explicit alpha', async () => {
    await checkSingleOp({ opType: 'LeakyRelu', inputs: { x: f32([1, 3, 2, 2], values(12)) } });
    await checkSingleOp({ opType: 'LeakyRelu', inputs: { x: f32([1, 3, 2, 2], values(12)) }, attrs: { alpha: attr.float(0.3) } });
  });

  for (const opType of ['Softmax', 'LogSoftmax'] as const) {
    it(`${opType} over the last axis, over axis 1 of a 4-D value (opset 13), and over the flattened tail (opset 11)`, async () => {
      await checkSingleOp({ opType, inputs: { x: f32([1, 10], values(10, 20)) }, attrs: { axis: attr.int(-1) } });
      await checkSingleOp({ opType, inputs: { x: f32([1, 10], values(10, 20)) } });
      await checkSingleOp({ opType, inputs: { x: f32([1, 3, 2, 2], values(12)) }, attrs: { axis: attr.int(1) } });
      await checkSingleOp({ opType, inputs: { x: f32([1, 3, 2, 2], values(12)) }, attrs: { axis: attr.int(1) }, opset: 11 });
    });
  }

  it('refuses an axis out of range with the node named', () => {
    assert.throws(
      () => foldSingleOp({ opType: 'Softmax', inputs: { x: f32([1, 4], values(4)) }, attrs: { axis: attr.int(2) } }),
      (e: unknown) => e instanceof BnnError && /axis 2 is out of range for rank 2/.test(e.reason) && e.where.node === 'node (Softmax)',
    );
  });
});
