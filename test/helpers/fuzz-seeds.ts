/**
 * Valid models the fuzz test mutates: small ones built in code (each a pattern IR-Net exports produce) and, when
 * it exists, the trained example model. Every seed compiles; the fuzz test checks that first.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Tensor } from '../../src/graph/tensor.js';
import { packageRoot } from '../../src/io/package-root.js';
import { attr, encodeModel, type ModelSpec, type NodeSpec, type TensorSpec } from '../../src/onnx/encode.js';
import { binaryWeights, bnParams, f32, rng, twoBinaryConvs } from './bnn-models.js';

export interface SeedModel {
  readonly name: string;
  readonly bytes: Uint8Array;
  /** Large seeds get a few structural mutations only (each compile costs hundreds of milliseconds). */
  readonly large: boolean;
}

const i64 = (values: number[]): Tensor => ({ dtype: 'int64', shape: [values.length], data: Float64Array.from(values) });
const scalarF32 = (v: number): Tensor => f32([], [v]);

const bn = (name: string, x: string, p: string, y: string): NodeSpec => ({
  name, opType: 'BatchNormalization', inputs: [x, `${p}_g`, `${p}_b`, `${p}_m`, `${p}_v`], outputs: [y],
  attrs: { epsilon: attr.float(1e-5) },
});

const conv = (name: string, x: string, w: string, y: string, k: number, pad: number, stride = 1): NodeSpec => ({
  name, opType: 'Conv', inputs: [x, w], outputs: [y],
  attrs: { kernel_shape: attr.ints([k, k]), pads: attr.ints([pad, pad, pad, pad]), strides: attr.ints([stride, stride]) },
});

/**
 * Binary conv block, global average pool, the exporter's flatten (Shape -> Gather -> Unsqueeze -> Concat ->
 * Reshape), Sign, binary Gemm.
 */
function gemmHead(seed: number): ModelSpec {
  const r = rng(seed);
  const fc = binaryWeights(r, 10, 8, 1, 1);
  return {
    inputs: [{ name: 'input', dtype: 'float32', shape: [1, 2, 4, 4] }],
    outputs: [{ name: 'logits', dtype: 'float32' }],
    initializers: [
      { name: 'w1', tensor: binaryWeights(r, 8, 2, 3, 3) },
      ...bnParams(r, 'bn1', 8, false),
      { name: 'fc_w', tensor: { ...fc, shape: [10, 8] } },
      { name: 'fc_b', tensor: f32([10], Array.from({ length: 10 }, () => r() - 0.5)) },
      { name: 'zero', tensor: { dtype: 'int64', shape: [], data: Float64Array.of(0) } },
      { name: 'minus1', tensor: i64([-1]) },
      { name: 'axes0', tensor: i64([0]) },
    ],
    nodes: [
      { name: 'sign0', opType: 'Sign', inputs: ['input'], outputs: ['s0'] },
      conv('bconv1', 's0', 'w1', 'c1', 3, 1),
      bn('bn1', 'c1', 'bn1', 'b1'),
      { name: 'gap', opType: 'GlobalAveragePool', inputs: ['b1'], outputs: ['g1'] },
      { name: 'shape', opType: 'Shape', inputs: ['g1'], outputs: ['sh'] },
      { name: 'gather', opType: 'Gather', inputs: ['sh', 'zero'], outputs: ['n'], attrs: { axis: attr.int(0) } },
      { name: 'unsq', opType: 'Unsqueeze', inputs: ['n', 'axes0'], outputs: ['n1'] },
      { name: 'cat', opType: 'Concat', inputs: ['n1', 'minus1'], outputs: ['target'], attrs: { axis: attr.int(0) } },
      { name: 'flatten', opType: 'Reshape', inputs: ['g1', 'target'], outputs: ['flat'] },
      { name: 'sign1', opType: 'Sign', inputs: ['flat'], outputs: ['s1'] },
      {
        name: 'fc', opType: 'Gemm', inputs: ['s1', 'fc_w', 'fc_b'], outputs: ['logits'],
        attrs: { transB: attr.int(1), alpha: attr.float(1), beta: attr.float(1) },
      },
    ],
  };
}

/** Real first conv -> BN -> MaxPool -> Clip -> Sign -> binary conv -> BN -> AveragePool (opset 11 bounds as inputs). */
function pools(seed: number): ModelSpec {
  const r = rng(seed);
  const real = f32([6, 1, 3, 3], Array.from({ length: 54 }, () => r() - 0.5));
  return {
    opsets: { '': 11 },
    inputs: [{ name: 'input', dtype: 'float32', shape: [1, 1, 8, 8] }],
    outputs: [{ name: 'output', dtype: 'float32' }],
    initializers: [
      { name: 'w0', tensor: real },
      ...bnParams(r, 'bn0', 6, false),
      { name: 'w1', tensor: binaryWeights(r, 6, 6, 3, 3) },
      ...bnParams(r, 'bn1', 6, false),
      { name: 'lo', tensor: scalarF32(-1) },
      { name: 'hi', tensor: scalarF32(1) },
    ],
    nodes: [
      conv('conv0', 'input', 'w0', 'c0', 3, 1),
      bn('bn0', 'c0', 'bn0', 'b0'),
      {
        name: 'maxpool', opType: 'MaxPool', inputs: ['b0'], outputs: ['p0'],
        attrs: { kernel_shape: attr.ints([2, 2]), strides: attr.ints([2, 2]) },
      },
      { name: 'hardtanh', opType: 'Clip', inputs: ['p0', 'lo', 'hi'], outputs: ['t0'] },
      { name: 'sign1', opType: 'Sign', inputs: ['t0'], outputs: ['s1'] },
      conv('bconv1', 's1', 'w1', 'c1', 3, 1),
      bn('bn1', 'c1', 'bn1', 'b1'),
      {
        name: 'avgpool', opType: 'AveragePool', inputs: ['b1'], outputs: ['output'],
        attrs: { kernel_shape: attr.ints([2, 2]), strides: attr.ints([2, 2]), pads: attr.ints([0, 0, 1, 1]) },
      },
    ],
  };
}

