/**
 * The binary-network variants users bring from other recipes (issue 4, part 2), built in code with seeded
 * parameters: 1-bit weights on real activations (1w32a), XNOR-Net scales that are not powers of two (in the
 * weights and as a separate per-channel Mul), ReActNet/Bi-Real learnable shifts before Sign and RPReLU, PRelu /
 * LeakyRelu / hardtanh on the real path, Gemm and MatMul heads with and without Flatten (also over a spatial
 * map, binary and real), and a trailing Softmax / LogSoftmax.
 */
import type { Tensor } from '../../src/graph/tensor.js';
import { attr, type ModelSpec, type NodeSpec, type TensorSpec } from '../../src/onnx/encode.js';
import { f32, rng, type Rng } from './bnn-models.js';

export interface VariantModel {
  readonly name: string;
  readonly spec: ModelSpec;
  /** Conv/Gemm/MatMul node names by what 3-binarize must decide: 1w1a, 1w32a, or real. */
  readonly layers: { readonly binary: readonly string[]; readonly realInput: readonly string[]; readonly real: readonly string[] };
}

/** Collects nodes and initializers; every helper returns its output value name. */
class Builder {
  readonly nodes: NodeSpec[] = [];
  readonly inits: TensorSpec[] = [];
  private n = 0;
  constructor(readonly r: Rng) {}

  private id(prefix: string): string {
    return `${prefix}${++this.n}`;
  }

  const(prefix: string, t: Tensor): string {
    const name = this.id(prefix);
    this.inits.push({ name, tensor: t });
    return name;
  }

  op(opType: string, inputs: string[], attrs: NodeSpec['attrs'] = {}, name?: string): string {
    const out = this.id(`${opType.toLowerCase()}_out`);
    this.nodes.push({ name: name ?? this.id(opType.toLowerCase()), opType, inputs, outputs: [out], attrs });
    return out;
  }

  /** Per-output-channel scales: powers of two, or arbitrary positive reals (XNOR-Net mean |w|). */
  scales(oc: number, pow2: boolean): number[] {
    return Array.from({ length: oc }, () => (pow2 ? 2 ** -Math.floor(1 + this.r() * 5) : 0.05 + this.r() * 0.4));
  }

  /** ±s_c weights [oc][k...] (scale 1 gives sign weights). */
  signWeights(shape: number[], scales: number[]): Tensor {
    const k = shape.slice(1).reduce((a, b) => a * b, 1);
    return f32(shape, Array.from({ length: shape[0]! * k }, (_, i) => (this.r() < 0.5 ? -1 : 1) * scales[Math.floor(i / k)]!));
  }

  realWeights(shape: number[], amplitude: number): Tensor {
    return f32(shape, Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => (this.r() - 0.5) * 2 * amplitude));
  }

  conv(name: string, x: string, w: Tensor, pad: number, stride = 1): string {
    const k = w.shape[2]!;
    return this.op('Conv', [x, this.const('w', w)], {
      kernel_shape: attr.ints([k, k]), pads: attr.ints([pad, pad, pad, pad]), strides: attr.ints([stride, stride]),
    }, name);
  }

  /** BatchNormalization with gammas of both signs and means/variances that keep the outputs centred. */
  bn(x: string, c: number, shape: number[] = [c]): string {
    const v = (f: () => number) => f32(shape, Array.from({ length: c }, f));
    return this.op('BatchNormalization', [
      x, this.const('g', v(() => (this.r() < 0.25 ? -1 : 1) * (0.5 + this.r()))), this.const('b', v(() => this.r() - 0.5)),
      this.const('m', v(() => (this.r() - 0.5) * 0.2)), this.const('v', v(() => 0.5 + this.r())),
    ], { epsilon: attr.float(1e-5) });
  }

  perChannel(prefix: string, c: number, shape: number[], lo: number, hi: number): string {
    return this.const(prefix, f32(shape, Array.from({ length: c }, () => lo + (hi - lo) * this.r())));
  }

  spec(inputShape: number[], output: string, opset = 13): ModelSpec {
    this.nodes.push({ name: 'output_identity', opType: 'Identity', inputs: [output], outputs: ['output'] });
    return {
      opsets: { '': opset },
      inputs: [{ name: 'input', dtype: 'float32', shape: inputShape }],
      outputs: [{ name: 'output', dtype: 'float32' }],
      initializers: this.inits,
      nodes: this.nodes,
    };
  }
}

