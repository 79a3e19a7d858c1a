/**
 * The robustness bugs the fuzz test (fuzz.test.ts) found, one small model each: every one used to escape as a
 * TypeError, RangeError or internal Error, allocate gigabytes, or compute for seconds; now each is a one-line
 * BnnError (or, where the model is valid, a compiled program).
 */
import assert from 'node:assert/strict';
import { BnnError } from '../../src/errors.js';
import type { Tensor } from '../../src/graph/tensor.js';
import { attr, encodeModel, type ModelSpec, type NodeSpec } from '../../src/onnx/encode.js';
import { compileBytes } from '../../src/pipeline.js';
import { twoBinaryConvs } from '../helpers/bnn-models.js';

const i64 = (values: number[]): Tensor => ({ dtype: 'int64', shape: [values.length], data: Float64Array.from(values) });

/** input [1, 4, 4, 4] -> Relu -> output, plus `extra` nodes (whose results may stay unused). */
function relu(extra: { nodes?: NodeSpec[]; initializers?: ModelSpec['initializers'] } = {}): ModelSpec {
  return {
    inputs: [{ name: 'x', dtype: 'float32', shape: [1, 4, 4, 4] }],
    outputs: [{ name: 'y', dtype: 'float32' }],
    initializers: extra.initializers ?? [],
    nodes: [{ name: 'act', opType: 'Relu', inputs: ['x'], outputs: ['y'] }, ...(extra.nodes ?? [])],
  };
}

/** Compiles `spec`, expecting a BnnError whose one-line message matches `pattern`, within `ms`. */
function refuses(spec: ModelSpec, pattern: RegExp, ms = 1000): void {
  const start = performance.now();
  assert.throws(
    () => compileBytes(encodeModel(spec), 'm.onnx'),
    (e: unknown) => {
      assert.ok(e instanceof BnnError, `not a BnnError: ${e instanceof Error ? e.stack : String(e)}`);
      assert.match(e.line(), pattern);
      assert.doesNotMatch(e.line(), /\n/);
      return true;
    },
  );
  assert.ok(performance.now() - start < ms, `took ${(performance.now() - start).toFixed(0)} ms`);
}

const constantOfShape = (name: string, shape: string, value?: Tensor): NodeSpec => ({
  name, opType: 'ConstantOfShape', inputs: [shape], outputs: [name], attrs: value ? { value: attr.tensor(value) } : {},
});

