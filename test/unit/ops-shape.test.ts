/**
 * Pooling, shape and reduction ops: single-op models (random data, fixed and random attributes) run by
 * onnxruntime-node and by bnngen (loaded and folded graph, via test/helpers/ort-check.ts); plus direct infer()
 * checks and the refusals' messages.
 */
import assert from 'node:assert/strict';
import { BnnError } from '../../src/errors.js';
import type { AttrValue, Node, ValueInfo } from '../../src/graph/graph.js';
import { makeTensor, type DType, type Tensor } from '../../src/graph/tensor.js';
import { attr, type ModelSpec } from '../../src/onnx/encode.js';
import { findOp } from '../../src/ops/index.js';
import type { OpDef } from '../../src/ops/op.js';
import { checkAgainstOrt } from '../helpers/ort-check.js';
import { makeRng, randomTensor } from '../helpers/random.js';

const rng = makeRng(2024);
const randomOf = (shape: number[], dtype: DType = 'float32', lo = -3, hi = 3) => randomTensor(rng, dtype, shape, lo, hi);
const ints = (values: number[]) => makeTensor('int64', [values.length], values);
const INT64_MIN = -(2 ** 63);
/** INT64_MAX itself is not representable as a double that encodes back to int64; 2^62 clamps the same way. */
const HUGE = 2 ** 62;

interface Operand {
  readonly tensor: Tensor;
  /** A compile-time constant (initializer) rather than a graph input. */
  readonly constant?: boolean;
}

/** A random graph input, and a constant operand. */
const x = (shape: number[], dtype: DType = 'float32'): Operand => ({ tensor: randomOf(shape, dtype) });
const k = (t: Tensor): Operand => ({ tensor: t, constant: true });

interface Case {
  readonly op: string;
  readonly opset?: number;
  readonly attrs?: Record<string, AttrValue>;
  /** undefined marks an omitted optional input. */
  readonly inputs: readonly (Operand | undefined)[];
  /** Relative tolerance for float outputs (absolute stays 1e-6). */
  readonly rel?: number;
}

function opDef(type: string): OpDef {
  const def = findOp(type, '');
  assert.ok(def, `${type} is registered`);
  return def;
}

/** The case as a one-node model: constants become initializers, the rest graph inputs fed with their values. */
function caseModel(c: Case): { spec: ModelSpec; feeds: Record<string, Tensor> } {
  const opset = c.opset ?? 13;
  const names = c.inputs.map((op, i) => (op ? `in${i}` : ''));
  const name = `${c.op}_under_test`;
  const node: Node = { name, opType: c.op, domain: '', inputs: names, outputs: ['out'], attrs: c.attrs ?? {} };
  const constant = (i: number) => (c.inputs[i]?.constant ? c.inputs[i]!.tensor : undefined);
  // The declared output type comes from our infer; onnxruntime refuses the model if it disagrees.
  const [out] = opDef(c.op).infer(node, c.inputs.map((op) => op?.tensor), { opset, constant });
  const present = c.inputs.flatMap((op, i) => (op ? [{ name: names[i]!, ...op }] : []));
  const fed = present.filter((e) => !e.constant);
  return {
    spec: {
      opsets: { '': opset },
      inputs: fed.map((e) => ({ name: e.name, dtype: e.tensor.dtype, shape: e.tensor.shape })),
      initializers: present.filter((e) => e.constant).map((e) => ({ name: e.name, tensor: e.tensor })),
      outputs: [{ name: 'out', dtype: out!.dtype }],
      nodes: [{ opType: c.op, name, inputs: names, outputs: ['out'], attrs: c.attrs }],
    },
    feeds: Object.fromEntries(fed.map((e) => [e.name, e.tensor])),
  };
}

/** onnxruntime vs bnngen (loaded and folded graph): dtype, shape, values (integers exactly). */
async function check(c: Case): Promise<void> {
  const { spec, feeds } = caseModel(c);
  await checkAgainstOrt(spec, feeds, c.rel === undefined ? {} : { rel: c.rel });
}

interface PoolOptions {
  readonly kernel: number[];
  readonly strides?: number[];
  readonly pads?: number[];
  readonly dilations?: number[];
  readonly ceil?: boolean;
  readonly autoPad?: string;
  readonly includePad?: boolean;
}

