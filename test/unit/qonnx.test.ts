/**
 * QONNX / Brevitas models: BipolarQuant semantics (0 -> +1, no tie), its domains (also missing from the opset
 * imports), weights as float + BipolarQuant in every layout, initializers listed as graph inputs, a flattened
 * input, input pre-processing and a decomposed final BatchNorm folded into one affine.
 */
import assert from 'node:assert/strict';
import { BnnError } from '../../src/errors.js';
import { evaluateGraph } from '../../src/graph/evaluate.js';
import type { Tensor } from '../../src/graph/tensor.js';
import { executeProgram } from '../../src/lowered/execute.js';
import { attr, encodeModel, type ModelSpec, type NodeSpec } from '../../src/onnx/encode.js';
import { bipolarQuant } from '../../src/ops/bipolarquant.js';
import { loadModel } from '../../src/phases/1-load/load.js';
import { foldAffineChains } from '../../src/phases/2-fold/affine-chains.js';
import { flattenInput } from '../../src/phases/2-fold/flat-input.js';
import { foldGraph } from '../../src/phases/2-fold/fold.js';
import { binarize } from '../../src/phases/3-binarize/binarize.js';
import { emitC } from '../../src/phases/7-emit/emit.js';
import { compileBytes } from '../../src/pipeline.js';
import { loadTarget } from '../../src/targets/load.js';
import { argmax } from '../../src/verify.js';
import { f32 } from '../helpers/bnn-models.js';
import { runOrt } from '../helpers/ort-check.js';
import { mlpInputs, qonnxTwin, tfcW1A1 } from '../helpers/qonnx-models.js';
import { makeRng } from '../helpers/random.js';

const node = (domain = 'qonnx.custom_op.general') => ({ name: 'bq', opType: 'BipolarQuant', domain, inputs: ['x', 's'], outputs: ['y'], attrs: {} });


/** The spec with every activation BipolarQuant replaced by ONNX Sign (same model, but sign(0) = 0). */
function withSignActivations(spec: ModelSpec): ModelSpec {
  const weights = new Set((spec.initializers ?? []).map((t) => t.name));
  return {
    ...spec,
    nodes: spec.nodes.map((n): NodeSpec => (n.opType === 'BipolarQuant' && !weights.has(n.inputs[0]!) && !n.inputs[0]!.startsWith('wt')
      ? { name: n.name, opType: 'Sign', inputs: [n.inputs[0]!], outputs: n.outputs }
      : n)),
  };
}

describe('QONNX BipolarQuant: reference semantics', () => {
  it('maps x >= 0 (both zeros) to +scale and x < 0 and NaN to -scale', () => {
    const x = f32([1, 8], [0, -0, 1e-45, -1e-45, Infinity, -Infinity, Number.NaN, -3.5]);
    const [y] = bipolarQuant.evaluate(node(), [x, f32([], [0.25])], { opset: 1 });
    assert.deepEqual(Array.from(y!.data), [0.25, 0.25, 0.25, -0.25, 0.25, -0.25, -0.25, -0.25]);
    assert.deepEqual(y!.shape, [1, 8]);
  });

  it('broadcasts a per-channel scale and keeps the input shape', () => {
    const x = f32([1, 2, 2], [1, -1, 0, -2]);
    const [y] = bipolarQuant.evaluate(node(), [x, f32([2, 1], [2, 3])], { opset: 1 });
    assert.deepEqual(Array.from(y!.data), [2, -2, 3, -3]);
    const info = bipolarQuant.infer(node(), [{ dtype: 'float32', shape: [1, 2, 2] }, { dtype: 'float32', shape: [2, 1] }], { opset: 1, constant: () => undefined });
    assert.deepEqual(info[0]!.shape, [1, 2, 2]);
  });

  it('refuses a scale that would enlarge the output, and a missing scale', () => {
    const ctx = { opset: 1, constant: () => undefined };
    assert.throws(() => bipolarQuant.infer(node(), [{ dtype: 'float32', shape: [1, 2] }, { dtype: 'float32', shape: [3, 2] }], ctx), /does not broadcast/);
    assert.throws(() => bipolarQuant.infer({ ...node(), inputs: ['x'] }, [{ dtype: 'float32', shape: [1, 2] }], ctx), /takes 2 inputs/);
  });

  it('equals its standard-ONNX twin in onnxruntime bit for bit (zeros included)', async () => {
    const r = makeRng(7);
    const data = Float32Array.from({ length: 257 }, (_, i) => (i % 5 === 0 ? (i % 10 === 0 ? 0 : -0) : r.uniform(-3, 3)));
    const spec: ModelSpec = {
      opsets: { '': 13, 'qonnx.custom_op.general': 1 },
      inputs: [{ name: 'x', dtype: 'float32', shape: [1, 257] }],
      outputs: [{ name: 'y', dtype: 'float32' }],
      initializers: [{ name: 's', tensor: f32([], [0.75]) }],
      nodes: [{ ...node(), attrs: undefined }],
    };
    const x: Tensor = { dtype: 'float32', shape: [1, 257], data };
    const theirs = (await runOrt(encodeModel(qonnxTwin(spec)), { x })).get('y')!;
    const ours = evaluateGraph(loadModel(encodeModel(spec), 'bq.onnx'), new Map([['x', x]])).get('y')!;
    assert.deepEqual(Array.from(ours.data), Array.from(theirs.data));
  });
});

