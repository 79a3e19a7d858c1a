import assert from 'node:assert/strict';
import { evaluateGraph } from '../../src/graph/evaluate.js';
import { executeProgram } from '../../src/lowered/execute.js';
import { encodeModel } from '../../src/onnx/encode.js';
import { compileBytes } from '../../src/pipeline.js';
import { twoBinaryConvs } from '../helpers/bnn-models.js';
import { Rng } from './lowered-fixtures.js';

describe('the float path (binarization disabled)', () => {
  const bytes = encodeModel(twoBinaryConvs(3, 3, 7, 7, { channels: 24, kernel: 3, pad: 1, clip: true }));

  it('has no binary layer: every Sign is a float sign, every conv a float conv', () => {
    const binary = compileBytes(bytes, 'two.onnx');
    const float = compileBytes(bytes, 'two.onnx', { binarize: false });
    assert.deepEqual(binary.program.steps.map((s) => s.kernel), ['pack_sign', 'bconv2d', 'bconv2d']);
    assert.deepEqual(float.program.steps.map((s) => s.kernel), ['sign_f32', 'conv2d_f32', 'clip_f32', 'sign_f32', 'conv2d_f32']);
    assert.deepEqual(float.binarized.verdicts.map((v) => [v.node, v.binary, v.reason]), [
      ['bconv1', false, 'binarization disabled (float path)'],
      ['bconv2', false, 'binarization disabled (float path)'],
    ]);
    assert.equal(float.program.name, binary.program.name);
    assert.deepEqual(float.program.input.shape, binary.program.input.shape);
  });

  it('computes the float ONNX model, sign(0) = 0 included, within float rounding', () => {
    const float = compileBytes(bytes, 'two.onnx', { binarize: false });
    const g = float.folded;
    const shape = g.values.get(g.inputs[0]!)!.shape;
    const r = new Rng(8);
    for (let trial = 0; trial < 5; trial++) {
      // Exact zeros at the input make ONNX Sign give 0, which one bit cannot hold; the float path keeps them.
      const x = Float32Array.from({ length: 3 * 7 * 7 }, () => (r.next() < 0.2 ? 0 : r.float(1)));
      const want = evaluateGraph(g, new Map([[g.inputs[0]!, { dtype: 'float32' as const, shape, data: x }]])).get(g.outputs[0]!)!.data;
      const got = executeProgram(float.program, x);
      assert.equal(got.length, want.length);
      for (let i = 0; i < got.length; i++) {
        const tolerance = 1e-4 * (1 + Math.abs(want[i]!));
        assert.ok(Math.abs(got[i]! - want[i]!) <= tolerance, `trial ${trial} output ${i}: ${got[i]} vs ONNX ${want[i]}`);
      }
    }
  });

  it('still refuses a Sign that feeds a real layer when binarization is on', () => {
    const spec = twoBinaryConvs(4, 2, 5, 5, { channels: 4, kernel: 1, pad: 0 });
    const w2 = spec.initializers!.find((i) => i.name === 'w2')!.tensor.data as Float32Array;
    w2[0] = 3 * w2[0]!; // channel 0 of bconv2 now has two magnitudes: it stays real
    const modified = encodeModel(spec);
    assert.throws(() => compileBytes(modified, 'm.onnx'), /Sign output feeds 'bconv2' \(Conv\), which is not a binary layer/);
    assert.deepEqual(compileBytes(modified, 'm.onnx', { binarize: false }).program.steps.map((s) => s.kernel),
      ['sign_f32', 'conv2d_f32', 'sign_f32', 'conv2d_f32']);
  });
});
