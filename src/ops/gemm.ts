/**
 * Gemm: Y = alpha · A' · B' + beta · C, with A' = transA ? Aᵀ : A (M×K), B' = transB ? Bᵀ : B (K×N) and C
 * (optional) broadcast to M×N. Sums are float64; each output is rounded to float32 once.
 */
import { nodeError } from '../errors.js';
import type { Node, ValueInfo } from '../graph/graph.js';
import { sizeOf } from '../graph/tensor.js';
import type { OpDef } from './op.js';
import { attrFloat, attrInt } from './util/attrs.js';
import { broadcastOffsets, broadcastsTo } from './util/broadcast.js';
import { requireDtype } from './util/dtypes.js';
import { hasInput, requireInput } from './util/inputs.js';
import { matMulSums } from './util/linalg.js';

interface Dims {
  m: number;
  k: number;
  n: number;
  transA: boolean;
  transB: boolean;
}

function dims(node: Node, a: ValueInfo, b: ValueInfo): Dims {
  const transA = attrInt(node, 'transA', 0) !== 0;
  const transB = attrInt(node, 'transB', 0) !== 0;
  if (a.shape.length !== 2 || b.shape.length !== 2) {
    nodeError(node, `A and B must be matrices, got shapes [${a.shape}] and [${b.shape}]`);
  }
  const [m, k] = transA ? [a.shape[1]!, a.shape[0]!] : [a.shape[0]!, a.shape[1]!];
  const [kb, n] = transB ? [b.shape[1]!, b.shape[0]!] : [b.shape[0]!, b.shape[1]!];
  if (k !== kb) {
    nodeError(node, `inner dimensions differ: A [${a.shape}] (transA=${+transA}), B [${b.shape}] (transB=${+transB})`);
  }
  return { m, k, n, transA, transB };
}

export const gemm: OpDef = {
  type: 'Gemm',
  infer(node, inputs) {
    const a = requireInput(node, inputs, 0);
    const b = requireInput(node, inputs, 1);
    requireDtype(node, 0, a, ['float32'], 'float32');
    requireDtype(node, 1, b, ['float32'], 'float32');
    const { m, n } = dims(node, a, b);
    const c = inputs[2];
    if (hasInput(node, 2) && c) {
      requireDtype(node, 2, c, ['float32'], 'float32');
      if (!broadcastsTo(c.shape, [m, n])) nodeError(node, `C of shape [${c.shape}] does not broadcast to [${m},${n}]`);
    }
    attrFloat(node, 'alpha', 1);
    attrFloat(node, 'beta', 1);
    return [{ dtype: 'float32', shape: [m, n] }];
  },
  evaluateWork(_node, inputs, outputs) {
    // M·K·N multiply-adds: every element of A meets every column of the output.
    return sizeOf(inputs[0]!.shape) * outputs[0]!.shape[1]!;
  },
  evaluate(node, inputs) {
    const a = requireInput(node, inputs, 0);
    const b = requireInput(node, inputs, 1);
    const { m, k, n, transA, transB } = dims(node, a, b);
    const alpha = attrFloat(node, 'alpha', 1);
    const beta = attrFloat(node, 'beta', 1);
    const sums = new Float64Array(m * n);
    matMulSums(
      { data: a.data, offset: 0, rowStride: transA ? 1 : k, colStride: transA ? m : 1 },
      { data: b.data, offset: 0, rowStride: transB ? 1 : n, colStride: transB ? k : 1 },
      m, k, n, sums,
    );
    const out = new Float32Array(m * n);
    const c = inputs[2];
    if (c) {
      const offsets = broadcastOffsets(c.shape, [m, n]);
      for (let i = 0; i < out.length; i++) out[i] = alpha * sums[i]! + beta * c.data[offsets[i]!]!;
    } else {
      for (let i = 0; i < out.length; i++) out[i] = alpha * sums[i]!;
    }
    return [{ dtype: 'float32', shape: [m, n], data: out }];
  },
};