describe('QONNX binary MLP (TFC-w1a1 shape)', () => {
  const spec = tfcW1A1(1);
  const bytes = encodeModel(spec);
  const compiled = compileBytes(bytes, 'tfc.onnx');

  it('binarizes all four MatMuls with BipolarQuant inputs; the weight scale 0.5 is in layer 1', () => {
    const v = compiled.binarized.verdicts;
    assert.deepEqual(v.map((x) => [x.node, x.binary]), [['MatMul_0', true], ['MatMul_1', true], ['MatMul_2', true], ['MatMul_3', true]]);
    assert.ok(v.every((x) => x.reason.startsWith('BipolarQuant input, ±s weights')), v.map((x) => x.reason).join('; '));
    assert.ok(compiled.binarized.binary.get('MatMul_1')!.scales.every((s) => s === 0.5));
    assert.ok(compiled.binarized.binary.get('MatMul_0')!.scales.every((s) => s === 1));
  });

  it('lowers to pre-processing affine, pack_sign, three threshold layers and one affine layer with TensorNorm folded', () => {
    const steps = compiled.program.steps;
    assert.deepEqual(steps.map((s) => s.kernel), ['affine_f32', 'pack_sign', 'bconv2d', 'bconv2d', 'bconv2d', 'bconv2d']);
    assert.deepEqual(steps.map((s) => (s.kernel === 'bconv2d' ? s.epilogue.kind : '-')), ['-', '-', 'threshold', 'threshold', 'threshold', 'affine']);
    assert.equal(steps[5]!.origin, 'MatMul_3 + Sub_tn + Div_tn + Mul_tn + Add_tn');
    assert.equal(steps[0]!.origin, 'Mul_0 + Sub_0');
    assert.deepEqual(compiled.program.input.shape, [1, 784], 'the program takes the flattened input flat');
    assert.deepEqual(compiled.folded.values.get('global_in')!.shape, [1, 1, 28, 28], 'the float reference keeps the model input');
  });

  it('the lowered program follows the float reference (the model as written) to top-1 on every input', () => {
    const n = 40;
    const x = mlpInputs(3, n);
    let maxDiff = 0;
    for (let s = 0; s < n; s++) {
      const input = x.subarray(s * 784, (s + 1) * 784);
      const ref = evaluateGraph(compiled.folded, new Map([['global_in', { dtype: 'float32' as const, shape: [1, 1, 28, 28], data: Float32Array.from(input) }]])).get('global_out')!.data;
      const out = executeProgram(compiled.program, input);
      assert.equal(argmax(out, 0, 10), argmax(Float32Array.from(ref), 0, 10), `sample ${s}`);
      for (let i = 0; i < 10; i++) maxDiff = Math.max(maxDiff, Math.abs(out[i]! - ref[i]!));
    }
    assert.ok(maxDiff < 1e-5, `max |diff| ${maxDiff}`);
  });

  it('the float reference agrees with onnxruntime running the standard-ONNX twin', async () => {
    const twin = encodeModel(qonnxTwin(spec));
    const x = mlpInputs(4, 16);
    for (let s = 0; s < 16; s++) {
      const data = x.slice(s * 784, (s + 1) * 784);
      const theirs = (await runOrt(twin, { global_in: { dtype: 'float32', shape: [1, 1, 28, 28], data } })).get('global_out')!;
      const ours = evaluateGraph(compiled.loaded, new Map([['global_in', { dtype: 'float32' as const, shape: [1, 1, 28, 28], data }]])).get('global_out')!;
      for (let i = 0; i < 10; i++) assert.ok(Math.abs(ours.data[i]! - theirs.data[i]!) <= 1e-5 * (1 + Math.abs(theirs.data[i]!)), `sample ${s} logit ${i}: ${ours.data[i]} vs ${theirs.data[i]}`);
    }
  });

  it('the float path (bench) computes BipolarQuant with standard kernels, zeros -> +1 included', () => {
    const float = compileBytes(bytes, 'tfc.onnx', { binarize: false });
    assert.ok(!float.program.steps.some((s) => s.kernel === 'pack_sign' || s.kernel === 'bconv2d'));
    const x = mlpInputs(6, 8);
    for (let s = 0; s < 8; s++) {
      const input = x.subarray(s * 784, (s + 1) * 784);
      const want = evaluateGraph(compiled.folded, new Map([['global_in', { dtype: 'float32' as const, shape: [1, 1, 28, 28], data: Float32Array.from(input) }]])).get('global_out')!.data;
      const got = executeProgram(float.program, input);
      for (let i = 0; i < 10; i++) assert.ok(Math.abs(got[i]! - want[i]!) <= 1e-5 * (1 + Math.abs(want[i]!)), `sample ${s} logit ${i}: ${got[i]} vs ${want[i]}`);
    }
  });

  it('exact zeros at BipolarQuant are not ties; the same model with ONNX Sign counts them', () => {
    const x = mlpInputs(5, 4);
    const bq = { signTies: 0 };
    const sign = { signTies: 0 };
    const withSign = compileBytes(encodeModel(withSignActivations(spec)), 'tfc-sign.onnx');
    for (let s = 0; s < 4; s++) {
      const input = x.subarray(s * 784, (s + 1) * 784);
      const a = executeProgram(compiled.program, input, bq);
      const b = executeProgram(withSign.program, input, sign);
      assert.deepEqual(Array.from(a), Array.from(b), 'Sign and BipolarQuant pack zeros alike (+1)');
    }
    assert.equal(bq.signTies, 0);
    // Pixels of 0.5 (2x - 1 = 0) and the gamma = beta = 0 channel of every hidden BatchNorm are exact zeros.
    assert.ok(sign.signTies > 4 * 3, `ties with Sign: ${sign.signTies}`);
  });

  it('loads BipolarQuant from onnx.brevitas and finn.custom_op.general, also when the domain is not imported', () => {
    const target = loadTarget('cortex-m4');
    const reference = emitC(compiled.program, target);
    for (const domain of ['onnx.brevitas', 'finn.custom_op.general', 'qonnx.custom_op.general']) {
      const other = compileBytes(encodeModel(tfcW1A1(1, { domain, importDomain: false })), `${domain}.onnx`);
      assert.equal(other.loaded.opsets.get(domain), 1, 'a domain missing from the imports gets version 1');
      const c = emitC(other.program, target);
      for (const [name, text] of reference) assert.ok(c.get(name) === text, `${domain}: ${name} differs`);
    }
  });

  it('treats initializers listed as graph inputs as constants', () => {
    const listed = compileBytes(encodeModel(tfcW1A1(1, { initializersAsInputs: true })), 'listed.onnx');
    assert.deepEqual(listed.loaded.inputs, ['global_in']);
    assert.equal(listed.binarized.binary.size, 4);
    const target = loadTarget('cortex-m4');
    const a = emitC(listed.program, target);
    for (const [name, text] of emitC(compiled.program, target)) assert.ok(a.get(name) === text, `${name} differs`);
  });

  it('BipolarQuant in an unknown domain is refused, naming the domains it is supported from', () => {
    const bad = encodeModel(tfcW1A1(1, { domain: 'com.example' }));
    assert.throws(() => loadModel(bad, 'bad.onnx'), (e: unknown) =>
      e instanceof BnnError && /unsupported operator 'com\.example\.BipolarQuant' \(node BipolarQuant_in, inputs pre, act_scale\) \(BipolarQuant is supported from domains 'onnx\.brevitas', 'qonnx\.custom_op\.general', 'finn\.custom_op\.general'\)/.test(e.reason));
  });

  it('an activation BipolarQuant whose scale is not positive keeps its layer real, saying why', () => {
    const negative: ModelSpec = { ...spec, initializers: spec.initializers!.map((t) => (t.name === 'act_scale' ? { ...t, tensor: f32([], [-1]) } : t)) };
    const verdicts = binarize(foldGraph(loadModel(encodeModel(negative), 'neg.onnx')).graph).verdicts;
    assert.match(verdicts[0]!.reason, /input is BipolarQuant but the BipolarQuant scale is -1, not a positive finite number/);
    assert.throws(() => compileBytes(encodeModel(negative), 'neg.onnx'), /BipolarQuant output feeds 'MatMul_0' \(MatMul\), which is not a binary layer/);
  });
});

