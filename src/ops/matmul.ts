/**
 * MatMul with numpy semantics: the last two axes multiply, leading (batch) axes broadcast; a 1-D first operand
 * is a row vector and a 1-D second operand a column vector, and that axis is dropped from the result.
 * Sums are float64; each output is rounded to float32 once.
 */
import { nodeError } from '../errors.js';
import type { Node, ValueInfo } from '../graph/graph.js';
import { sizeOf } from '../graph/tensor.js';
import type { OpDef } from './op.js';
import { broadcastOffsets, broadcastShapes } from './util/broadcast.js';
import { requireDtype } from './util/dtypes.js';
import { requireInput } from './util/inputs.js';
import { matMulSums } from './util/linalg.js';

interface Plan {
  m: number;
  k: number;
  n: number;
  aBatch: number[];
  bBatch: number[];
  batch: number[];
  outShape: number[];
}

function plan(node: Node, a: ValueInfo, b: ValueInfo): Plan {
  if (a.shape.length === 0 || b.shape.length === 0) {
    nodeError(node, `MatMul operands must have rank >= 1, got shapes [${a.shape}] and [${b.shape}]`);
  }
  const as = a.shape.length === 1 ? [1, a.shape[0]!] : [...a.shape];
  const bs = b.shape.length === 1 ? [b.shape[0]!, 1] : [...b.shape];
  const [m, k] = as.slice(-2) as [number, number];
  const [kb, n] = bs.slice(-2) as [number, number];
  if (k !== kb) nodeError(node, `inner dimensions differ: A [${a.shape}], B [${b.shape}]`);
  const aBatch = as.slice(0, -2);
  const bBatch = bs.slice(0, -2);
  const batch = broadcastShapes(aBatch, bBatch);
  if (!batch) nodeError(node, `batch dimensions do not broadcast: A [${a.shape}], B [${b.shape}]`);
  const outShape = [...batch];
  if (a.shape.length > 1) outShape.push(m);
  if (b.shape.length > 1) outShape.push(n);
  return { m, k, n, aBatch, bBatch, batch, outShape };
}

export const matMul: OpDef = {
  type: 'MatMul',
  infer(node, inputs) {
    const a = requireInput(node, inputs, 0);
    const b = requireInput(node, inputs, 1);
    requireDtype(node, 0, a, ['float32'], 'float32');
    requireDtype(node, 1, b, ['float32'], 'float32');
    return [{ dtype: 'float32', shape: plan(node, a, b).outShape }];
  },
  evaluateWork(_node, inputs, outputs) {
    // K multiply-adds per output element (K: A's last axis).
    const a = inputs[0]!.shape;
    return sizeOf(outputs[0]!.shape) * a[a.length - 1]!;
  },
  evaluate(node, inputs) {
    const a = requireInput(node, inputs, 0);
    const b = requireInput(node, inputs, 1);
    const { m, k, n, aBatch, bBatch, batch, outShape } = plan(node, a, b);
    const aOffsets = broadcastOffsets(aBatch, batch);
    const bOffsets = broadcastOffsets(bBatch, batch);
    const out = new Float32Array(sizeOf(outShape));
    const sums = new Float64Array(m * n);
    for (let i = 0; i < aOffsets.length; i++) {
      matMulSums(
        { data: a.data, offset: aOffsets[i]! * m * k, rowStride: k, colStride: 1 },
        { data: b.data, offset: bOffsets[i]! * k * n, rowStride: n, colStride: 1 },
        m, k, n, sums,
      );
      out.set(sums, i * m * n); // Float32Array.set rounds each sum to float32 once
    }
    return [{ dtype: 'float32', shape: outShape, data: out }];
  },
};