/**
 * 1w32a: ±s weights on real activations everywhere. Conv (real scales, from the image) -> BN -> PRelu ->
 * Conv (stride 2, power-of-two scales) -> BN -> LeakyRelu -> Conv -> BN -> hardtanh (Clip) -> Flatten over the
 * 4x4 map -> Gemm with ±s weights (a 1w32a linear over the spatial map) -> Softmax.
 */
export function oneBitWeightsModel(seed = 11): VariantModel {
  const b = new Builder(rng(seed));
  let x = b.conv('bwconv1', 'input', b.signWeights([8, 3, 3, 3], b.scales(8, false)), 1);
  x = b.bn(x, 8);
  x = b.op('PRelu', [x, b.perChannel('slope', 8, [8, 1, 1], -0.3, 0.4)]);
  x = b.conv('bwconv2', x, b.signWeights([12, 8, 3, 3], b.scales(12, true)), 1, 2);
  x = b.bn(x, 12);
  x = b.op('LeakyRelu', [x], { alpha: attr.float(0.125) });
  x = b.conv('bwconv3', x, b.signWeights([8, 12, 3, 3], b.scales(8, false)), 1, 2);
  x = b.bn(x, 8);
  x = b.op('Clip', [x, b.const('lo', f32([], [-1])), b.const('hi', f32([], [1]))]);
  x = b.op('Flatten', [x], { axis: attr.int(1) });
  x = b.op('Gemm', [x, b.const('fc', b.signWeights([10, 8 * 4 * 4], b.scales(10, false))), b.const('fcb', b.realWeights([10], 0.2))], { transB: attr.int(1) }, 'bwfc');
  x = b.op('Softmax', [x], { axis: attr.int(1) });
  return {
    name: '1w32a', spec: b.spec([1, 3, 14, 14], x),
    layers: { binary: [], realInput: ['bwconv1', 'bwconv2', 'bwconv3', 'bwfc'], real: [] },
  };
}

/**
 * XNOR-Net: real first conv; a binary conv with sign weights whose per-channel alpha (not a power of two) is a
 * separate Mul before BN and Sign; a binary conv with ±alpha weights (mean |w| per channel); then BN -> Flatten
 * -> Sign -> a binary Gemm over the flattened 4x4 map (read from the packed conv output), BN1d, Softmax.
 */
export function xnorModel(seed = 12): VariantModel {
  const b = new Builder(rng(seed));
  let x = b.conv('conv1', 'input', b.realWeights([16, 3, 3, 3], 0.5), 1);
  x = b.bn(x, 16);
  x = b.op('Sign', [x]);
  x = b.conv('bconv2', x, b.signWeights([16, 16, 3, 3], Array(16).fill(1)), 1);
  x = b.op('Mul', [x, b.perChannel('alpha', 16, [1, 16, 1, 1], 0.05, 0.3)]);
  x = b.bn(x, 16);
  x = b.op('Sign', [x]);
  x = b.conv('bconv3', x, b.signWeights([24, 16, 3, 3], b.scales(24, false)), 1, 2);
  x = b.bn(x, 24);
  x = b.op('Flatten', [x], { axis: attr.int(1) });
  x = b.op('Sign', [x]);
  x = b.op('Gemm', [x, b.const('fc', b.signWeights([10, 24 * 4 * 4], b.scales(10, false)))], { transB: attr.int(1) }, 'bfc');
  x = b.bn(x, 10);
  x = b.op('Softmax', [x], { axis: attr.int(-1) });
  return {
    name: 'xnor', spec: b.spec([1, 3, 8, 8], x),
    layers: { binary: ['bconv2', 'bconv3', 'bfc'], realInput: [], real: ['conv1'] },
  };
}

/**
 * ReActNet / Bi-Real: real stem; blocks `Sign(x - b) -> bconv -> BN -> + x` with the learnable shift as a Sub
 * (on the residual sum, a float op) and as an Add of a negative constant between BN and Sign (folded into the
 * threshold); RPReLU (Sub, PRelu, Add) on the real path; a Sign -> Flatten -> MatMul binary head over the
 * spatial map with a MatMul bias Add; LogSoftmax.
 */