describe('an input that is only flattened is taken flat', () => {
  const model = (nodes: NodeSpec[], shape = [1, 2, 3, 4]): ModelSpec => ({
    inputs: [{ name: 'x', dtype: 'float32', shape }],
    outputs: [{ name: 'y', dtype: 'float32' }],
    initializers: [{ name: 'to', tensor: { dtype: 'int64', shape: [2], data: Float64Array.from([0, -1]) } }, { name: 'w', tensor: f32([], [2]) }],
    nodes,
  });
  const flatShape = (spec: ModelSpec) => {
    const g = flattenInput(foldGraph(loadModel(encodeModel(spec), 'flat.onnx')).graph);
    return { shape: g.values.get('x')!.shape, ops: g.nodes.map((n) => n.opType) };
  };

  it('Flatten (axis 1) and Reshape to [1, N] become an Identity on a [1, N] input', () => {
    assert.deepEqual(flatShape(model([{ opType: 'Flatten', inputs: ['x'], outputs: ['f'] }, { opType: 'Mul', inputs: ['f', 'w'], outputs: ['y'] }])), { shape: [1, 24], ops: ['Identity', 'Mul'] });
    assert.deepEqual(flatShape(model([{ opType: 'Reshape', inputs: ['x', 'to'], outputs: ['f'] }, { opType: 'Mul', inputs: ['f', 'w'], outputs: ['y'] }])), { shape: [1, 24], ops: ['Identity', 'Mul'] });
  });

  it('leaves other reshapes, inputs with other consumers and batch > 1 alone', () => {
    assert.deepEqual(flatShape(model([{ opType: 'Flatten', inputs: ['x'], outputs: ['f'], attrs: { axis: attr.int(2) } }, { opType: 'Mul', inputs: ['f', 'w'], outputs: ['y'] }])).ops, ['Flatten', 'Mul']);
    assert.deepEqual(flatShape(model([
      { opType: 'Flatten', inputs: ['x'], outputs: ['f'] },
      { opType: 'Mul', inputs: ['x', 'w'], outputs: ['y'] },
    ])).shape, [1, 2, 3, 4]);
    assert.deepEqual(flatShape(model([{ opType: 'Flatten', inputs: ['x'], outputs: ['y'] }], [2, 3, 4])).shape, [2, 3, 4]);
  });
});

