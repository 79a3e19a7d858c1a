/**
 * Threshold chains of the BNN variants: an XNOR-Net alpha as a Mul, a learnable shift before Sign (Sub, or Add
 * with the constant first), PRelu with non-negative slopes, on 4-D and on [1, C] values. For every channel and
 * every reachable dot the integer compare must equal onnxruntime's sign of the same float chain; a PRelu with a
 * negative slope is not monotone and must stay a float kernel instead.
 */
import assert from 'node:assert/strict';
import { BnnError } from '../../src/errors.js';
import { attr, encodeModel, type ModelSpec, type NodeSpec, type TensorSpec } from '../../src/onnx/encode.js';
import type { BinaryConvOp } from '../../src/phases/4-fuse/fused.js';
import { compileBytes } from '../../src/pipeline.js';
import { f32, rng } from '../helpers/bnn-models.js';
import { runOrt } from '../helpers/ort-check.js';

interface ChainCase {
  readonly name: string;
  /** [1, C, H, W] (conv) or [1, K] (MatMul) layer input. */
  readonly linear: boolean;
  /** Elementwise chain after the layer, from 'pre' to 'act' (the Sign input). */
  readonly chain: (c: number) => { nodes: NodeSpec[]; inits: TensorSpec[] };
}

const C = 12;
const K0 = 5;

function perChannel(name: string, shape: number[], f: (i: number) => number): TensorSpec {
  return { name, tensor: f32(shape, Array.from({ length: C }, (_, i) => f(i))) };
}

function bn(shape: number[], r: () => number): { node: NodeSpec; inits: TensorSpec[] } {
  return {
    node: { opType: 'BatchNormalization', inputs: ['m', 'g', 'b', 'mu', 'v'], outputs: ['bn'], attrs: { epsilon: attr.float(1e-5) } },
    inits: [
      perChannel('g', shape, (i) => (i % 4 === 1 ? -1 : 1) * (0.3 + r())), perChannel('b', shape, () => r() - 0.5),
      perChannel('mu', shape, () => r() - 0.5), perChannel('v', shape, () => 0.2 + r()),
    ],
  };
}

const CASES: readonly ChainCase[] = [
  {
    name: 'conv: Mul alpha -> BN -> Sub shift -> PRelu (slopes >= 0)',
    linear: false,
    chain: () => {
      const r = rng(3);
      const norm = bn([C], r);
      return {
        nodes: [
          { opType: 'Mul', inputs: ['pre', 'alpha'], outputs: ['m'] }, norm.node,
          { opType: 'Sub', inputs: ['bn', 'shift'], outputs: ['s'] },
          { opType: 'PRelu', inputs: ['s', 'slope'], outputs: ['act'] },
        ],
        inits: [
          perChannel('alpha', [1, C, 1, 1], () => 0.05 + 0.3 * r()), ...norm.inits, perChannel('shift', [1, C, 1, 1], () => r() - 0.5),
          perChannel('slope', [C, 1, 1], (i) => (i % 3 === 0 ? 0 : r())),
        ],
      };
    },
  },
  {
    name: 'linear [1, K]: Mul alpha [C] -> BN -> Add(shift, x) -> Clip',
    linear: true,
    chain: () => {
      const r = rng(4);
      const norm = bn([C], r);
      return {
        nodes: [
          { opType: 'Mul', inputs: ['pre', 'alpha'], outputs: ['m'] }, norm.node,
          { opType: 'Add', inputs: ['shift', 'bn'], outputs: ['s'] },
          { opType: 'Clip', inputs: ['s', 'lo', 'hi'], outputs: ['act'] },
        ],
        inits: [
          perChannel('alpha', [C], () => 0.05 + 0.3 * r()), ...norm.inits, perChannel('shift', [1, C], () => r() - 0.5),
          { name: 'lo', tensor: f32([], [-1]) }, { name: 'hi', tensor: f32([], [1]) },
        ],
      };
    },
  },
];

/** input -> Sign -> layer (±1 weights) -> chain -> Sign -> 1x1 binary layer -> output. */
function model(c: ChainCase): { spec: ModelSpec; k: number } {
  const r = rng(8);
  const { nodes, inits } = c.chain(C);
  const k = c.linear ? 20 : K0 * 9;
  const sign = (n: number) => Array.from({ length: n }, () => (r() < 0.5 ? -1 : 1));
  const layer: NodeSpec = c.linear
    ? { name: 'layer', opType: 'MatMul', inputs: ['xs', 'w1'], outputs: ['pre'] }
    : { name: 'layer', opType: 'Conv', inputs: ['xs', 'w1'], outputs: ['pre'], attrs: { kernel_shape: attr.ints([3, 3]), pads: attr.ints([1, 1, 1, 1]) } };
  const next: NodeSpec = c.linear
    ? { name: 'next', opType: 'MatMul', inputs: ['as', 'w2'], outputs: ['output'] }
    : { name: 'next', opType: 'Conv', inputs: ['as', 'w2'], outputs: ['output'], attrs: { kernel_shape: attr.ints([1, 1]) } };
  return {
    k,
    spec: {
      inputs: [{ name: 'input', dtype: 'float32', shape: c.linear ? [1, k] : [1, K0, 5, 5] }],
      outputs: [{ name: 'output', dtype: 'float32' }],
      initializers: [
        { name: 'w1', tensor: c.linear ? f32([k, C], sign(k * C)) : f32([C, K0, 3, 3], sign(C * k)) },
        { name: 'w2', tensor: c.linear ? f32([C, 3], sign(3 * C)) : f32([3, C, 1, 1], sign(3 * C)) },
        ...inits,
      ],
      nodes: [{ opType: 'Sign', inputs: ['input'], outputs: ['xs'] }, layer, ...nodes, { opType: 'Sign', inputs: ['act'], outputs: ['as'] }, next],
    },
  };
}

