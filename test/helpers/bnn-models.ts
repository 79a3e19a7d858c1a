/**
 * Small binary-network models built in code for the phase tests: Sign -> binary Conv (±s_c weights) -> BN ->
 * (Clip) -> Sign -> ... with seeded random parameters.
 */
import type { Tensor } from '../../src/graph/tensor.js';
import { makeRng } from './random.js';
import { attr, type ModelSpec, type NodeSpec, type TensorSpec } from '../../src/onnx/encode.js';

export type Rng = () => number;

/** Deterministic PRNG in [0, 1). */
export function rng(seed: number): Rng {
  return makeRng(seed).next;
}

export function f32(shape: number[], values: ArrayLike<number>): Tensor {
  return { dtype: 'float32', shape, data: Float32Array.from(values) };
}

/** ±s_c weights [oc][ic][kh][kw] with a power-of-two s_c per channel. */
export function binaryWeights(r: Rng, oc: number, ic: number, kh: number, kw: number): Tensor {
  const k = ic * kh * kw;
  const data = new Float32Array(oc * k);
  for (let c = 0; c < oc; c++) {
    const s = 2 ** -Math.floor(1 + r() * 6);
    for (let i = 0; i < k; i++) data[c * k + i] = r() < 0.5 ? -s : s;
  }
  return f32([oc, ic, kh, kw], data);
}

/** BatchNormalization parameters; `gammaSigns` forces some negative and zero scales. */
export function bnParams(r: Rng, prefix: string, c: number, withSpecialGammas = true, tieChannel = withSpecialGammas): TensorSpec[] {
  const gamma = Array.from({ length: c }, (_, i) => {
    if (withSpecialGammas && i % 5 === 1) return -(0.2 + r());
    if (withSpecialGammas && i % 7 === 3) return 0;
    return 0.2 + r();
  });
  return [
    { name: `${prefix}_g`, tensor: f32([c], gamma) },
    // gamma = 0 with beta = 0 (channel 3): BN outputs exact zeros, the sign(0) tie case.
    { name: `${prefix}_b`, tensor: f32([c], Array.from({ length: c }, (_, i) => (tieChannel && i === 3 ? 0 : r() - 0.5))) },
    { name: `${prefix}_m`, tensor: f32([c], Array.from({ length: c }, () => (r() - 0.5) * 2)) },
    { name: `${prefix}_v`, tensor: f32([c], Array.from({ length: c }, () => 0.1 + r() * 4)) },
  ];
}

export interface BlockOptions {
  readonly channels: number;
  readonly kernel: number;
  readonly pad: number;
  readonly stride?: number;
  /** Put Clip(-1, 1) between BN and the next Sign (hardtanh). */
  readonly clip?: boolean;
  /** Give bn1 a channel with gamma = beta = 0, whose sign is an exact tie for every input (default true). */
  readonly tieChannel?: boolean;
}

/**
 * input [1, c0, h, w] -> Sign -> bconv1 -> BN1 -> [Clip] -> Sign -> bconv2 -> BN2 -> output.
 * bconv1's BN + Sign becomes a threshold; bconv2's BN an affine epilogue.
 */
export function twoBinaryConvs(seed: number, c0: number, h: number, w: number, o: BlockOptions): ModelSpec {
  const r = rng(seed);
  const c1 = o.channels;
  const stride = o.stride ?? 1;
  const conv = (name: string, x: string, wName: string, y: string): NodeSpec => ({
    name, opType: 'Conv', inputs: [x, wName], outputs: [y],
    attrs: { kernel_shape: attr.ints([o.kernel, o.kernel]), pads: attr.ints([o.pad, o.pad, o.pad, o.pad]), strides: attr.ints([stride, stride]) },
  });
  const bn = (name: string, x: string, p: string, y: string): NodeSpec => ({
    name, opType: 'BatchNormalization', inputs: [x, `${p}_g`, `${p}_b`, `${p}_m`, `${p}_v`], outputs: [y], attrs: { epsilon: attr.float(1e-5) },
  });
  const nodes: NodeSpec[] = [
    { name: 'sign0', opType: 'Sign', inputs: ['input'], outputs: ['s0'] },
    conv('bconv1', 's0', 'w1', 'c1'),
    bn('bn1', 'c1', 'bn1', 'b1'),
    ...(o.clip
      ? [{ name: 'hardtanh1', opType: 'Clip', inputs: ['b1', 'lo', 'hi'], outputs: ['t1'] } as NodeSpec]
      : []),
    { name: 'sign1', opType: 'Sign', inputs: [o.clip ? 't1' : 'b1'], outputs: ['s1'] },
    conv('bconv2', 's1', 'w2', 'c2'),
    bn('bn2', 'c2', 'bn2', 'output'),
  ];
  return {
    inputs: [{ name: 'input', dtype: 'float32', shape: [1, c0, h, w] }],
    outputs: [{ name: 'output', dtype: 'float32' }],
    initializers: [
      { name: 'w1', tensor: binaryWeights(r, c1, c0, o.kernel, o.kernel) },
      { name: 'w2', tensor: binaryWeights(r, c1, c1, o.kernel, o.kernel) },
      { name: 'lo', tensor: f32([], [-1]) },
      { name: 'hi', tensor: f32([], [1]) },
      ...bnParams(r, 'bn1', c1, true, o.tieChannel ?? true),
      ...bnParams(r, 'bn2', c1, false),
    ],
    nodes,
  };
}