function poolAttrs(o: PoolOptions): Record<string, AttrValue> {
  const a: Record<string, AttrValue> = { kernel_shape: attr.ints(o.kernel) };
  if (o.strides) a['strides'] = attr.ints(o.strides);
  if (o.pads) a['pads'] = attr.ints(o.pads);
  if (o.dilations) a['dilations'] = attr.ints(o.dilations);
  if (o.ceil) a['ceil_mode'] = attr.int(1);
  if (o.autoPad) a['auto_pad'] = attr.string(o.autoPad);
  if (o.includePad) a['count_include_pad'] = attr.int(1);
  return a;
}

describe('ops: pooling', () => {
  const maxPoolCases: [string, number[], PoolOptions, number?][] = [
    ['3x3 stride 2 pad 1', [1, 2, 7, 7], { kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }],
    ['2x3 ceil_mode', [1, 3, 8, 9], { kernel: [2, 3], strides: [2, 2], ceil: true }, 12],
    ['ceil_mode drops a window starting in the end pad', [1, 1, 5, 5],
      { kernel: [2, 2], strides: [2, 2], pads: [1, 1, 1, 1], ceil: true }, 12],
    ['dilation 2, asymmetric pads', [1, 2, 9, 9], { kernel: [3, 3], dilations: [2, 2], pads: [1, 2, 1, 0] }, 12],
    ['SAME_UPPER stride 2', [1, 1, 8, 7], { kernel: [3, 3], strides: [2, 2], autoPad: 'SAME_UPPER' }],
    ['SAME_LOWER', [1, 2, 5, 6], { kernel: [2, 2], autoPad: 'SAME_LOWER' }],
    ['SAME_LOWER stride 2 with ceil_mode', [1, 2, 9, 8],
      { kernel: [3, 3], strides: [2, 2], autoPad: 'SAME_LOWER', ceil: true }, 12],
    ['VALID stride 3', [2, 2, 10, 8], { kernel: [3, 2], strides: [3, 3], autoPad: 'VALID' }],
    ['VALID with ceil_mode', [1, 2, 9, 8], { kernel: [2, 3], strides: [2, 2], autoPad: 'VALID', ceil: true }, 12],
    ['1-D', [1, 4, 11], { kernel: [3], strides: [2], pads: [1, 0] }],
    ['opset 9 plain 2x2', [1, 3, 6, 6], { kernel: [2, 2], strides: [2, 2] }, 9],
  ];
  for (const [label, shape, o, opset] of maxPoolCases) {
    it(`MaxPool ${label}`, () => check({ op: 'MaxPool', opset, attrs: poolAttrs(o), inputs: [x(shape)] }));
  }

  const averagePoolCases: [string, number[], PoolOptions, number?][] = [
    ['pads, count_include_pad 0', [1, 2, 7, 6], { kernel: [3, 3], pads: [1, 1, 1, 1] }],
    ['pads, count_include_pad 1', [1, 2, 7, 6], { kernel: [3, 3], pads: [1, 1, 1, 1], includePad: true }],
    ['ceil_mode overhang, count_include_pad 1', [1, 2, 6, 6],
      { kernel: [3, 3], strides: [2, 2], ceil: true, includePad: true }],
    ['ceil_mode overhang with pads, count_include_pad 1', [1, 1, 7, 8],
      { kernel: [3, 2], strides: [2, 3], pads: [1, 0, 0, 1], ceil: true, includePad: true }],
    ['ceil_mode, count_include_pad 0', [1, 2, 6, 7], { kernel: [2, 2], strides: [2, 2], ceil: true }],
    ['SAME_UPPER stride 2', [1, 3, 7, 7], { kernel: [3, 3], strides: [2, 2], autoPad: 'SAME_UPPER' }],
    ['8x8 window on 8x8', [2, 4, 8, 8], { kernel: [8, 8] }, 11],
    ['opset 19 dilations', [1, 2, 9, 9], { kernel: [2, 2], dilations: [2, 3], pads: [1, 1, 0, 1] }, 19],
  ];
  for (const [label, shape, o, opset] of averagePoolCases) {
    it(`AveragePool ${label}`, () => check({ op: 'AveragePool', opset, attrs: poolAttrs(o), inputs: [x(shape)] }));
  }

  it('random MaxPool/AveragePool geometries (kernel, stride, pads, dilation, ceil_mode, count_include_pad)', async () => {
    const r = makeRng(77);
    for (let t = 0; t < 30; t++) {
      const average = t % 2 === 1;
      const kernel = Array.from({ length: r.pick([1, 2, 2]) }, () => r.int(1, 4));
      // AveragePool has dilations from opset 19 only: give them to every other AveragePool case.
      const dilations = kernel.map((kk) => (kk > 1 && (!average || t % 4 === 1) ? r.int(1, 2) : 1));
      const extent = kernel.map((kk, i) => (kk - 1) * dilations[i]! + 1);
      // pads < kernel (onnxruntime's rule) and input >= extent keep every window non-empty.
      const o: PoolOptions = {
        kernel,
        strides: kernel.map(() => r.int(1, 3)),
        pads: [...kernel, ...kernel].map((kk) => r.int(0, kk - 1)),
        dilations: dilations.some((d) => d > 1) ? dilations : undefined,
        ceil: r.next() < 0.5,
        includePad: average && r.next() < 0.5,
      };
      const shape = [1, r.int(1, 3), ...extent.map((e) => r.int(e, e + 8))];
      const opset = average ? (o.dilations ? 19 : 11) : 12;
      await check({ op: average ? 'AveragePool' : 'MaxPool', opset, attrs: poolAttrs(o), inputs: [x(shape)] });
    }
  });

  it('GlobalAveragePool over 2-D and 1-D spatial axes', async () => {
    await check({ op: 'GlobalAveragePool', inputs: [x([2, 3, 5, 7])] });
    await check({ op: 'GlobalAveragePool', inputs: [x([1, 4, 9])] });
  });
});