/** onnxruntime's Sign of the chain applied to pre = d for every d in [-k, k], per channel: [C][2k+1]. */
async function ortSigns(c: ChainCase, k: number): Promise<Float32Array> {
  const { nodes, inits } = c.chain(C);
  const n = 2 * k + 1;
  const shape = c.linear ? [n, C] : [1, C, 1, n];
  const spec: ModelSpec = {
    inputs: [{ name: 'pre', dtype: 'float32', shape }],
    outputs: [{ name: 'sign', dtype: 'float32' }],
    initializers: inits,
    nodes: [...nodes, { opType: 'Sign', inputs: ['act'], outputs: ['sign'] }],
  };
  const pre = new Float32Array(C * n);
  for (let ch = 0; ch < C; ch++) for (let j = 0; j < n; j++) pre[c.linear ? j * C + ch : ch * n + j] = j - k;
  const out = (await runOrt(encodeModel(spec), { pre: f32(shape, pre) })).get('sign')!.data;
  return Float32Array.from({ length: C * n }, (_, i) => out[c.linear ? (i % n) * C + Math.floor(i / n) : i]!);
}

describe('4-fuse: variant chains fold into exact integer thresholds', () => {
  for (const c of CASES) {
    it(`${c.name}: the compare equals onnxruntime for every channel and dot`, async () => {
      const { spec, k } = model(c);
      const compiled = compileBytes(encodeModel(spec), 'chain.onnx');
      const op = compiled.fused.ops.find((o): o is BinaryConvOp => o.kind === 'bconv' && o.epilogue.kind === 'threshold');
      assert.ok(op, `the chain became a threshold: ${compiled.program.steps.map((s) => s.kernel)}`);
      if (op.epilogue.kind !== 'threshold') throw new Error('unreachable');
      assert.deepEqual(compiled.program.steps.map((s) => s.kernel), ['pack_sign', 'bconv2d', 'bconv2d']);
      const original = compiled.binarized.binary.get('layer')!;
      const signs = await ortSigns(c, k);
      const n = 2 * k + 1;
      for (let ch = 0; ch < C; ch++) {
        const flip: boolean = op.signs[ch * k] !== original.signs[ch * k];
        for (let d = -k; d <= k; d++) {
          const expected = signs[ch * n + d + k]!;
          const plusOne: boolean = (flip ? -d : d) >= op.epilogue.thresholds[ch]!;
          assert.equal(plusOne, expected >= 0, `channel ${ch}, dot ${d}: onnxruntime sign ${expected}, threshold ${op.epilogue.thresholds[ch]}`);
        }
      }
    });
  }

  it('keeps a PRelu with a negative slope (not monotone) as a float kernel before a pack', () => {
    const c: ChainCase = {
      ...CASES[0]!,
      chain: () => {
        const first = CASES[0]!.chain(C);
        return { nodes: first.nodes, inits: first.inits.map((i) => (i.name === 'slope' ? perChannel('slope', [C, 1, 1], () => -0.5) : i)) };
      },
    };
    const compiled = compileBytes(encodeModel(model(c).spec), 'chain.onnx');
    const kernels = compiled.program.steps.map((s) => s.kernel);
    assert.deepEqual(kernels.slice(-3), ['prelu_f32', 'pack_sign', 'bconv2d']);
    assert.ok(compiled.program.steps.every((s) => s.kernel !== 'bconv2d' || s.epilogue.kind === 'affine'));
  });

  it('refuses a Softmax over the channels of a spatial map, naming the node', () => {
    const spec: ModelSpec = {
      inputs: [{ name: 'input', dtype: 'float32', shape: [1, 3, 2, 2] }],
      outputs: [{ name: 'output', dtype: 'float32' }],
      nodes: [
        { opType: 'Relu', inputs: ['input'], outputs: ['r'] },
        { name: 'sm', opType: 'Softmax', inputs: ['r'], outputs: ['output'], attrs: { axis: attr.int(1) } },
      ],
    };
    assert.throws(() => compileBytes(encodeModel(spec), 'sm.onnx'), (e: unknown) =>
      e instanceof BnnError && e.where.node === 'sm (Softmax)' && /only over the one non-batch axis of a vector/.test(e.reason));
  });
});
