import assert from 'node:assert/strict';
import { BnnError } from '../../src/errors.js';
import { makeTensor } from '../../src/graph/tensor.js';
import type { DType } from '../../src/graph/tensor.js';
import { attr } from '../../src/onnx/encode.js';
import { roundHalfToEven } from '../../src/ops/round.js';
import type { SingleOpCase } from '../helpers/ort-check.js';
import { checkSingleOp, foldSingleOp } from '../helpers/ort-check.js';
import { makeRng, randomTensor } from '../helpers/random.js';

const rng = makeRng(2024);

/** bnngen alone must refuse `c` with a BnnError whose line names the file, the node and matches `pattern`. */
function refuses(c: SingleOpCase, pattern: RegExp): void {
  assert.throws(
    () => foldSingleOp(c),
    (e: unknown) => e instanceof BnnError && e.line().startsWith('bnngen: single.onnx: ') && pattern.test(e.line()),
  );
}

/** Shape pairs that broadcast (multidirectionally), including scalars and rank differences. */
const SHAPE_PAIRS: Array<[number[], number[]]> = [
  [[2, 3, 4], [2, 3, 4]],
  [[2, 3, 4], [4]],
  [[3, 1], [2, 1, 5]],
  [[], [2, 3]],
  [[1, 3, 1, 1], [2, 3, 4, 5]],
  [[2, 3, 4, 5], [1]],
  [[4, 1, 6], [5, 1]],
];

describe('binary elementwise ops against onnxruntime', () => {
  for (const op of ['Add', 'Sub', 'Mul', 'Div']) {
    it(`${op} float32 with broadcasting`, async () => {
      for (const [sa, sb] of SHAPE_PAIRS) {
        const b = randomTensor(rng, 'float32', sb, 0.5, 2);
        await checkSingleOp({ opType: op, inputs: { a: randomTensor(rng, 'float32', sa, -3, 3), b } });
        // The same with the second operand constant (folded or not, the answer must not change).
        await checkSingleOp({ opType: op, inputs: { a: randomTensor(rng, 'float32', sa, -3, 3) }, constants: { b } });
      }
    });
    for (const dtype of ['int32', 'int64'] as DType[]) {
      it(`${op} ${dtype} stays integer (exact)`, async () => {
        for (const [sa, sb] of SHAPE_PAIRS) {
          const b = randomTensor(rng, dtype, sb, 1, 9);
          // negative divisors too: integer Div truncates toward zero (-7 / 2 = -3)
          const signs = makeTensor(dtype, sb, Array.from(b.data, () => (rng.next() < 0.5 ? -1 : 1)));
          const bSigned = makeTensor(dtype, sb, Array.from(b.data, (v, i) => v * signs.data[i]!));
          await checkSingleOp({ opType: op, inputs: { a: randomTensor(rng, dtype, sa, -50, 50), b: bSigned } });
        }
      });
    }
  }

  it('int32 Mul and Add wrap around like C', async () => {
    const a = makeTensor('int32', [4], [100000, -2147483648, 2147483647, 65536]);
    const b = makeTensor('int32', [4], [100000, -1, 1, 65536]);
    await checkSingleOp({ opType: 'Mul', inputs: { a, b } });
    await checkSingleOp({ opType: 'Add', inputs: { a, b } });
  });

  it('Pow float32 (tensor and scalar exponents)', async () => {
    for (const [sa, sb] of SHAPE_PAIRS) {
      await checkSingleOp({
        opType: 'Pow',
        inputs: { a: randomTensor(rng, 'float32', sa, 0.1, 3), b: randomTensor(rng, 'float32', sb, -2, 2) },
      });
    }
    for (const e of [2, 0.5, 3, -1]) {
      await checkSingleOp({
        opType: 'Pow',
        inputs: { a: randomTensor(rng, 'float32', [3, 4], -2, 2) },
        constants: { e: makeTensor('float32', [], [e]) },
      });
    }
  });

  it('Pow int64 and a float base with an int64 exponent', async () => {
    await checkSingleOp({
      opType: 'Pow',
      inputs: { a: randomTensor(rng, 'int64', [3, 4], -6, 6), b: randomTensor(rng, 'int64', [4], 0, 5) },
    });
    await checkSingleOp({
      opType: 'Pow',
      inputs: { a: randomTensor(rng, 'float32', [3, 4], -2, 2), b: randomTensor(rng, 'int64', [4], 0, 4) },
    });
  });

  it('refuses non-broadcastable shapes, naming both', () => {
    refuses(
      { opType: 'Add', inputs: { a: randomTensor(rng, 'float32', [2, 3]), b: randomTensor(rng, 'float32', [4]) } },
      /node node \(Add\): input shapes \[2,3\] and \[4\] are not broadcastable/,
    );
  });

  it('refuses mixed input types', () => {
    refuses(
      { opType: 'Mul', inputs: { a: randomTensor(rng, 'float32', [2]), b: randomTensor(rng, 'int64', [2], 1, 3) } },
      /same type, got float32 and int64/,
    );
  });

  it('refuses integer division by zero while folding', () => {
    refuses(
      { opType: 'Div', constants: { a: makeTensor('int64', [2], [4, 5]), b: makeTensor('int64', [2], [2, 0]) } },
      /node node \(Div\): integer division by zero/,
    );
  });
});