describe('fuzz regressions: hostile models are refused with a BnnError, quickly', () => {
  it('a folded tensor of 2^42 elements (ConstantOfShape) is refused before allocation', () => {
    const spec = relu({
      initializers: [{ name: 'shape', tensor: i64([2 ** 14, 2 ** 14, 2 ** 14]) }],
      nodes: [constantOfShape('big', 'shape')],
    });
    refuses(spec, /node big \(ConstantOfShape\): output 'big' of shape \[16384,16384,16384\] is too large/);
  });

  it('an empty tensor padded to a 2^40-long dimension is refused (its per-axis index tables would be huge)', () => {
    const spec = relu({
      initializers: [{ name: 'shape', tensor: i64([3, 0, 2]) }, { name: 'pads', tensor: i64([0, 0, 2 ** 40, 0, 0, 0]) }],
      nodes: [constantOfShape('empty', 'shape'), { name: 'pad', opType: 'Pad', inputs: ['empty', 'pads'], outputs: ['p'] }],
    });
    refuses(spec, /node pad \(Pad\): output 'p' of shape \[3,0,1099511627778\] is too large/);
  });

  it('a graph input of 2^40 elements is refused', () => {
    const spec = { ...relu(), inputs: [{ name: 'x', dtype: 'float32' as const, shape: [1, 2 ** 20, 2 ** 20] }] };
    refuses(spec, /input 'x' of shape \[1,1048576,1048576\] is too large/);
  });

  it('constant folding that would take 2^30 multiply-adds (MatMul of 1024x1024 constants) is refused', () => {
    const spec = relu({
      initializers: [{ name: 'shape', tensor: i64([1024, 1024]) }],
      nodes: [constantOfShape('m', 'shape'), { name: 'mm', opType: 'MatMul', inputs: ['m', 'm'], outputs: ['p'] }],
    });
    refuses(spec, /node mm \(MatMul\): constant folding would take more than \d+ operations/);
  });

  it('folded constants beyond the byte limit are refused (eight 32 MB int64 tensors)', () => {
    const nodes = Array.from({ length: 8 }, (_, k) => constantOfShape(`c${k}`, 'shape', i64([1])));
    const spec = relu({ initializers: [{ name: 'shape', tensor: i64([2048, 2048]) }], nodes });
    // Seven fit (224 MB); the eighth, with the shape initializer's 16 bytes, would pass 256 MB.
    refuses(spec, /node c7 \(ConstantOfShape\): constants would need more than \d+ bytes once folded/, 5000);
  });

  it('a node listing more outputs than its op has (Sign, and Shape, which folds from types) is refused', () => {
    refuses(
      relu({ nodes: [{ name: 's', opType: 'Sign', inputs: ['y'], outputs: ['s0', 's1'] }] }),
      /node s \(Sign\): Sign has 1 output\(s\), the node lists 2/,
    );
    refuses(
      relu({ nodes: [{ name: 'sh', opType: 'Shape', inputs: ['x'], outputs: ['sh0', 'sh1'] }] }),
      /node sh \(Shape\): Shape has 1 output\(s\), the node lists 2/,
    );
  });

  it('two graph inputs or two graph outputs are refused', () => {
    const one = relu();
    const inputs = [...one.inputs, { name: 'x2', dtype: 'float32' as const, shape: [1, 4] }];
    refuses({ ...one, inputs }, /exactly one model input \(got 2\)/);
    refuses({ ...one, outputs: [...one.outputs, { name: 'x', dtype: 'float32' }] }, /exactly one model output \(got 2\)/);
  });

  it('window attributes beyond the int32 geometry of the C (MaxPool stride 2^62, Conv pad 2^40) are refused', () => {
    const pool = relu({
      nodes: [{
        name: 'pool', opType: 'MaxPool', inputs: ['y'], outputs: ['p'],
        attrs: { kernel_shape: attr.ints([2, 2]), strides: attr.ints([1, 2 ** 62]) },
      }],
    });
    refuses({ ...pool, outputs: [{ name: 'p', dtype: 'float32' }] }, /node pool \(MaxPool\): attribute 'strides'/);
    const spec = twoBinaryConvs(1, 3, 6, 6, { channels: 8, kernel: 3, pad: 1 });
    const hugePads = { pads: attr.ints([0, 0, 2 ** 40, 0]) };
    const padded = spec.nodes.map((n) => (n.name === 'bconv1' ? { ...n, attrs: { ...n.attrs, ...hugePads } } : n));
    refuses({ ...spec, nodes: padded }, /node bconv1 \(Conv\): attribute 'pads' needs 4 integers from 0 to/);
  });

  it('a layer reading a reshaped [C, H, W] activation is refused (it used to fail lowered-program validation)', () => {
    const spec = twoBinaryConvs(1, 3, 4, 4, { channels: 8, kernel: 3, pad: 1 });
    const nodes: NodeSpec[] = [
      ...spec.nodes.map((n) => (n.name === 'bn2' ? { ...n, outputs: ['b2'] } : n)),
      { name: 'flatten', opType: 'Flatten', inputs: ['b2'], outputs: ['flat'] },
      { name: 'act', opType: 'Relu', inputs: ['flat'], outputs: ['output'] },
    ];
    refuses({ ...spec, nodes }, /node act \(Relu\): input 'flat' is a \[8,4,4\] activation reshaped to \[128,1,1\]/);
    // A reshape as the very last step stays fine: same memory order.
    const last = nodes.filter((n) => n.name !== 'act').map((n) => (n.name === 'flatten' ? { ...n, outputs: ['output'] } : n));
    assert.deepEqual(compileBytes(encodeModel({ ...spec, nodes: last }), 'm.onnx').program.output.shape, [1, 128]);
  });

  it('repeated node names are made unique (one name for two binary convs used to mix up their weights)', () => {
    const spec = twoBinaryConvs(1, 3, 6, 6, { channels: 8, kernel: 3, pad: 1 });
    const nodes = spec.nodes.map((n) => (n.name === 'bconv1' ? { ...n, name: 'bconv2' } : n));
    const compiled = compileBytes(encodeModel({ ...spec, nodes }), 'm.onnx');
    assert.deepEqual(compiled.binarized.verdicts.map((v) => [v.node, v.binary]), [['bconv2', true], ['bconv2#4', true]]);
  });

  it('a Slice step of 2^62 on an activation compiles, with a step the C geometry can hold', () => {
    const spec = relu({
      initializers: [
        { name: 'starts', tensor: i64([0]) }, { name: 'ends', tensor: i64([4]) },
        { name: 'axes', tensor: i64([2]) }, { name: 'steps', tensor: i64([2 ** 62]) },
      ],
      nodes: [{ name: 'slice', opType: 'Slice', inputs: ['y', 'starts', 'ends', 'axes', 'steps'], outputs: ['z'] }],
    });
    const compiled = compileBytes(encodeModel({ ...spec, outputs: [{ name: 'z', dtype: 'float32' }] }), 'm.onnx');
    const step = compiled.program.steps.find((s) => s.kernel === 'remap_f32');
    assert.ok(step && step.kernel === 'remap_f32');
    assert.deepEqual(compiled.program.output.shape, [1, 4, 1, 4]);
    assert.ok(step.step.every((s) => s <= 4), `steps [${step.step}]`);
  });

  it('names from a corrupt file holding line breaks stay on one error line', () => {
    const spec = relu({ nodes: [{ name: 'n', opType: 'Relu', inputs: ['no\nwhere\u0007'], outputs: ['z'] }] });
    refuses(spec, /input 'no\\nwhere\\u0007' is not produced/);
  });

  it('a negative input dimension is named as such', () => {
    const inputs = [{ name: 'x', dtype: 'float32' as const, shape: [1, 4, -4, 4] }];
    refuses({ ...relu(), inputs }, /input 'x' dim 2 is negative \(-4\)/);
  });
});