describe('ops: shape and data movement', () => {
  it('Flatten on every axis', async () => {
    for (const axis of [0, 1, 2, 4, -1, -3]) {
      await check({ op: 'Flatten', attrs: { axis: attr.int(axis) }, inputs: [x([2, 3, 4, 5])] });
    }
  });

  it('Reshape with 0, -1 and allowzero', async () => {
    await check({ op: 'Reshape', inputs: [x([2, 3, 4]), k(ints([0, -1]))] });
    await check({ op: 'Reshape', inputs: [x([2, 3, 4]), k(ints([-1]))] });
    await check({ op: 'Reshape', inputs: [x([2, 3, 4], 'int64'), k(ints([4, 0, 2]))] });
    await check({ op: 'Reshape', inputs: [x([1, 6, 1, 1]), k(ints([0, -1]))] });
    await check({ op: 'Reshape', opset: 14, attrs: { allowzero: attr.int(1) }, inputs: [x([2, 6]), k(ints([3, 2, 2]))] });
  });

  it('Transpose with several perms', async () => {
    await check({ op: 'Transpose', attrs: { perm: attr.ints([0, 2, 3, 1]) }, inputs: [x([2, 3, 4, 5])] });
    await check({ op: 'Transpose', attrs: { perm: attr.ints([3, 1, 0, 2]) }, inputs: [x([2, 3, 4, 5])] });
    await check({ op: 'Transpose', inputs: [x([2, 3, 4])] });
    await check({ op: 'Transpose', attrs: { perm: attr.ints([1, 0]) }, inputs: [x([3, 5], 'int32')] });
  });

  it('Pad constant with negative pads, value and int data', async () => {
    const value = k(makeTensor('float32', [], [1.5]));
    await check({ op: 'Pad', inputs: [x([1, 3, 4, 5]), k(ints([0, 1, -1, 2, 0, -1, 2, -2])), value] });
    await check({ op: 'Pad', inputs: [x([1, 3, 4, 5]), k(ints([0, 0, 1, 1, 0, 0, 1, 1]))] });
    await check({ op: 'Pad', inputs: [x([2, 5], 'int64'), k(ints([1, -2, 0, 3])), k(makeTensor('int64', [], [7]))] });
    const attrs = { pads: attr.ints([0, 2, 1, 0, 1, 0]), value: attr.float(-2) };
    await check({ op: 'Pad', opset: 9, attrs, inputs: [x([2, 3, 4])] });
  });

  it('Pad reflect and edge, attribute and input forms, with cropping', async () => {
    for (const mode of ['reflect', 'edge']) {
      const m = { mode: attr.string(mode) };
      await check({ op: 'Pad', attrs: m, inputs: [x([1, 2, 4, 5]), k(ints([0, 0, 2, 1, 0, 0, 1, 3]))] });
      await check({ op: 'Pad', opset: 10, attrs: { ...m, pads: attr.ints([1, 2, 2, 1]) }, inputs: [x([4, 3])] });
      await check({ op: 'Pad', attrs: m, inputs: [x([5, 6]), k(ints([-1, 2, 2, -2]))] });
    }
  });

  it('Slice with steps, negative steps, negative axes and sentinel ends', async () => {
    const data = x([3, 6, 7]);
    await check({ op: 'Slice', inputs: [data, k(ints([1, 0])), k(ints([HUGE, 5])), k(ints([1, 2])), k(ints([1, 2]))] });
    await check({
      op: 'Slice',
      inputs: [data, k(ints([-1, 4])), k(ints([INT64_MIN, 1])), k(ints([-1, 1])), k(ints([-2, -1]))],
    });
    await check({ op: 'Slice', inputs: [data, k(ints([-100, 2])), k(ints([100, -1])), k(ints([0, -1]))] });
    await check({ op: 'Slice', inputs: [data, k(ints([5])), k(ints([2])), k(ints([1]))] }); // empty
    await check({ op: 'Slice', inputs: [data, k(ints([10, -1])), k(ints([-10, HUGE])), undefined, k(ints([-3, 1]))] });
    const attrs = { starts: attr.ints([1, -3]), ends: attr.ints([3, 1000]), axes: attr.ints([0, 2]) };
    await check({ op: 'Slice', opset: 9, attrs, inputs: [data] });
  });

  it('random Slice parameters, including sentinels and negative steps', async () => {
    const r = makeRng(78);
    const bound = () => r.pick([r.int(-8, 8), r.int(-8, 8), HUGE, INT64_MIN]);
    for (let t = 0; t < 20; t++) {
      const data = x([r.int(1, 6), r.int(1, 6), r.int(1, 6)]);
      const axes = [0, 1, 2].filter(() => r.next() < 0.6).map((a) => (r.next() < 0.5 ? a - 3 : a));
      if (axes.length === 0) axes.push(1);
      const steps = axes.map(() => r.pick([1, 2, 3, -1, -2]));
      await check({
        op: 'Slice',
        inputs: [data, k(ints(axes.map(bound))), k(ints(axes.map(bound))), k(ints(axes)), k(ints(steps))],
      });
    }
  });

  it('Concat along several axes and dtypes', async () => {
    await check({ op: 'Concat', attrs: { axis: attr.int(1) }, inputs: [x([2, 3, 4]), x([2, 1, 4]), x([2, 2, 4])] });
    await check({ op: 'Concat', attrs: { axis: attr.int(0) }, inputs: [x([2, 3]), x([1, 3])] });
    const ints3 = k(randomOf([2, 3, 3], 'int64'));
    await check({ op: 'Concat', attrs: { axis: attr.int(-1) }, inputs: [x([2, 3, 2], 'int64'), ints3] });
  });

  it('Unsqueeze and Squeeze, attribute and input forms', async () => {
    await check({ op: 'Unsqueeze', opset: 11, attrs: { axes: attr.ints([0, -1]) }, inputs: [x([3, 4])] });
    await check({ op: 'Unsqueeze', inputs: [x([3, 4]), k(ints([1, 3]))] });
    await check({ op: 'Squeeze', opset: 11, attrs: { axes: attr.ints([-1, 1]) }, inputs: [x([3, 1, 4, 1])] });
    await check({ op: 'Squeeze', inputs: [x([1, 3, 1, 4, 1]), k(ints([0, 4]))] });
    await check({ op: 'Squeeze', inputs: [x([1, 3, 1, 4])] });
  });

  it('Shape, including start/end at opset 15', async () => {
    const shape15 = (start: number | undefined, end: number | undefined, dims: number[]) => {
      const attrs: Record<string, AttrValue> = {};
      if (start !== undefined) attrs['start'] = attr.int(start);
      if (end !== undefined) attrs['end'] = attr.int(end);
      return check({ op: 'Shape', opset: 15, attrs, inputs: [x(dims)] });
    };
    await check({ op: 'Shape', inputs: [x([2, 3, 4, 5])] });
    await shape15(1, -1, [2, 3, 4, 5]);
    await shape15(-10, 100, [2, 3]);
    await shape15(-1, undefined, [2, 3, 7]);
    await shape15(3, 1, [2, 3, 7]);
  });

  it('Gather on several axes with negative and multi-dimensional indices', async () => {
    const idx = (shape: number[], values: number[]) => k(makeTensor('int64', shape, values));
    await check({ op: 'Gather', inputs: [x([5, 3]), idx([3], [0, -1, 2])] });
    await check({ op: 'Gather', attrs: { axis: attr.int(1) }, inputs: [x([2, 4, 3]), idx([2, 2], [-4, 3, 1, 1])] });
    await check({ op: 'Gather', attrs: { axis: attr.int(-1) }, inputs: [x([2, 4, 3], 'int64'), idx([], [-2])] });
    await check({ op: 'Gather', inputs: [x([4]), { tensor: makeTensor('int32', [2], [3, -4]) }] });
  });

  it('ConstantOfShape with default, float and int64 values, and a scalar', async () => {
    const value = (dtype: DType, v: number) => ({ value: attr.tensor(makeTensor(dtype, [1], [v])) });
    await check({ op: 'ConstantOfShape', inputs: [k(ints([2, 3]))] });
    await check({ op: 'ConstantOfShape', attrs: value('float32', 0.25), inputs: [k(ints([4]))] });
    await check({ op: 'ConstantOfShape', attrs: value('int64', -3), inputs: [k(ints([1, 2, 2]))] });
    await check({ op: 'ConstantOfShape', attrs: value('float32', 2), inputs: [k(ints([]))] });
  });

  it('Cast between float, int and bool', async () => {
    const values = makeTensor('float32', [2, 5], [-2.7, -1.5, -0.5, 0, 0.4, 1.5, 2.5, 3.99, -7.1, 100.6]);
    const to = (code: number) => ({ to: attr.int(code) });
    for (const code of [6, 7, 3, 9, 11]) await check({ op: 'Cast', attrs: to(code), inputs: [{ tensor: values }], rel: 0 });
    await check({ op: 'Cast', attrs: to(1), inputs: [x([3, 4], 'int64')], rel: 0 });
    await check({ op: 'Cast', attrs: to(1), inputs: [{ tensor: makeTensor('bool', [3], [1, 0, 1]) }], rel: 0 });
    await check({ op: 'Cast', attrs: to(3), inputs: [{ tensor: makeTensor('int64', [4], [300, -200, 127, -129]) }] });
  });

  it('Cast to float16 rounds to nearest even (checked through a Cast back to float32)', async () => {
    const values = [1e-7, 3.14159, 70000, -65519, 0.1, 2049, 2051, -6.1e-5, 65504];
    await checkAgainstOrt(
      {
        inputs: [{ name: 'x', dtype: 'float32', shape: [values.length] }],
        outputs: [{ name: 'y', dtype: 'float32' }],
        nodes: [
          { opType: 'Cast', inputs: ['x'], outputs: ['h'], attrs: { to: attr.int(10) } },
          { opType: 'Cast', inputs: ['h'], outputs: ['y'], attrs: { to: attr.int(1) } },
        ],
      },
      { x: makeTensor('float32', [values.length], values) },
      { rel: 0, abs: 0 },
    );
  });
});