describe('unary elementwise ops against onnxruntime', () => {
  const x = (lo: number, hi: number, dtype: DType = 'float32') => randomTensor(rng, dtype, [2, 3, 5], lo, hi);

  it('Sqrt, Log, Abs, Identity, Relu on float32', async () => {
    await checkSingleOp({ opType: 'Sqrt', inputs: { x: x(0, 10) } });
    await checkSingleOp({ opType: 'Log', inputs: { x: x(0.01, 10) } });
    await checkSingleOp({ opType: 'Abs', inputs: { x: x(-5, 5) } });
    await checkSingleOp({ opType: 'Identity', inputs: { x: x(-5, 5) } });
    await checkSingleOp({ opType: 'Relu', inputs: { x: x(-5, 5) } });
    await checkSingleOp({ opType: 'Relu', inputs: { x: x(-5, 5) }, opset: 9 });
  });

  it('integer Abs, Sign, Relu (opset 14), Identity', async () => {
    await checkSingleOp({ opType: 'Abs', inputs: { x: x(-9, 9, 'int32') } });
    await checkSingleOp({ opType: 'Sign', inputs: { x: x(-2, 2, 'int64') } });
    await checkSingleOp({ opType: 'Relu', inputs: { x: x(-9, 9, 'int32') }, opset: 14 });
    await checkSingleOp({ opType: 'Identity', inputs: { x: x(-9, 9, 'int64') } });
  });

  it('Sign maps 0 to 0', async () => {
    const t = makeTensor('float32', [6], [-2.5, -0, 0, 1e-30, 3, -1e-30]);
    const { ours } = await checkSingleOp({ opType: 'Sign', inputs: { x: t } });
    assert.deepEqual(Array.from(ours.get('y0')!.data), [-1, -0, 0, 1, 1, -1]);
  });

  it('Round rounds halves to even', async () => {
    const halves = [-3.5, -2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5, 0.49999997, -0.49999997, 1e7 + 0.5, 2.4, -2.6];
    const t = makeTensor('float32', [halves.length], halves);
    const { ours } = await checkSingleOp({ opType: 'Round', inputs: { x: t } });
    assert.deepEqual(Array.from(ours.get('y0')!.data).slice(0, 8), [-4, -2, -2, -0, 0, 2, 2, 4]);
    await checkSingleOp({ opType: 'Round', inputs: { x: x(-10, 10) } });
    assert.ok(Object.is(roundHalfToEven(-0.3), -0));
  });

  it('Clip with input bounds (opset 13), one bound, none, and integers', async () => {
    const lo = makeTensor('float32', [], [-0.5]);
    const hi = makeTensor('float32', [], [0.75]);
    await checkSingleOp({ opType: 'Clip', inputs: { x: x(-2, 2) }, constants: { lo, hi } });
    await checkSingleOp({ opType: 'Clip', inputs: { x: x(-2, 2), lo, hi } });
    await checkSingleOp({ opType: 'Clip', inputs: { x: x(-2, 2) }, constants: { hi }, nodeInputs: ['x', '', 'hi'] });
    await checkSingleOp({ opType: 'Clip', inputs: { x: x(-2, 2) }, constants: { lo } });
    await checkSingleOp({ opType: 'Clip', inputs: { x: x(-2, 2) } });
    await checkSingleOp({
      opType: 'Clip',
      inputs: { x: x(-9, 9, 'int32') },
      constants: { lo: makeTensor('int32', [], [-3]), hi: makeTensor('int32', [], [4]) },
    });
  });

  it('Clip with min > max gives max everywhere', async () => {
    const { ours } = await checkSingleOp({
      opType: 'Clip',
      inputs: { x: x(-2, 2) },
      constants: { lo: makeTensor('float32', [], [1]), hi: makeTensor('float32', [], [-1]) },
    });
    assert.ok(Array.from(ours.get('y0')!.data).every((v) => v === -1));
  });

  it('Clip with attribute bounds (opset 9, hardtanh)', async () => {
    await checkSingleOp({ opType: 'Clip', inputs: { x: x(-2, 2) }, opset: 9, attrs: { min: attr.float(-1), max: attr.float(1) } });
    await checkSingleOp({ opType: 'Clip', inputs: { x: x(-2, 2) }, opset: 10, attrs: { max: attr.float(0.25) } });
  });

  it('refuses float-only ops on integers and a non-scalar Clip bound', () => {
    refuses({ opType: 'Sqrt', inputs: { x: x(0, 9, 'int64') } }, /node node \(Sqrt\): input 0 must be a float type, got int64/);
    refuses({ opType: 'Relu', inputs: { x: x(0, 9, 'int32') } }, /input 0 must be a float type, got int32/);
    refuses(
      { opType: 'Clip', inputs: { x: x(0, 1) }, constants: { lo: makeTensor('float32', [2], [0, 1]) } },
      /input 1 must be a scalar, got shape \[2\]/,
    );
  });
});
