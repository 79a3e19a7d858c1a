import assert from 'node:assert/strict';
import { BnnError } from '../../src/errors.js';
import { evaluateGraph } from '../../src/graph/evaluate.js';
import { makeTensor } from '../../src/graph/tensor.js';
import type { ModelSpec } from '../../src/onnx/encode.js';
import { attr, encodeModel } from '../../src/onnx/encode.js';
import { loadModel } from '../../src/phases/1-load/load.js';
import { foldGraph } from '../../src/phases/2-fold/fold.js';
import { checkAgainstOrt } from '../helpers/ort-check.js';
import { makeRng, randomTensor } from '../helpers/random.js';

const FILE = 'irnet.onnx';
const rng = makeRng(31);
const scalar = (v: number) => makeTensor('float32', [], [v]);
const AXES = { axes: attr.ints([1, 2, 3]), keepdims: attr.int(1) };

/**
 * An IR-Net binary conv as a raw export has it: Libra-PB on the weight initializer (balance, unbiased
 * standardise, power-of-two scale, sign) feeding the Conv.
 */
const LIBRA_PB: ModelSpec = {
  inputs: [{ name: 'x', dtype: 'float32', shape: [1, 3, 6, 6] }],
  outputs: [{ name: 'y', dtype: 'float32' }],
  initializers: [
    { name: 'W', tensor: randomTensor(rng, 'float32', [4, 3, 3, 3]) },
    { name: 'two', tensor: scalar(2) },
    { name: 'one', tensor: scalar(1) },
    { name: 'idx', tensor: makeTensor('int64', [3], [1, 2, 3]) },
  ],
  nodes: [
    { opType: 'ReduceMean', inputs: ['W'], outputs: ['mean'], attrs: AXES },
    { opType: 'Sub', inputs: ['W', 'mean'], outputs: ['b'] },
    // unbiased variance: sum of squares / (n - 1), with n from the weight's shape
    { opType: 'Shape', inputs: ['W'], outputs: ['shp'] },
    { opType: 'Gather', inputs: ['shp', 'idx'], outputs: ['dims'] },
    { opType: 'ReduceProd', inputs: ['dims'], outputs: ['n'], attrs: { keepdims: attr.int(0) } },
    { opType: 'Cast', inputs: ['n'], outputs: ['nf'], attrs: { to: attr.int(1) } },
    { opType: 'Sub', inputs: ['nf', 'one'], outputs: ['nm1'] },
    { opType: 'Pow', inputs: ['b', 'two'], outputs: ['sq'] },
    { opType: 'ReduceMean', inputs: ['sq'], outputs: ['msq'], attrs: AXES },
    { opType: 'Mul', inputs: ['msq', 'nf'], outputs: ['ssq'] },
    { opType: 'Div', inputs: ['ssq', 'nm1'], outputs: ['var'] },
    { opType: 'Sqrt', inputs: ['var'], outputs: ['std'] },
    { opType: 'Div', inputs: ['b', 'std'], outputs: ['bs'] },
    // s = 2^round(log2(mean |bs|))
    { opType: 'Abs', inputs: ['bs'], outputs: ['abs'] },
    { opType: 'ReduceMean', inputs: ['abs'], outputs: ['mabs'], attrs: AXES },
    { opType: 'Log', inputs: ['mabs'], outputs: ['ln'] },
    { opType: 'Log', inputs: ['two'], outputs: ['ln2'] },
    { opType: 'Div', inputs: ['ln', 'ln2'], outputs: ['log2'] },
    { opType: 'Round', inputs: ['log2'], outputs: ['k'] },
    { opType: 'Pow', inputs: ['two', 'k'], outputs: ['s'] },
    { opType: 'Sign', inputs: ['bs'], outputs: ['sg'] },
    { opType: 'Mul', inputs: ['sg', 's'], outputs: ['wb'] },
    { name: 'conv', opType: 'Conv', inputs: ['x', 'wb'], outputs: ['y'], attrs: { pads: attr.ints([1, 1, 1, 1]) } },
  ],
};

