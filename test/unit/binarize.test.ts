import assert from 'node:assert/strict';
import { encodeModel, type ModelSpec } from '../../src/onnx/encode.js';
import { loadModel } from '../../src/phases/1-load/load.js';
import { foldGraph } from '../../src/phases/2-fold/fold.js';
import { binarize } from '../../src/phases/3-binarize/binarize.js';
import { binaryWeights, f32, rng } from '../helpers/bnn-models.js';

function verdictsOf(spec: ModelSpec) {
  const { graph } = foldGraph(loadModel(encodeModel(spec), 'test.onnx'));
  return binarize(graph);
}

function convModel(weight: Float32Array, shape: number[], withSign: boolean): ModelSpec {
  return {
    inputs: [{ name: 'x', dtype: 'float32', shape: [1, shape[1]!, 6, 6] }],
    outputs: [{ name: 'y', dtype: 'float32' }],
    initializers: [{ name: 'w', tensor: f32(shape, weight) }],
    nodes: [
      ...(withSign ? [{ name: 'sign', opType: 'Sign', inputs: ['x'], outputs: ['xs'] }] : []),
      { name: 'conv2', opType: 'Conv', inputs: [withSign ? 'xs' : 'x', 'w'], outputs: ['y'] },
    ],
  };
}

describe('3-binarize', () => {
  it('accepts Sign -> Conv with one magnitude per output channel, and keeps the scales and signs', () => {
    const w = binaryWeights(rng(1), 8, 3, 3, 3);
    const result = verdictsOf(convModel(w.data as Float32Array, [8, 3, 3, 3], true));
    assert.equal(result.verdicts.length, 1);
    assert.equal(result.verdicts[0]!.binary, true, result.verdicts[0]!.reason);
    const bw = result.binary.get('conv2')!;
    for (let c = 0; c < 8; c++) assert.equal(bw.scales[c], Math.abs(w.data[c * 27]!));
    for (let i = 0; i < w.data.length; i++) assert.equal(bw.signs[i], w.data[i]! < 0 ? -1 : 1);
  });

  it('accepts scales that are not powers of two (XNOR-Net style)', () => {
    const w = Float32Array.from({ length: 2 * 4 * 9 }, (_, i) => ((i * 7) % 3 === 0 ? -0.37 : 0.37) * (i < 36 ? 1 : 0.5));
    const result = verdictsOf(convModel(w, [2, 4, 3, 3], true));
    assert.equal(result.verdicts[0]!.binary, true);
    assert.match(result.verdicts[0]!.reason, /real scales/);
  });

  it('names the channel and the number of magnitudes when a channel is not binary', () => {
    const w = binaryWeights(rng(2), 8, 3, 3, 3).data as Float32Array;
    w[5 * 27 + 4] = 0.3;
    w[5 * 27 + 9] = -0.7;
    const v = verdictsOf(convModel(w, [8, 3, 3, 3], true)).verdicts[0]!;
    assert.equal(v.binary, false);
    assert.match(v.reason, /weights of channel 5 have 3 magnitudes/);
  });

  it('refuses zero weights with the reason', () => {
    const w = binaryWeights(rng(3), 4, 2, 1, 1).data as Float32Array;
    w[2 * 2] = 0;
    const v = verdictsOf(convModel(w, [4, 2, 1, 1], true)).verdicts[0]!;
    assert.equal(v.binary, false);
    assert.match(v.reason, /channel 2 contain zeros/);
  });

  it('makes ±s weights on a real (not binarized) input a 1w32a layer, with its signs and scales', () => {
    const w = binaryWeights(rng(4), 4, 2, 3, 3).data as Float32Array;
    const result = verdictsOf(convModel(w, [4, 2, 3, 3], false));
    const v = result.verdicts[0]!;
    assert.equal(v.binary, true);
    assert.match(v.reason, /real input \(no Sign or BipolarQuant before it\), ±s weights: 1-bit weights .*1w32a; 4 channels, power-of-two scales/);
    assert.equal(result.binary.size, 0);
    const bw = result.realInput.get('conv2')!;
    assert.equal(bw.signInput, 'x');
    for (let c = 0; c < 4; c++) assert.equal(bw.scales[c], Math.abs(w[c * 18]!));
    for (let i = 0; i < w.length; i++) assert.equal(bw.signs[i], w[i]! < 0 ? -1 : 1);
  });

  it('keeps a grouped conv with ±s weights on a real input real, and says why', () => {
    const w = binaryWeights(rng(6), 4, 1, 3, 3).data as Float32Array;
    const spec = convModel(w, [4, 1, 3, 3], false);
    const grouped: ModelSpec = {
      ...spec,
      inputs: [{ name: 'x', dtype: 'float32', shape: [1, 2, 6, 6] }],
      nodes: [{ ...spec.nodes[0]!, attrs: { group: { type: 'int', value: 2 } } }],
    };
    const v = verdictsOf(grouped).verdicts[0]!;
    assert.equal(v.binary, false);
    assert.match(v.reason, /±s per channel on a real input \(1w32a\), but grouped convolution \(group=2\) is not supported as binary/);
  });

  it('keeps a real input real when its weights are not ±s, and says why', () => {
    const w = binaryWeights(rng(4), 4, 2, 3, 3).data as Float32Array;
    w[7] = 3 * w[7]!;
    const v = verdictsOf(convModel(w, [4, 2, 3, 3], false)).verdicts[0]!;
    assert.equal(v.binary, false);
    assert.match(v.reason, /full precision: input is not binarized/);
  });

  it('rewrites a Gemm over a flattened spatial map as an HxW convolution, also with Sign after the Flatten', () => {
    const r = rng(9);
    const weights = Float32Array.from({ length: 5 * 2 * 3 * 4 }, () => (r() < 0.5 ? -0.25 : 0.25));
    const spec: ModelSpec = {
      inputs: [{ name: 'x', dtype: 'float32', shape: [1, 2, 3, 4] }],
      outputs: [{ name: 'y', dtype: 'float32' }],
      initializers: [{ name: 'w', tensor: f32([5, 24], weights) }],
      nodes: [
        { name: 'relu', opType: 'Relu', inputs: ['x'], outputs: ['xr'] },
        { name: 'flatten', opType: 'Flatten', inputs: ['xr'], outputs: ['xf'] },
        { name: 'sign', opType: 'Sign', inputs: ['xf'], outputs: ['xs'] },
        { name: 'fc', opType: 'Gemm', inputs: ['xs', 'w'], outputs: ['y'], attrs: { transB: { type: 'int', value: 1 } } },
      ],
    };
    const result = verdictsOf(spec);
    const v = result.verdicts[0]!;
    assert.deepEqual([v.node, v.opType, v.binary], ['fc', 'Gemm', true]);
    assert.match(v.reason, /reads the flattened 3x4 map as a 3x4 convolution/);
    const conv = result.graph.nodes.find((n) => n.name === 'fc')!;
    assert.equal(conv.opType, 'Conv');
    const sign = result.graph.nodes.find((n) => n.opType === 'Sign')!;
    assert.deepEqual(sign.inputs, ['xr']);
    assert.deepEqual(result.graph.values.get(sign.outputs[0]!)!.shape, [1, 2, 3, 4]);
    assert.ok(!result.graph.nodes.some((n) => n.opType === 'Flatten'));
    // ONNX flatten order is CHW: the conv weights are the Gemm rows read as [C][H][W].
    assert.deepEqual([...result.graph.constants.get(conv.inputs[1]!)!.data], [...weights]);
  });

  it('sees through a raw Libra-PB export: the weight standardisation folds to ±2^k', () => {
    const r = rng(5);
    const [oc, ic] = [6, 4];
    const raw = Float32Array.from({ length: oc * ic * 9 }, () => r() - 0.5);
    const spec: ModelSpec = {
      inputs: [{ name: 'x', dtype: 'float32', shape: [1, ic, 5, 5] }],
      outputs: [{ name: 'y', dtype: 'float32' }],
      initializers: [
        { name: 'w', tensor: f32([oc, ic, 3, 3], raw) },
        { name: 'two', tensor: f32([], [2]) },
        { name: 'ln2', tensor: f32([], [Math.LN2]) },
        { name: 'n_over_nm1', tensor: f32([], [(ic * 9) / (ic * 9 - 1)]) },
      ],
      nodes: [
        // b = w - mean(w); b = b / std(b) (unbiased); s = 2^round(log2(mean|b|)); wb = sign(b) * s
        { opType: 'ReduceMean', inputs: ['w'], outputs: ['mu'], attrs: { axes: { type: 'ints', value: [1, 2, 3] }, keepdims: { type: 'int', value: 1 } } },
        { opType: 'Sub', inputs: ['w', 'mu'], outputs: ['b0'] },
        { opType: 'Mul', inputs: ['b0', 'b0'], outputs: ['sq'] },
        { opType: 'ReduceMean', inputs: ['sq'], outputs: ['ms'], attrs: { axes: { type: 'ints', value: [1, 2, 3] }, keepdims: { type: 'int', value: 1 } } },
        { opType: 'Mul', inputs: ['ms', 'n_over_nm1'], outputs: ['var'] },
        { opType: 'Sqrt', inputs: ['var'], outputs: ['std'] },
        { opType: 'Div', inputs: ['b0', 'std'], outputs: ['b'] },
        { opType: 'Abs', inputs: ['b'], outputs: ['ab'] },
        { opType: 'ReduceMean', inputs: ['ab'], outputs: ['mab'], attrs: { axes: { type: 'ints', value: [1, 2, 3] }, keepdims: { type: 'int', value: 1 } } },
        { opType: 'Log', inputs: ['mab'], outputs: ['lg'] },
        { opType: 'Div', inputs: ['lg', 'ln2'], outputs: ['l2'] },
        { opType: 'Round', inputs: ['l2'], outputs: ['r'] },
        { opType: 'Pow', inputs: ['two', 'r'], outputs: ['s'] },
        { opType: 'Sign', inputs: ['b'], outputs: ['sb'] },
        { opType: 'Mul', inputs: ['sb', 's'], outputs: ['wb'] },
        { opType: 'Sign', inputs: ['x'], outputs: ['xs'] },
        { name: 'bconv', opType: 'Conv', inputs: ['xs', 'wb'], outputs: ['y'], attrs: { pads: { type: 'ints', value: [1, 1, 1, 1] } } },
      ],
    };
    const result = verdictsOf(spec);
    assert.equal(result.graph.nodes.length, 2, 'only Sign and Conv remain after folding');
    assert.equal(result.verdicts[0]!.binary, true, result.verdicts[0]!.reason);
    for (const s of result.binary.get('bconv')!.scales) assert.equal(Math.log2(s), Math.round(Math.log2(s)));
  });
});
