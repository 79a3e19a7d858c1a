/**
 * VGG-small's binary conv -> MaxPool -> BatchNorm -> (hardtanh ...) -> Sign as one threshold layer writing packed
 * bits, followed by a max pool on the bits (kernel maxpool_bits).
 *
 * Exact, channel by channel: the conv output g(d) = s*d + b (s > 0, rounded to float32) is non-decreasing in the
 * integer dot d, so the float max over a window is g(max d); the chain after the pool maps it to a sign through a
 * monotone F (threshold.ts checks monotonicity). The threshold layer writes F(d) for every tap, and
 * F(max d) = max over the taps of F(d) when F is non-decreasing (+1 iff any tap is +1: AND of bits, bit 1 = -1),
 * = min of F(d) when F is non-increasing (a negative BN scale: -1 iff any tap is -1: OR of bits). The
 * non-increasing channels are exactly those whose weights the threshold flipped.
 * Only pools whose windows lie inside the input qualify (no padding): every window then has all its taps.
 */
import type { Graph, Node } from '../../graph/graph.js';
import { attrInt, attrInts } from '../../ops/util/attrs.js';
import type { BinaryWeights } from '../3-binarize/binarize.js';
import type { BinaryConvOp, ConvShape } from './fused.js';
import { toShape3, windowOf } from './geometry.js';
import { thresholdLayer } from './threshold-epilogue.js';

export type SignChainFrom = (from: Node) => { between: Node[]; sign: Node } | undefined;

export function fusePooledThreshold(
  graph: Graph,
  node: Node,
  weights: BinaryWeights,
  shape: ConvShape,
  affine: { bias: Float64Array; alpha: number },
  single: (v: string) => Node | undefined,
  signChainFrom: SignChainFrom,
  absorbed: Set<Node>,
): BinaryConvOp | undefined {
  const pool = single(node.outputs[0]!);
  if (pool?.opType !== 'MaxPool') return undefined;
  const window = insideWindow(graph, pool);
  const bnNode = single(pool.outputs[0]!);
  if (!window || bnNode?.opType !== 'BatchNormalization') return undefined;
  const chain = signChainFrom(bnNode);
  if (!chain) return undefined;

  const { signs, epilogue, flip } = thresholdLayer(graph, node, weights, shape, affine, [bnNode, ...chain.between], chain.sign);
  const orMask = new Uint32Array(Math.ceil(weights.outChannels / 32));
  for (let c = 0; c < weights.outChannels; c++) if (flip[c]) orMask[c >> 5]! |= (1 << (c & 31)) >>> 0;
  for (const n of [pool, bnNode, ...chain.between, chain.sign]) absorbed.add(n);
  return {
    kind: 'bconv',
    origin: [node, pool, bnNode, ...chain.between, chain.sign].map((n) => n.name).join(' + '),
    input: node.inputs[0]!,
    output: chain.sign.outputs[0]!,
    signs,
    // Ties are counted per tap, before the pool: an upper bound on the sign(0) ties of the float model.
    epilogue,
    ...shape,
    pool: { convOutput: node.outputs[0]!, window, orMask },
  };
}

/** The pool's window when it is a plain 2-D max pool whose windows all lie inside the input; else undefined. */
function insideWindow(graph: Graph, pool: Node): ReturnType<typeof windowOf> | undefined {
  const kernel = attrInts(pool, 'kernel_shape');
  if (!kernel || kernel.length !== 2 || (pool.outputs.length > 1 && pool.outputs[1])) return undefined;
  if (attrInt(pool, 'storage_order', 0) !== 0) return undefined;
  const inInfo = graph.values.get(pool.inputs[0]!);
  const outInfo = graph.values.get(pool.outputs[0]!);
  if (!inInfo || !outInfo || inInfo.shape.length !== 4) return undefined;
  const inShape = toShape3(pool, inInfo.shape);
  const outShape = toShape3(pool, outInfo.shape);
  const w = windowOf(pool, [kernel[0]!, kernel[1]!], inShape, outShape);
  const pads = attrInts(pool, 'pads', [0, 0, 0, 0]);
  const inside = (o: number, s: number, k: number, d: number, size: number) => (o - 1) * s + (k - 1) * d < size;
  if (pads.some((p) => p !== 0) || w.padTop !== 0 || w.padLeft !== 0) return undefined;
  if (!inside(outShape[1], w.strideH, w.kH, w.dilH, inShape[1]) || !inside(outShape[2], w.strideW, w.kW, w.dilW, inShape[2])) return undefined;
  return w;
}
