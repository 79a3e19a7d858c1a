/**
 * 4-fuse: binary conv -> MaxPool -> BN -> Clip -> Sign (VGG-small) as a threshold layer plus a max pool on packed
 * bits (AND for channels whose sign rises with the pooled value, OR for negative BN scales). The last layer is a
 * binary 1x1 conv with Hadamard weights, so its integer outputs determine the pooled signs exactly: the program
 * must give the float model's outputs bit for bit.
 */
import assert from 'node:assert/strict';
import { evaluateGraph } from '../../src/graph/evaluate.js';
import type { Tensor } from '../../src/graph/tensor.js';
import { executeProgram } from '../../src/lowered/execute.js';
import type { MaxPoolBits } from '../../src/lowered/program.js';
import { attr, encodeModel, type ModelSpec } from '../../src/onnx/encode.js';
import { compileBytes } from '../../src/pipeline.js';
import { mulberry32 } from '../../src/util/prng.js';

const C = 8;
const H = 8;
/** BN scales of both signs, and a zero one (a constant channel). */
const GAMMA = [1.2, -0.7, 0.9, -1.5, 0.3, -0.2, 0, 2];
const NEGATIVE_GAMMA_MASK = 0b00101010;

const f32 = (shape: number[], data: ArrayLike<number>): Tensor => ({ dtype: 'float32', shape, data: Float32Array.from(data) });

/** Sylvester Hadamard matrix of order 8: rows are orthogonal ±1 vectors. */
function hadamard8(): number[] {
  const h = [[1]];
  for (let n = 1; n < 8; n *= 2) {
    const next: number[][] = [];
    for (const row of h) next.push([...row, ...row]);
    for (const row of h) next.push([...row, ...row.map((v) => -v)]);
    h.splice(0, h.length, ...next);
  }
  return h.flat();
}

function pooledModel(pool: { kernel: number; stride: number; pad: number }): ModelSpec {
  const r = mulberry32(7);
  const scales = [0.5, 1, 2, 0.25, 1, 4, 1, 0.5];
  const w1 = Array.from({ length: C * C * 9 }, (_, i) => (r() < 0.5 ? -1 : 1) * scales[Math.floor(i / (C * 9))]!);
  const beta = GAMMA.map((g) => (g === 0 ? 0.1 : (r() - 0.5) * 0.5));
  const mean = GAMMA.map(() => (r() - 0.5) * 4);
  const variance = GAMMA.map(() => 1 + r() * 20);
  return {
    inputs: [{ name: 'input', dtype: 'float32', shape: [1, C, H, H] }],
    outputs: [{ name: 'output', dtype: 'float32' }],
    initializers: [
      { name: 'w1', tensor: f32([C, C, 3, 3], w1) },
      { name: 'g', tensor: f32([C], GAMMA) },
      { name: 'b', tensor: f32([C], beta) },
      { name: 'm', tensor: f32([C], mean) },
      { name: 'v', tensor: f32([C], variance) },
      { name: 'lo', tensor: f32([], [-1]) },
      { name: 'hi', tensor: f32([], [1]) },
      { name: 'w2', tensor: f32([C, C, 1, 1], hadamard8()) },
    ],
    nodes: [
      { opType: 'Sign', inputs: ['input'], outputs: ['s0'] },
      { opType: 'Conv', name: 'conv1', inputs: ['s0', 'w1'], outputs: ['c1'], attrs: { pads: attr.ints([1, 1, 1, 1]) } },
      {
        opType: 'MaxPool', inputs: ['c1'], outputs: ['p'],
        attrs: { kernel_shape: attr.ints([pool.kernel, pool.kernel]), strides: attr.ints([pool.stride, pool.stride]), pads: attr.ints(Array(4).fill(pool.pad)) },
      },
      { opType: 'BatchNormalization', inputs: ['p', 'g', 'b', 'm', 'v'], outputs: ['bn'] },
      { opType: 'Clip', inputs: ['bn', 'lo', 'hi'], outputs: ['act'] },
      { opType: 'Sign', inputs: ['act'], outputs: ['s1'] },
      { opType: 'Conv', name: 'conv2', inputs: ['s1', 'w2'], outputs: ['output'] },
    ],
  };
}

describe('4-fuse: binary conv -> MaxPool -> BN -> Sign as a threshold plus a packed max pool', () => {
  it('pools the bits with AND for positive and OR for negative BN scales, bit-exact with the float model', () => {
    const compiled = compileBytes(encodeModel(pooledModel({ kernel: 2, stride: 2, pad: 0 })), 'pooled.onnx');
    const steps = compiled.program.steps;
    assert.deepEqual(steps.map((s) => s.kernel), ['pack_sign', 'bconv2d', 'maxpool_bits', 'bconv2d']);
    const pool = steps[2] as MaxPoolBits;
    assert.deepEqual(Array.from(compiled.program.consts[pool.orMask]!.data), [NEGATIVE_GAMMA_MASK]);
    const r = mulberry32(11);
    let varied = 0;
    for (let s = 0; s < 40; s++) {
      const x = Float32Array.from({ length: C * H * H }, () => r() * 2 - 1);
      const ours = executeProgram(compiled.program, x);
      const ref = evaluateGraph(compiled.folded, new Map([['input', f32([1, C, H, H], x)]])).get('output')!.data;
      assert.deepEqual(Array.from(ours), Array.from(ref), `sample ${s}`);
      if (ours.some((v) => v !== ours[0])) varied++;
    }
    assert.ok(varied > 0, 'the outputs vary (the test is not vacuous)');
  });

  it('keeps a padded max pool on floats (a window may hold padded taps)', () => {
    const compiled = compileBytes(encodeModel(pooledModel({ kernel: 3, stride: 2, pad: 1 })), 'padded.onnx');
    const kernels = compiled.program.steps.map((s) => s.kernel);
    assert.ok(kernels.includes('maxpool_f32') && !kernels.includes('maxpool_bits'), kernels.join(' '));
  });
});