describe('decomposed BatchNorm chains -> one BatchNormalization', () => {
  const chainModel = (nodes: NodeSpec[], consts: Record<string, Tensor>): ModelSpec => ({
    inputs: [{ name: 'x', dtype: 'float32', shape: [1, 3, 2, 2] }],
    outputs: [{ name: 'y', dtype: 'float32' }],
    initializers: Object.entries(consts).map(([name, tensor]) => ({ name, tensor })),
    nodes,
  });
  const run = (spec: ModelSpec, input: Tensor) => {
    const g = foldGraph(loadModel(encodeModel(spec), 'chain.onnx')).graph;
    const rewritten = foldAffineChains(g);
    return { g, rewritten, before: evaluateGraph(g, new Map([['x', input]])).get('y')!, after: evaluateGraph(rewritten, new Map([['x', input]])).get('y')! };
  };
  const input: Tensor = f32([1, 3, 2, 2], Array.from({ length: 12 }, (_, i) => i * 0.37 - 2));

  it('composes Sub, Div, Mul, Add with per-channel and scalar constants (both operand orders)', () => {
    const spec = chainModel([
      { opType: 'Sub', inputs: ['x', 'm'], outputs: ['a'] },
      { opType: 'Div', inputs: ['a', 'd'], outputs: ['b'] },
      { opType: 'Sub', inputs: ['k', 'b'], outputs: ['c'] },
      { opType: 'Mul', inputs: ['w', 'c'], outputs: ['e'] },
      { opType: 'Add', inputs: ['e', 'bias'], outputs: ['y'] },
    ], { m: f32([1, 3, 1, 1], [0.5, -1, 2]), d: f32([], [3]), k: f32([3, 1, 1], [1, 2, 3]), w: f32([1], [-1.5]), bias: f32([3, 1, 1], [0.25, 0, -4]) });
    const { rewritten, before, after } = run(spec, input);
    assert.deepEqual(rewritten.nodes.map((n) => n.opType), ['BatchNormalization']);
    for (let i = 0; i < 12; i++) assert.ok(Math.abs(before.data[i]! - after.data[i]!) <= 1e-6 * (1 + Math.abs(before.data[i]!)), `element ${i}`);
  });

  it('leaves single ops, constant / x, branching chains and non-channel constants alone', () => {
    const single = chainModel([{ opType: 'Mul', inputs: ['x', 'w'], outputs: ['y'] }], { w: f32([], [2]) });
    assert.deepEqual(run(single, input).rewritten.nodes.map((n) => n.opType), ['Mul']);
    const reciprocal = chainModel([
      { opType: 'Div', inputs: ['w', 'x'], outputs: ['a'] },
      { opType: 'Mul', inputs: ['a', 'w'], outputs: ['y'] },
    ], { w: f32([], [2]) });
    assert.deepEqual(run(reciprocal, input).rewritten.nodes.map((n) => n.opType), ['Div', 'Mul']);
    const branching = chainModel([
      { opType: 'Mul', inputs: ['x', 'w'], outputs: ['a'] },
      { opType: 'Add', inputs: ['a', 'w'], outputs: ['b'] },
      { opType: 'Add', inputs: ['a', 'b'], outputs: ['y'] },
    ], { w: f32([], [2]) });
    assert.deepEqual(run(branching, input).rewritten.nodes.map((n) => n.opType), ['Mul', 'Add', 'Add']);
    const spatial = chainModel([
      { opType: 'Mul', inputs: ['x', 'w'], outputs: ['a'] },
      { opType: 'Add', inputs: ['a', 'w'], outputs: ['y'] },
    ], { w: f32([2, 1], [1, 2]) });
    assert.deepEqual(run(spatial, input).rewritten.nodes.map((n) => n.opType), ['Mul', 'Add']);
  });
});
