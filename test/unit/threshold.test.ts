import assert from 'node:assert/strict';
import { evaluateGraph } from '../../src/graph/evaluate.js';
import { executeProgram } from '../../src/lowered/execute.js';
import { encodeModel, type ModelSpec } from '../../src/onnx/encode.js';
import { loadModel } from '../../src/phases/1-load/load.js';
import type { BinaryConvOp } from '../../src/phases/4-fuse/fused.js';
import { compileBytes } from '../../src/pipeline.js';
import { f32, rng, twoBinaryConvs } from '../helpers/bnn-models.js';

/**
 * The float expression sign(Clip(BN(s*d))) evaluated by bnngen's float reference on a separate one-layer model,
 * for every channel and every d in [-k, k].
 */
function floatSigns(spec: ModelSpec, channels: number, k: number, scales: Float32Array, clip: boolean): Float32Array {
  const n = 2 * k + 1;
  const bnInits = (spec.initializers ?? []).filter((i) => i.name.startsWith('bn1_') || i.name === 'lo' || i.name === 'hi');
  const model: ModelSpec = {
    inputs: [{ name: 'pre', dtype: 'float32', shape: [1, channels, 1, n] }],
    outputs: [{ name: 'sign', dtype: 'float32' }],
    initializers: bnInits,
    nodes: [
      { opType: 'BatchNormalization', inputs: ['pre', 'bn1_g', 'bn1_b', 'bn1_m', 'bn1_v'], outputs: ['bn'], attrs: { epsilon: { type: 'float', value: 1e-5 } } },
      ...(clip ? [{ opType: 'Clip', inputs: ['bn', 'lo', 'hi'], outputs: ['act'] }] : []),
      { opType: 'Sign', inputs: [clip ? 'act' : 'bn'], outputs: ['sign'] },
    ],
  };
  const pre = new Float32Array(channels * n);
  for (let c = 0; c < channels; c++) for (let j = 0; j < n; j++) pre[c * n + j] = Math.fround(scales[c]! * (j - k));
  const g = loadModel(encodeModel(model), 'chain.onnx');
  return evaluateGraph(g, new Map([['pre', f32([1, channels, 1, n], pre)]])).get('sign')!.data as Float32Array;
}

describe('4-fuse: BN + Sign -> integer threshold', () => {
  for (const [seed, clip, kernel, c0] of [[11, false, 3, 5], [12, true, 3, 16], [13, true, 1, 40], [14, false, 5, 3]] as const) {
    it(`matches the float expression for every reachable dot (seed ${seed}, clip ${clip}, ${kernel}x${kernel}, ${c0} input channels)`, () => {
      const spec = twoBinaryConvs(seed, c0, 6, 6, { channels: 24, kernel, pad: kernel >> 1, clip });
      const compiled = compileBytes(encodeModel(spec), 't.onnx');
      const op = compiled.fused.ops.find((o): o is BinaryConvOp => o.kind === 'bconv' && o.epilogue.kind === 'threshold');
      assert.ok(op, 'bconv1 + bn1 + sign1 fused into a threshold');
      const ep = op.epilogue;
      if (ep.kind !== 'threshold') throw new Error('unreachable');
      const original = compiled.binarized.binary.get('bconv1')!;
      const k = c0 * kernel * kernel;
      const signs = floatSigns(spec, 24, k, original.scales, clip);
      let flipped = 0;
      let ties = 0;
      for (let c = 0; c < 24; c++) {
        const flip: boolean = op.signs[c * k] !== original.signs[c * k];
        if (flip) flipped++;
        for (let d = -k; d <= k; d++) {
          const expected = signs[c * (2 * k + 1) + d + k]!;
          const plusOne: boolean = (flip ? -d : d) >= ep.thresholds[c]!;
          if (expected === 0) {
            ties++;
            assert.ok(plusOne, `channel ${c}, dot ${d}: sign(0) must pack as +1`);
            assert.ok(ep.tieDots[c]!.includes(flip ? -d : d), 'tie recorded');
          } else {
            assert.equal(plusOne, expected > 0, `channel ${c}, dot ${d}: float sign ${expected}, threshold ${ep.thresholds[c]} flip ${flip}`);
          }
        }
      }
      assert.ok(flipped > 0, 'negative BN scales flip channels');
      assert.ok(ties > 0, 'a channel with gamma = 0 and beta = 0 makes every dot a tie');
    });
  }

  it('runs the lowered program close to the float model on random inputs (threshold + affine epilogues)', () => {
    const spec = twoBinaryConvs(21, 7, 9, 9, { channels: 33, kernel: 3, pad: 1, clip: true, stride: 2, tieChannel: false });
    const compiled = compileBytes(encodeModel(spec), 't.onnx');
    const kernels = compiled.program.steps.map((s) => s.kernel);
    assert.deepEqual(kernels, ['pack_sign', 'bconv2d', 'bconv2d']);
    const r = rng(99);
    let agree = 0;
    for (let s = 0; s < 20; s++) {
      const x = Float32Array.from({ length: 7 * 81 }, () => r() * 2 - 1);
      const ours = executeProgram(compiled.program, x);
      const ref = evaluateGraph(compiled.folded, new Map([['input', f32([1, 7, 9, 9], x)]])).get('output')!.data;
      assert.equal(ours.length, ref.length);
      let maxDiff = 0;
      for (let i = 0; i < ours.length; i++) maxDiff = Math.max(maxDiff, Math.abs(ours[i]! - ref[i]!) / (1 + Math.abs(ref[i]!)));
      if (maxDiff < 1e-4) agree++;
    }
    assert.ok(agree >= 19, `${agree}/20 samples agree with the float model`);
  });

  it('counts sign(0) ties at threshold layers at run time (gamma = beta = 0: every output of that channel)', () => {
    const spec = twoBinaryConvs(31, 5, 6, 6, { channels: 24, kernel: 3, pad: 1 });
    const compiled = compileBytes(encodeModel(spec), 't.onnx');
    const r = rng(7);
    const x = Float32Array.from({ length: 5 * 36 }, () => r() * 2 - 1);
    const stats = { signTies: 0 };
    executeProgram(compiled.program, x, stats);
    assert.equal(stats.signTies, 36, 'channel 3 ties at each of the 6x6 output pixels, nothing else does');
  });
});