export function reactNetModel(seed = 13): VariantModel {
  const b = new Builder(rng(seed));
  const c = 16;
  let x = b.conv('stem', 'input', b.realWeights([c, 2, 3, 3], 0.6), 1);
  x = b.bn(x, c);
  const shift = () => b.perChannel('shift', c, [1, c, 1, 1], -0.2, 0.2);
  // Block 1: RSign on the real activation (float Sub, then pack).
  let s = b.op('Sign', [b.op('Sub', [x, shift()])]);
  let y = b.bn(b.conv('bconv1', s, b.signWeights([c, c, 3, 3], b.scales(c, true)), 1), c);
  x = b.op('Add', [y, x]);
  // RPReLU: x - gamma -> PRelu -> + zeta.
  x = b.op('Add', [b.op('PRelu', [b.op('Sub', [x, shift()]), b.perChannel('slope', c, [c, 1, 1], 0.05, 0.3)]), shift()]);
  // Block 2: binary conv whose BN -> Add(shift) -> Sign chain becomes one threshold into block 3.
  s = b.op('Sign', [b.op('Add', [shift(), x])]);
  y = b.bn(b.conv('bconv2', s, b.signWeights([c, c, 3, 3], b.scales(c, false)), 1), c);
  s = b.op('Sign', [b.op('Add', [y, shift()])]);
  y = b.bn(b.conv('bconv3', s, b.signWeights([c, c, 3, 3], b.scales(c, true)), 1, 2), c);
  s = b.op('Sign', [y]);
  x = b.op('Flatten', [s], { axis: attr.int(1) });
  x = b.op('MatMul', [x, b.const('fc', b.signWeights([c * 3 * 3, 10], Array(c * 3 * 3).fill(0.0625)))], {}, 'bfc');
  x = b.op('Add', [x, b.const('fcb', b.realWeights([10], 0.3))]);
  x = b.op('LogSoftmax', [x], { axis: attr.int(1) });
  return {
    name: 'reactnet', spec: b.spec([1, 2, 6, 6], x, 11),
    layers: { binary: ['bconv1', 'bconv2', 'bconv3', 'bfc'], realInput: [], real: ['stem'] },
  };
}

/**
 * Linear heads: image -> Conv -> Relu -> Reshape to [1, K] -> real Gemm over the 5x5 map (alpha, beta) -> Sign ->
 * MatMul with ±1 weights -> bias Add -> BN -> Sign (one threshold over a [1, N] value) -> binary Gemm with
 * transB = 0 and real scales -> LogSoftmax.
 */
export function linearHeadsModel(seed = 14): VariantModel {
  const b = new Builder(rng(seed));
  let x = b.conv('conv1', 'input', b.realWeights([6, 1, 3, 3], 0.7), 0);
  x = b.op('Relu', [x]);
  x = b.op('Reshape', [x, b.const('shape', { dtype: 'int64', shape: [2], data: Float64Array.from([1, -1]) })]);
  x = b.op('Gemm', [x, b.const('fc1', b.realWeights([6 * 5 * 5, 40], 0.3)), b.const('fc1b', b.realWeights([40], 0.3))], {
    alpha: attr.float(0.5), beta: attr.float(2),
  }, 'fc1');
  x = b.op('Sign', [x]);
  x = b.op('MatMul', [x, b.const('fc2', b.signWeights([40, 32], Array(40).fill(1)))], {}, 'bfc2');
  x = b.op('Add', [x, b.perChannel('fc2b', 32, [32], -2, 2)]);
  x = b.bn(x, 32);
  x = b.op('Sign', [x]);
  x = b.op('Gemm', [x, b.const('fc3', transposed(b.signWeights([10, 32], b.scales(10, false))))], {}, 'bfc3');
  x = b.op('LogSoftmax', [x], { axis: attr.int(-1) });
  return {
    name: 'heads', spec: b.spec([1, 1, 7, 7], x),
    layers: { binary: ['bfc2', 'bfc3'], realInput: [], real: ['conv1', 'fc1'] },
  };
}

function transposed(t: Tensor): Tensor {
  const [r, c] = [t.shape[0]!, t.shape[1]!];
  return f32([c, r], Array.from({ length: r * c }, (_, i) => t.data[(i % r) * c + Math.floor(i / r)]!));
}

export const VARIANT_MODELS = [oneBitWeightsModel, xnorModel, reactNetModel, linearHeadsModel] as const;