describe('fold', () => {
  it('folds the Libra-PB weight subgraph into a Conv with ±2^k weights', async () => {
    const loaded = loadModel(encodeModel(LIBRA_PB), FILE);
    const { graph, folded } = foldGraph(loaded);
    assert.equal(folded, LIBRA_PB.nodes.length - 1);
    assert.deepEqual(graph.nodes.map((n) => n.name), ['conv']);
    assert.deepEqual([...graph.constants.keys()], ['wb']);
    assert.deepEqual([...graph.values.keys()].sort(), ['wb', 'x', 'y']);
    assert.deepEqual(graph.values.get('y'), { dtype: 'float32', shape: [1, 4, 6, 6] });
    const wb = graph.constants.get('wb')!;
    for (let c = 0; c < 4; c++) {
      const channel = Array.from(wb.data.subarray(c * 27, (c + 1) * 27));
      const magnitude = Math.abs(channel[0]!);
      assert.ok(Number.isInteger(Math.log2(magnitude)), `channel ${c} scale ${magnitude} is a power of two`);
      assert.ok(channel.every((v) => Math.abs(v) === magnitude));
    }
    // onnxruntime runs the unfolded model; both our loaded and folded graphs must agree with it
    await checkAgainstOrt(LIBRA_PB, { x: randomTensor(rng, 'float32', [1, 3, 6, 6]) }, { abs: 1e-5 });
  });

  it('folds shape arithmetic on an activation (Shape -> Gather -> Unsqueeze -> Concat -> Reshape)', async () => {
    const spec: ModelSpec = {
      inputs: [{ name: 'x', dtype: 'float32', shape: [1, 3, 4, 4] }],
      outputs: [{ name: 'y', dtype: 'float32' }],
      initializers: [
        { name: 'zero', tensor: makeTensor('int64', [], [0]) },
        { name: 'axes', tensor: makeTensor('int64', [1], [0]) },
        { name: 'rest', tensor: makeTensor('int64', [1], [-1]) },
      ],
      nodes: [
        { opType: 'Relu', inputs: ['x'], outputs: ['r'] },
        { opType: 'Shape', inputs: ['r'], outputs: ['shp'] },
        { opType: 'Gather', inputs: ['shp', 'zero'], outputs: ['batch'], attrs: { axis: attr.int(0) } },
        { opType: 'Unsqueeze', inputs: ['batch', 'axes'], outputs: ['b1'] },
        { opType: 'Concat', inputs: ['b1', 'rest'], outputs: ['target'], attrs: { axis: attr.int(0) } },
        { opType: 'Reshape', inputs: ['r', 'target'], outputs: ['y'] },
      ],
    };
    const { graph, folded } = foldGraph(loadModel(encodeModel(spec), FILE));
    assert.equal(folded, 4);
    assert.deepEqual(graph.nodes.map((n) => n.opType), ['Relu', 'Reshape']);
    assert.deepEqual(Array.from(graph.constants.get('target')!.data), [1, -1]);
    assert.deepEqual(graph.values.get('y'), { dtype: 'float32', shape: [1, 48] });
    await checkAgainstOrt(spec, { x: randomTensor(rng, 'float32', [1, 3, 4, 4]) });
  });

  it('keeps a constant graph output among the constants', () => {
    const spec: ModelSpec = {
      inputs: [],
      outputs: [{ name: 'y', dtype: 'float32' }],
      initializers: [{ name: 'a', tensor: makeTensor('float32', [2], [1, 2]) }],
      nodes: [{ opType: 'Add', inputs: ['a', 'a'], outputs: ['y'] }],
    };
    const { graph } = foldGraph(loadModel(encodeModel(spec), FILE));
    assert.equal(graph.nodes.length, 0);
    assert.deepEqual([...graph.constants.keys()], ['y']);
    assert.deepEqual(Array.from(evaluateGraph(graph, new Map()).get('y')!.data), [2, 4]);
  });

  it('names the node and file when folding or inference fails', () => {
    const folding: ModelSpec = {
      inputs: [{ name: 'x', dtype: 'float32', shape: [2] }],
      outputs: [{ name: 'y', dtype: 'float32' }],
      initializers: [
        { name: 'a', tensor: makeTensor('float32', [2], [1, 2]) },
        { name: 'b', tensor: makeTensor('float32', [3], [1, 2, 3]) },
      ],
      nodes: [
        { name: 'bad', opType: 'Add', inputs: ['a', 'b'], outputs: ['c'] },
        { opType: 'Add', inputs: ['x', 'c'], outputs: ['y'] },
      ],
    };
    assert.throws(
      () => foldGraph(loadModel(encodeModel(folding), FILE)),
      (e: unknown) =>
        e instanceof BnnError && e.line() === `bnngen: ${FILE}: node bad (Add): input shapes [2] and [3] are not broadcastable`,
    );
    const inferring: ModelSpec = { ...folding, nodes: [{ name: 'late', opType: 'Add', inputs: ['x', 'b'], outputs: ['y'] }] };
    assert.throws(
      () => foldGraph(loadModel(encodeModel(inferring), FILE)),
      (e: unknown) => e instanceof BnnError && /^bnngen: irnet\.onnx: node late \(Add\): /.test(e.line()),
    );
  });
});