describe('ops: reductions', () => {
  const shapeAxes: [number[], number[] | undefined][] = [
    [[2, 3, 4], [1]],
    [[2, 3, 4], [-1, 0]],
    [[2, 3, 4, 5], [2, 3]],
    [[3, 4], undefined],
  ];
  for (const op of ['ReduceMean', 'ReduceProd']) {
    for (const [shape, axes] of shapeAxes) {
      for (const keepdims of [0, 1]) {
        it(`${op} [${shape}] axes ${axes ? `[${axes}]` : 'all'} keepdims ${keepdims}, opsets 13 and 18`, async () => {
          const data = { tensor: randomOf(shape, 'float32', 0.5, 1.5) };
          const attrs: Record<string, AttrValue> = { keepdims: attr.int(keepdims) };
          await check({ op, attrs: axes ? { ...attrs, axes: attr.ints(axes) } : attrs, inputs: [data] });
          await check({ op, opset: 18, attrs, inputs: [data, axes ? k(ints(axes)) : undefined] });
        });
      }
    }
    it(`${op} opset 18 noop_with_empty_axes`, async () => {
      const attrs = { noop_with_empty_axes: attr.int(1) };
      await check({ op, opset: 18, attrs, inputs: [x([2, 3])] });
      await check({ op, opset: 18, attrs, inputs: [x([2, 3]), k(ints([]))] });
    });
  }
});

