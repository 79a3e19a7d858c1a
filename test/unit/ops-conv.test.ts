import assert from 'node:assert/strict';
import type { AttrValue } from '../../src/graph/graph.js';
import { attr } from '../../src/onnx/encode.js';
import { checkAgainstOrt } from '../helpers/ort-check.js';
import { makeRng, randomTensor } from '../helpers/random.js';
import type { Rng } from '../helpers/random.js';
import { BnnError } from '../../src/errors.js';
import { encodeModel } from '../../src/onnx/encode.js';
import { loadModel } from '../../src/phases/1-load/load.js';
import { foldGraph } from '../../src/phases/2-fold/fold.js';

interface ConvCase {
  readonly x: number[];
  readonly w: number[];
  readonly bias: boolean;
  readonly attrs: Record<string, AttrValue>;
}

/**
 * onnxruntime accumulates in float32, so its error grows with the reduction length K (bnngen sums in float64):
 * allow 1e-7 absolute per accumulated term (inputs and weights lie in [-1, 1]).
 */
function convTolerance(c: ConvCase) {
  const k = c.w.slice(1).reduce((a, b) => a * b, 1);
  return { rel: 1e-5, abs: 1e-6 + 1e-7 * k };
}

function convModel(c: ConvCase, rng: Rng) {
  const m = c.w[0]!;
  return {
    spec: {
      inputs: [{ name: 'x', dtype: 'float32' as const, shape: c.x }],
      outputs: [{ name: 'y', dtype: 'float32' as const }],
      initializers: [
        { name: 'w', tensor: randomTensor(rng, 'float32', c.w) },
        ...(c.bias ? [{ name: 'b', tensor: randomTensor(rng, 'float32', [m]) }] : []),
      ],
      nodes: [{ opType: 'Conv', inputs: c.bias ? ['x', 'w', 'b'] : ['x', 'w'], outputs: ['y'], attrs: c.attrs }],
    },
    inputs: { x: randomTensor(rng, 'float32', c.x) },
  };
}

describe('Conv against onnxruntime', () => {
  const fixed: ConvCase[] = [
    { x: [1, 3, 8, 8], w: [4, 3, 3, 3], bias: true, attrs: {} },
    { x: [1, 3, 9, 7], w: [5, 3, 3, 3], bias: false, attrs: { strides: attr.ints([2, 2]), pads: attr.ints([1, 1, 1, 1]) } },
    { x: [2, 4, 10, 10], w: [6, 2, 3, 3], bias: true, attrs: { group: attr.int(2), dilations: attr.ints([2, 2]) } },
    { x: [1, 4, 7, 7], w: [4, 1, 3, 3], bias: true, attrs: { group: attr.int(4), pads: attr.ints([0, 1, 2, 1]) } },
    { x: [1, 2, 7, 9], w: [3, 2, 2, 3], bias: false, attrs: { auto_pad: attr.string('SAME_UPPER'), strides: attr.ints([2, 2]) } },
    { x: [1, 2, 7, 9], w: [3, 2, 2, 4], bias: false, attrs: { auto_pad: attr.string('SAME_LOWER') } },
    { x: [1, 2, 7, 9], w: [3, 2, 3, 2], bias: true, attrs: { auto_pad: attr.string('VALID'), strides: attr.ints([1, 3]) } },
    { x: [1, 3, 12], w: [2, 3, 3], bias: true, attrs: { strides: attr.ints([2]), pads: attr.ints([1, 2]), dilations: attr.ints([2]) } },
    { x: [1, 16, 28, 28], w: [16, 16, 3, 3], bias: false, attrs: { pads: attr.ints([1, 1, 1, 1]) } },
    { x: [1, 3, 5, 5], w: [2, 3, 1, 1], bias: true, attrs: { kernel_shape: attr.ints([1, 1]) } },
  ];
  fixed.forEach((c, i) => {
    it(`case ${i}: x [${c.x}] w [${c.w}] ${JSON.stringify(c.attrs)}`, async () => {
      const { spec, inputs } = convModel(c, makeRng(100 + i));
      await checkAgainstOrt(spec, inputs, convTolerance(c));
    });
  });

  it('random shapes, strides, pads, dilations and groups', async () => {
    const rng = makeRng(7);
    for (let t = 0; t < 25; t++) {
      const group = rng.pick([1, 1, 2, 3]);
      const cg = rng.int(1, 3);
      const m = group * rng.int(1, 3);
      const [kh, kw] = [rng.int(1, 3), rng.int(1, 3)];
      const [dh, dw] = [rng.int(1, 2), rng.int(1, 2)];
      const h = rng.int(dh * (kh - 1) + 1, 11);
      const w = rng.int(dw * (kw - 1) + 1, 11);
      const attrs: Record<string, AttrValue> = {
        group: attr.int(group),
        strides: attr.ints([rng.int(1, 3), rng.int(1, 3)]),
        dilations: attr.ints([dh, dw]),
        pads: attr.ints([rng.int(0, 2), rng.int(0, 2), rng.int(0, 2), rng.int(0, 2)]),
      };
      const c: ConvCase = { x: [rng.int(1, 2), cg * group, h, w], w: [m, cg, kh, kw], bias: rng.next() < 0.5, attrs };
      const { spec, inputs } = convModel(c, rng);
      await checkAgainstOrt(spec, inputs, convTolerance(c));
    }
  });
});

describe('Conv refusals', () => {
  const refuse = (c: Partial<ConvCase> & { xType?: 'int64' }, pattern: RegExp) => {
    const x = c.x ?? [1, 3, 8, 8];
    const w = c.w ?? [4, 3, 3, 3];
    const bytes = encodeModel({
      inputs: [{ name: 'x', dtype: c.xType ?? 'float32', shape: x }],
      outputs: [{ name: 'y', dtype: 'float32' }],
      initializers: [{ name: 'w', tensor: randomTensor(makeRng(1), 'float32', w) }],
      nodes: [{ name: 'conv1', opType: 'Conv', inputs: ['x', 'w'], outputs: ['y'], attrs: c.attrs ?? {} }],
    });
    assert.throws(
      () => foldGraph(loadModel(bytes, 'm.onnx')),
      (e: unknown) => e instanceof BnnError && pattern.test(e.line()) && /m\.onnx: node conv1 \(Conv\)/.test(e.line()),
    );
  };
  it('refuses an int64 input', () => refuse({ xType: 'int64' }, /input 0 must be float32, got int64/));
  it('names both shapes on a channel mismatch', () => refuse({ w: [4, 2, 3, 3] }, /\[1,3,8,8\].*\[4,2,3,3\]/));
  it('refuses a kernel larger than the padded input', () => refuse({ w: [4, 3, 9, 9] }, /does not fit/));
  it('refuses 3-D convolutions', () => refuse({ x: [1, 3, 4, 4, 4], w: [2, 3, 1, 1, 1] }, /only 1-D and 2-D/));
  it('refuses a wrong kernel_shape', () => refuse({ attrs: { kernel_shape: attr.ints([2, 2]) } }, /kernel_shape/));
  it('refuses an unknown auto_pad', () => refuse({ attrs: { auto_pad: attr.string('SAME') } }, /unknown auto_pad/));
});
