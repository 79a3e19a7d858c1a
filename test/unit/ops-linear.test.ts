import assert from 'node:assert/strict';
import { BnnError } from '../../src/errors.js';
import type { AttrValue } from '../../src/graph/graph.js';
import { attr } from '../../src/onnx/encode.js';
import type { SingleOpCase } from '../helpers/ort-check.js';
import { checkSingleOp, foldSingleOp } from '../helpers/ort-check.js';
import { makeRng, randomTensor } from '../helpers/random.js';

const rng = makeRng(99);
const f32 = (shape: number[], lo = -1, hi = 1) => randomTensor(rng, 'float32', shape, lo, hi);

function refuses(c: SingleOpCase, pattern: RegExp): void {
  assert.throws(() => foldSingleOp(c), (e: unknown) => e instanceof BnnError && pattern.test(e.line()));
}

/** onnxruntime sums in float32: allow 1e-7 absolute per accumulated term of magnitude <= 1. */
const sumTol = (k: number) => ({ rel: 1e-5, abs: 1e-6 + 1e-7 * k });

describe('Gemm against onnxruntime', () => {
  it('transA/transB, alpha/beta and every C broadcast', async () => {
    for (let t = 0; t < 24; t++) {
      const [m, k, n] = [rng.int(1, 6), rng.int(1, 20), rng.int(1, 7)];
      const transA = rng.int(0, 1);
      const transB = rng.int(0, 1);
      const cShape = rng.pick([[m, n], [n], [1, n], [m, 1], [], [1, 1], null]);
      const attrs: Record<string, AttrValue> = { transA: attr.int(transA), transB: attr.int(transB) };
      if (rng.next() < 0.5) attrs['alpha'] = attr.float(rng.uniform(-2, 2));
      if (rng.next() < 0.5) attrs['beta'] = attr.float(rng.uniform(-2, 2));
      await checkSingleOp({
        opType: 'Gemm',
        inputs: { a: f32(transA ? [k, m] : [m, k]) },
        constants: { b: f32(transB ? [n, k] : [k, n]), ...(cShape ? { c: f32(cShape) } : {}) },
        attrs,
        tol: sumTol(2 * k),
      });
    }
  });

  it('a PyTorch Linear (transB = 1, bias [N]) at opset 9', async () => {
    await checkSingleOp({
      opType: 'Gemm',
      inputs: { a: f32([1, 64]) },
      constants: { b: f32([10, 64]), c: f32([10]) },
      attrs: { transB: attr.int(1), alpha: attr.float(1), beta: attr.float(1) },
      opset: 9,
      tol: sumTol(64),
    });
  });

  it('refuses a K mismatch and a C that does not broadcast, naming the shapes', () => {
    refuses(
      { opType: 'Gemm', inputs: { a: f32([2, 3]) }, constants: { b: f32([4, 5]) } },
      /node node \(Gemm\): inner dimensions differ: A \[2,3\] \(transA=0\), B \[4,5\]/,
    );
    refuses({ opType: 'Gemm', inputs: { a: f32([2, 3]) }, constants: { b: f32([3, 5]), c: f32([3]) } }, /C of shape \[3\] does not broadcast to \[2,5\]/);
    refuses({ opType: 'Gemm', inputs: { a: f32([2, 3, 1]) }, constants: { b: f32([3, 5]) } }, /must be matrices/);
  });
});

describe('MatMul against onnxruntime', () => {
  const cases: Array<[number[], number[]]> = [
    [[3, 4], [4, 5]],
    [[2, 3, 4], [4, 5]],
    [[4], [4, 5]],
    [[3, 4], [4]],
    [[4], [4]],
    [[2, 1, 3, 4], [5, 4, 2]],
    [[1, 3, 4], [2, 4, 6]],
    [[7], [2, 7, 3]],
    [[2, 2, 3], [3]],
  ];
  cases.forEach(([sa, sb]) => {
    it(`[${sa}] x [${sb}]`, async () => {
      await checkSingleOp({ opType: 'MatMul', inputs: { a: f32(sa), b: f32(sb) }, tol: sumTol(sa[sa.length - 1]!) });
    });
  });

  it('refuses mismatched inner and batch dimensions', () => {
    refuses({ opType: 'MatMul', inputs: { a: f32([3, 4]), b: f32([5, 2]) } }, /inner dimensions differ: A \[3,4\], B \[5,2\]/);
    refuses({ opType: 'MatMul', inputs: { a: f32([2, 3, 4]), b: f32([3, 4, 2]) } }, /batch dimensions do not broadcast/);
  });
});

describe('BatchNormalization against onnxruntime', () => {
  const bn = (shape: number[], opset: number, epsilon?: number) => {
    const c = shape[1]!;
    return checkSingleOp({
      opType: 'BatchNormalization',
      inputs: { x: f32(shape, -3, 3) },
      constants: { scale: f32([c], -2, 2), bias: f32([c]), mean: f32([c]), var: f32([c], 0.01, 2) },
      attrs: epsilon === undefined ? {} : { epsilon: attr.float(epsilon) },
      opset,
    });
  };
  it('rank 4 (BatchNorm2d), opsets 9, 14 and 15', async () => {
    await bn([2, 3, 4, 5], 9);
    await bn([1, 8, 3, 3], 14, 1e-3);
    await bn([1, 16, 6, 6], 15, 0.1);
  });
  it('rank 2 (BatchNorm1d on [N, C]) and rank 3', async () => {
    await bn([1, 10], 13);
    await bn([2, 4, 7], 13);
  });
  it('refuses training mode, spatial = 0 and wrong parameter shapes', () => {
    const base = {
      opType: 'BatchNormalization',
      inputs: { x: f32([1, 3, 2, 2]) },
      constants: { s: f32([3]), b: f32([3]), m: f32([3]), v: f32([3], 0.1, 1) },
    };
    refuses({ ...base, opset: 14, attrs: { training_mode: attr.int(1) } }, /training_mode = 1 is not supported/);
    refuses({ ...base, opset: 7, attrs: { spatial: attr.int(0) } }, /spatial = 0/);
    refuses({ ...base, constants: { ...base.constants, m: f32([4]) } }, /mean has shape \[4\], expected \[3\] for input of shape \[1,3,2,2\]/);
    refuses({ ...base, outputs: ['float32', 'float32', 'float32'] }, /training outputs/);
  });
});