describe('ops: infer() and refusals', () => {
  const f32 = (shape: number[]): ValueInfo => ({ dtype: 'float32', shape });
  const i64 = (shape: number[]): ValueInfo => ({ dtype: 'int64', shape });

  interface InferOptions {
    readonly attrs?: Record<string, AttrValue>;
    /** Constant values by input index (the other inputs are not compile-time constants). */
    readonly constants?: readonly (Tensor | undefined)[];
    readonly outputs?: string[];
    readonly opset?: number;
  }

  /** A node `bad_<op>` whose inputs are `infos` and `constants` ('' where both are undefined). */
  function nodeFor(op: string, infos: readonly (ValueInfo | undefined)[], o: InferOptions = {}): Node {
    const count = Math.max(infos.length, o.constants?.length ?? 0);
    const inputs = Array.from({ length: count }, (_, i) => (infos[i] || o.constants?.[i] ? `in${i}` : ''));
    return { name: `bad_${op}`, opType: op, domain: '', inputs, outputs: o.outputs ?? ['y'], attrs: o.attrs ?? {} };
  }

  function inferOf(op: string, infos: readonly (ValueInfo | undefined)[], o: InferOptions = {}): ValueInfo[] {
    const ctx = { opset: o.opset ?? 13, constant: (i: number) => o.constants?.[i] };
    const withTypes = nodeFor(op, infos, o).inputs.map((_, i) => infos[i] ?? o.constants?.[i]);
    return opDef(op).infer(nodeFor(op, infos, o), withTypes, ctx);
  }

  function refuses(run: () => unknown, ...fragments: string[]): void {
    assert.throws(run, (e: unknown) => {
      assert.ok(e instanceof BnnError, `expected a BnnError, got ${String(e)}`);
      for (const f of fragments) assert.ok(e.line().includes(f), `"${e.line()}" should mention "${f}"`);
      return true;
    });
  }

  it('infers pooling shapes, including ceil_mode and SAME padding', () => {
    const pool = (o: PoolOptions, shape: number[]) => inferOf('MaxPool', [f32(shape)], { attrs: poolAttrs(o) })[0]!.shape;
    assert.deepEqual(pool({ kernel: [3, 3], strides: [2, 2] }, [1, 8, 32, 32]), [1, 8, 15, 15]);
    assert.deepEqual(pool({ kernel: [3, 3], strides: [2, 2], ceil: true }, [1, 8, 32, 32]), [1, 8, 16, 16]);
    assert.deepEqual(pool({ kernel: [2, 2], strides: [2, 2], pads: [1, 1, 1, 1], ceil: true }, [1, 1, 5, 5]), [1, 1, 3, 3]);
    assert.deepEqual(pool({ kernel: [3, 3], strides: [2, 2], autoPad: 'SAME_UPPER' }, [1, 1, 7, 8]), [1, 1, 4, 4]);
    assert.deepEqual(inferOf('GlobalAveragePool', [f32([1, 64, 8, 8])])[0]!.shape, [1, 64, 1, 1]);
  });

  it('infers Reshape/Slice from constants and folds Shape from types alone', () => {
    const reshape = inferOf('Reshape', [f32([1, 64, 1, 1])], { constants: [undefined, ints([0, -1])] });
    assert.deepEqual(reshape, [f32([1, 64])]);
    const starts = ints([0, 0]);
    const slice = inferOf('Slice', [f32([1, 16, 8, 8])], {
      constants: [undefined, starts, ints([HUGE, HUGE]), ints([2, 3]), ints([2, 2])],
    });
    assert.deepEqual(slice, [f32([1, 16, 4, 4])]);
    const shapeNode = nodeFor('Shape', [f32([1, 16, 8, 6])], { attrs: { start: attr.int(2) } });
    const folded = opDef('Shape').foldFromInfo!(shapeNode, [f32([1, 16, 8, 6])], { opset: 15 });
    assert.deepEqual(folded, [makeTensor('int64', [2], [8, 6])]);
  });

  it('refuses non-constant shape-like inputs, naming the node and the reason', () => {
    const notConstant = 'must be a compile-time constant';
    refuses(() => inferOf('Reshape', [f32([2, 3]), i64([1])]), 'bad_Reshape', `Reshape shape ${notConstant}`);
    refuses(() => inferOf('Slice', [f32([4]), i64([1]), i64([1])]), 'bad_Slice', `Slice starts ${notConstant}`);
    refuses(() => inferOf('ConstantOfShape', [i64([2])]), `ConstantOfShape shape ${notConstant}`);
    refuses(() => inferOf('Unsqueeze', [f32([2]), i64([1])]), `Unsqueeze axes ${notConstant}`);
    refuses(() => inferOf('ReduceMean', [f32([2]), i64([1])], { opset: 18 }), `ReduceMean axes ${notConstant}`);
  });

  it('refuses bad attributes and shapes, with the shapes in the message', () => {
    refuses(() => inferOf('Reshape', [f32([2, 3])], { constants: [undefined, ints([4, 2])] }),
      'bad_Reshape (Reshape)', '[2,3]', '[4,2]');
    refuses(() => inferOf('Transpose', [f32([2, 3, 4])], { attrs: { perm: attr.ints([0, 0, 1]) } }), 'perm [0,0,1]');
    refuses(() => inferOf('Concat', [f32([2, 3]), f32([3, 3])], { attrs: { axis: attr.int(1) } }), '[2,3], [3,3]');
    refuses(() => inferOf('Concat', [f32([2, 3]), f32([2, 3])], { attrs: { axis: attr.int(2) } }),
      'axis 2 is out of range for rank 2');
    refuses(() => inferOf('Squeeze', [f32([2, 3])], { constants: [undefined, ints([1])] }), 'axis 1 has size 3');
    refuses(() => inferOf('Slice', [f32([4])], { constants: [undefined, ints([0]), ints([4]), ints([0]), ints([0])] }),
      'step 0');
    const reflect = { attrs: { mode: attr.string('reflect') }, constants: [undefined, ints([0, 3, 0, 0])] };
    refuses(() => inferOf('Pad', [f32([1, 3])], reflect), 'reflect pad of 3', '[1,3]');
    refuses(() => inferOf('Cast', [f32([2])], { attrs: { to: attr.int(8) } }), 'data type 8');
  });

  it('refuses unsupported pooling forms', () => {
    const image = [f32([1, 1, 4, 4])];
    const kernel2 = poolAttrs({ kernel: [2, 2] });
    refuses(() => inferOf('MaxPool', image, { attrs: kernel2, outputs: ['y', 'idx'] }), 'Indices output');
    refuses(() => inferOf('MaxPool', image, { attrs: { ...kernel2, storage_order: attr.int(1) } }), 'storage_order');
    const tooBig = poolAttrs({ kernel: [5, 5] });
    refuses(() => inferOf('MaxPool', image, { attrs: tooBig }), 'exceeds padded input size 4', '[1,1,4,4]');
    const sameDilated = poolAttrs({ kernel: [3, 3], dilations: [2, 2], autoPad: 'SAME_UPPER' });
    refuses(() => inferOf('MaxPool', image, { attrs: sameDilated }), 'SAME_UPPER with dilations [2,2]');
    refuses(() => inferOf('AveragePool', image), "'kernel_shape' is required");
    refuses(() => inferOf('MaxPool', [i64([1, 1, 4, 4])], { attrs: kernel2 }), 'must be float32, got int64');
  });

  it('refuses out-of-range Gather indices at evaluation', () => {
    const node = nodeFor('Gather', [f32([3, 2]), i64([1])]);
    const run = () => opDef('Gather').evaluate(node, [randomOf([3, 2]), makeTensor('int64', [1], [3])], { opset: 13 });
    refuses(run, 'bad_Gather', 'index 3 is out of range for an axis of size 3');
  });
});