/**
 * IR-Net's downsampling block with the option-A shortcut: bn(bconv(sign(x), stride 2)) + pad(x[:, :, ::2, ::2])
 * with zero channels, the pads computed by constant-only arithmetic (Concat, Cast) as exporters emit it, and the
 * binary weight derived from a real initializer by a Libra-PB-like chain (ReduceMean, Sub, Abs, Log, Round, Pow).
 */
function shortcutBlock(seed: number): ModelSpec {
  const r = rng(seed);
  const raw = f32([8, 4, 3, 3], Array.from({ length: 8 * 4 * 9 }, () => r() - 0.5));
  const constants: TensorSpec[] = [
    { name: 'w_raw', tensor: raw },
    { name: 'two', tensor: scalarF32(2) },
    { name: 'ln2', tensor: scalarF32(Math.LN2) },
    ...bnParams(r, 'bn1', 8, false),
    { name: 'starts', tensor: i64([0, 0]) },
    { name: 'ends', tensor: i64([2 ** 62, 2 ** 62]) },
    { name: 'axes', tensor: i64([2, 3]) },
    { name: 'steps', tensor: i64([2, 2]) },
    { name: 'pads_lo', tensor: f32([4], [0, 2, 0, 0]) },
    { name: 'pads_hi', tensor: f32([4], [0, 2, 0, 0]) },
    { name: 'lo', tensor: scalarF32(-1) },
    { name: 'hi', tensor: scalarF32(1) },
  ];
  return {
    inputs: [{ name: 'input', dtype: 'float32', shape: [1, 4, 8, 8] }],
    outputs: [{ name: 'output', dtype: 'float32' }],
    initializers: constants,
    nodes: [
      // Weight chain: w = sign(w_raw - mean) * 2^round(log2(mean |w_raw - mean|)), all constant.
      { name: 'w_mean', opType: 'ReduceMean', inputs: ['w_raw'], outputs: ['wm'], attrs: { axes: attr.ints([1, 2, 3]) } },
      { name: 'w_centre', opType: 'Sub', inputs: ['w_raw', 'wm'], outputs: ['wc'] },
      { name: 'w_abs', opType: 'Abs', inputs: ['wc'], outputs: ['wa'] },
      { name: 'w_absmean', opType: 'ReduceMean', inputs: ['wa'], outputs: ['wam'], attrs: { axes: attr.ints([1, 2, 3]) } },
      { name: 'w_log', opType: 'Log', inputs: ['wam'], outputs: ['wl'] },
      { name: 'w_log2', opType: 'Div', inputs: ['wl', 'ln2'], outputs: ['wl2'] },
      { name: 'w_round', opType: 'Round', inputs: ['wl2'], outputs: ['wr'] },
      { name: 'w_scale', opType: 'Pow', inputs: ['two', 'wr'], outputs: ['ws'] },
      { name: 'w_sign', opType: 'Sign', inputs: ['wc'], outputs: ['wsg'] },
      { name: 'w_bin', opType: 'Mul', inputs: ['wsg', 'ws'], outputs: ['w1'] },
      // Main path.
      { name: 'sign0', opType: 'Sign', inputs: ['input'], outputs: ['s0'] },
      conv('bconv1', 's0', 'w1', 'c1', 3, 1, 2),
      bn('bn1', 'c1', 'bn1', 'b1'),
      // Shortcut: x[:, :, ::2, ::2], then 2 zero channels on each side.
      { name: 'sc_slice', opType: 'Slice', inputs: ['input', 'starts', 'ends', 'axes', 'steps'], outputs: ['sc0'] },
      { name: 'pads_cat', opType: 'Concat', inputs: ['pads_lo', 'pads_hi'], outputs: ['pads_f'], attrs: { axis: attr.int(0) } },
      { name: 'pads_cast', opType: 'Cast', inputs: ['pads_f'], outputs: ['pads'], attrs: { to: attr.int(7) } },
      { name: 'sc_pad', opType: 'Pad', inputs: ['sc0', 'pads'], outputs: ['sc1'], attrs: { mode: attr.string('constant') } },
      { name: 'add', opType: 'Add', inputs: ['b1', 'sc1'], outputs: ['sum'] },
      { name: 'hardtanh', opType: 'Clip', inputs: ['sum', 'lo', 'hi'], outputs: ['output'] },
    ],
  };
}

/** The trained IR-Net example, when it has been produced (examples/irnet-fashion-mnist/train.py writes it). */
function exampleModel(): SeedModel[] {
  const file = join(packageRoot(), 'examples/irnet-fashion-mnist/model.onnx');
  return existsSync(file) ? [{ name: 'irnet-fashion-mnist', bytes: readFileSync(file), large: true }] : [];
}

export function seedModels(): SeedModel[] {
  const small = (name: string, spec: ModelSpec): SeedModel => ({ name, bytes: encodeModel(spec), large: false });
  return [
    small('two-binary-convs', twoBinaryConvs(11, 3, 6, 6, { channels: 8, kernel: 3, pad: 1, clip: true })),
    small('gemm-head', gemmHead(12)),
    small('pools', pools(13)),
    small('shortcut', shortcutBlock(14)),
    ...exampleModel(),
  ];
}
