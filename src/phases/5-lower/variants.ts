/**
 * Lowering of the layers users bring from other BNN recipes: binary-weight convolutions on real inputs (1w32a),
 * PRelu / LeakyRelu, and a trailing Softmax / LogSoftmax.
 */
import { nodeError } from '../../errors.js';
import type { Node } from '../../graph/graph.js';
import { attrFloat, attrInt } from '../../ops/util/attrs.js';
import { softmaxGroups } from '../../ops/softmax.js';
import type { BinaryWeightConvOp } from '../4-fuse/fused.js';
import type { LowerContext } from './lower.js';

/** signs [oc][K] (K = ic*kh*kw in ONNX order) -> u32 [oc][ceil(K/32)], bit k of each channel's string; bit 1 = -1. */
export function packFilterBits(signs: Int8Array, oc: number): Uint32Array {
  const k = signs.length / oc;
  const words = Math.ceil(k / 32);
  const out = new Uint32Array(oc * words);
  for (let o = 0; o < oc; o++) {
    for (let i = 0; i < k; i++) {
      if (signs[o * k + i]! >= 0) continue;
      const word = o * words + (i >>> 5);
      out[word] = (out[word]! | (1 << (i & 31))) >>> 0;
    }
  }
  return out;
}

export function lowerBinaryWeightConv(ctx: LowerContext, op: BinaryWeightConvOp): void {
  const node: Node = { name: op.origin, opType: 'Conv', domain: '', inputs: [op.input], outputs: [op.output], attrs: {} };
  const src = ctx.input(node, op.input);
  const dst = ctx.output(node, op.output);
  ctx.emit({
    kernel: 'bwconv2d_f32', origin: op.origin, input: src.buffer, output: dst.buffer, inShape: op.inShape,
    outShape: op.outShape, window: op.window, weights: ctx.constant('w', packFilterBits(op.signs, op.outShape[0])),
    scale: ctx.constant('scale', op.scale), shift: ctx.constant('shift', op.shift),
  });
}

/** PRelu (slope per channel or scalar, broadcast as ONNX allows) and LeakyRelu (slope `alpha`). */
export function lowerPRelu(ctx: LowerContext, node: Node): void {
  const src = ctx.input(node, node.inputs[0]!);
  const channels = src.shape[0];
  const rank = ctx.graph.values.get(node.inputs[0]!)!.shape.length;
  let slope: Float32Array;
  if (node.opType === 'LeakyRelu') {
    slope = new Float32Array(channels).fill(attrFloat(node, 'alpha', 0.01));
  } else {
    const t = ctx.graph.constants.get(node.inputs[1]!);
    if (!t) nodeError(node, 'the PRelu slope must be a compile-time constant');
    const aligned = [...Array(Math.max(0, rank - t.shape.length)).fill(1), ...t.shape];
    const perChannel = aligned.length === rank && aligned.every((d, i) => d === 1 || (i === 1 && d === channels));
    if (!perChannel) nodeError(node, `PRelu slope of shape [${t.shape}] is supported only per channel or as a scalar`);
    slope = Float32Array.from({ length: channels }, (_, c) => t.data[t.data.length === 1 ? 0 : c]!);
  }
  const dst = ctx.output(node, node.outputs[0]!);
  ctx.emit({ kernel: 'prelu_f32', origin: node.name, input: src.buffer, output: dst.buffer, shape: src.shape, slope: ctx.constant('slope', slope) });
}

/** Softmax / LogSoftmax over the last axis of a [1, N] value (or any value whose other axes are all 1). */
export function lowerSoftmax(ctx: LowerContext, node: Node): void {
  const shape = ctx.graph.values.get(node.inputs[0]!)!.shape;
  const opset = ctx.graph.opsets.get('') ?? 13;
  // The kernel normalises the whole tensor as one group (the op's groups, softmaxGroups: just one).
  const [outer, , inner] = softmaxGroups(node, shape, opset);
  if (outer !== 1 || inner !== 1) {
    const axis = attrInt(node, 'axis', opset >= 13 ? -1 : 1);
    nodeError(node, `${node.opType} over axis ${axis} of a [${shape}] value is not supported; only over the one non-batch axis of a vector`);
  }
  const src = ctx.input(node, node.inputs[0]!);
  const dst = ctx.output(node, node.outputs[0]!);
  const size = src.shape[0] * src.shape[1] * src.shape[2];
  ctx.emit({ kernel: 'softmax_f32', origin: node.name, input: src.buffer, output: dst.buffer, size, log: node.opType === 'LogSoftmax' });
}
