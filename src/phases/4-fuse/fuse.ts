/**
 * Phase 4: fuse. Binary layers absorb a following BatchNorm as a float affine epilogue, or, when the chain ends
 * in the next layer's Sign, as an integer threshold that writes packed bits directly. Full-precision Conv/Gemm/
 * MatMul become RealConvOps with a following BatchNorm folded into weights and bias. Sign nodes feeding binary
 * layers become SignOps (packing); with binarization disabled (the float path) they stay PlainOps and become a
 * float sign kernel. Everything else passes through as a PlainOp.
 */
import { nodeError } from '../../errors.js';
import type { Graph, Node } from '../../graph/graph.js';
import { attrFloat, attrInt, attrInts } from '../../ops/util/attrs.js';
import { isBinarizer, zeroIsTie } from '../../ops/util/binarizer.js';
import type { BinarizeResult, BinaryWeights } from '../3-binarize/binarize.js';
import type { BinaryConvOp, ConvShape, FusedModel, FusedOp, RealConvOp } from './fused.js';
import { batchNorm } from './batchnorm.js';
import { toShape3, windowOf } from './geometry.js';
import { thresholdLayer } from './threshold-epilogue.js';
import { fusePooledThreshold } from './pooled-threshold.js';
import { chainable } from './chain-ops.js';
import { fuseRealInput } from './real-input.js';

export function fuse(result: BinarizeResult): FusedModel {
  const { graph, binary } = result;
  const consumers = consumerMap(graph);
  const absorbed = new Set<Node>();
  const ops: FusedOp[] = [];
  const feedsOnlyBinary = (sign: Node): boolean => {
    const out = sign.outputs[0]!;
    return !graph.outputs.includes(out) && (consumers.get(out) ?? []).every((r) => binary.has(r.name));
  };
  const single = (value: string): Node | undefined => {
    const list = consumers.get(value) ?? [];
    return list.length === 1 && !graph.outputs.includes(value) ? list[0] : undefined;
  };

  for (const node of graph.nodes) {
    if (absorbed.has(node)) continue;
    const weights = binary.get(node.name);
    if (weights) {
      ops.push(fuseBinary(graph, node, weights, single, feedsOnlyBinary, absorbed));
    } else if (result.realInput.has(node.name)) {
      ops.push(fuseRealInput(graph, node, result.realInput.get(node.name)!, single, absorbed));
    } else if (node.opType === 'Conv' || node.opType === 'Gemm' || node.opType === 'MatMul') {
      ops.push(fuseReal(graph, node, single, absorbed));
    } else if (isBinarizer(node) && !result.enabled) {
      ops.push({ kind: 'node', node }); // the float path: a float32 sign kernel, ONNX semantics
    } else if (isBinarizer(node)) {
      if (!feedsOnlyBinary(node)) {
        const other = (consumers.get(node.outputs[0]!) ?? []).find((r) => !binary.has(r.name));
        nodeError(node, `${node.opType} output feeds ${other ? `'${other.name}' (${other.opType})` : 'a graph output'}, which is not a binary layer; only ${node.opType} -> binary Conv/Gemm/MatMul is supported`);
      }
      ops.push({ kind: 'sign', origin: node.name, input: node.inputs[0]!, output: node.outputs[0]!, ...(zeroIsTie(node) ? {} : { zeroIsTie: false }) });
    } else {
      ops.push({ kind: 'node', node });
    }
  }
  return { graph, ops, verdicts: result.verdicts };
}

function consumerMap(graph: Graph): Map<string, Node[]> {
  const map = new Map<string, Node[]>();
  for (const n of graph.nodes) {
    for (const i of n.inputs) {
      if (!i) continue;
      const list = map.get(i) ?? [];
      if (!list.includes(n)) list.push(n);
      map.set(i, list);
    }
  }
  return map;
}

/** Geometry of a Conv (2-D) or of a Gemm/MatMul seen as a 1x1 conv over [K, 1, 1]. */
export function convShape(graph: Graph, node: Node): ConvShape {
  const inInfo = graph.values.get(node.inputs[0]!);
  const outInfo = graph.values.get(node.outputs[0]!);
  if (!inInfo || !outInfo) nodeError(node, 'missing shape information');
  if (node.opType === 'Conv') {
    if (inInfo.shape.length !== 4) nodeError(node, `only 2-D convolutions are supported (input [${inInfo.shape}])`);
    const w = graph.constants.get(node.inputs[1]!);
    if (!w) nodeError(node, 'Conv weight must be a compile-time constant');
    if (attrInt(node, 'group', 1) !== 1) nodeError(node, `grouped convolution (group=${attrInt(node, 'group', 1)}) is not supported yet`);
    const inShape = toShape3(node, inInfo.shape);
    const outShape = toShape3(node, outInfo.shape);
    const kernel = attrInts(node, 'kernel_shape', [w.shape[2]!, w.shape[3]!]);
    return { inShape, outShape, window: windowOf(node, [kernel[0]!, kernel[1]!], inShape, outShape) };
  }
  if (inInfo.shape.length !== 2 || outInfo.shape.length !== 2) {
    nodeError(node, `${node.opType} is supported on [1, K] inputs only (got [${inInfo.shape}])`);
  }
  return {
    inShape: [inInfo.shape[1]!, 1, 1],
    outShape: [outInfo.shape[1]!, 1, 1],
    window: { kH: 1, kW: 1, strideH: 1, strideW: 1, padTop: 0, padLeft: 0, dilH: 1, dilW: 1 },
  };
}

/** Bias (already multiplied by Gemm's beta) and the multiplier Gemm's alpha puts on the product. */
export function biasAndAlpha(graph: Graph, node: Node, outChannels: number): { bias: Float64Array; alpha: number } {
  const bias = new Float64Array(outChannels);
  if (node.opType === 'MatMul') return { bias, alpha: 1 };
  const alpha = node.opType === 'Gemm' ? attrFloat(node, 'alpha', 1) : 1;
  const beta = node.opType === 'Gemm' ? attrFloat(node, 'beta', 1) : 1;
  const name = node.inputs[2];
  if (!name) return { bias, alpha };
  const b = graph.constants.get(name);
  if (!b) nodeError(node, 'bias must be a compile-time constant');
  if (b.data.length !== 1 && b.data.length !== outChannels) {
    nodeError(node, `bias of shape [${b.shape}] is not per output channel (${outChannels})`);
  }
  for (let c = 0; c < outChannels; c++) bias[c] = Math.fround(beta * b.data[b.data.length === 1 ? 0 : c]!);
  return { bias, alpha };
}

/** The BatchNormalization that alone consumes `value`, if any. */
export function followingBatchNorm(value: string, single: (v: string) => Node | undefined): Node | undefined {
  const next = single(value);
  return next?.opType === 'BatchNormalization' ? next : undefined;
}

function fuseReal(graph: Graph, node: Node, single: (v: string) => Node | undefined, absorbed: Set<Node>): RealConvOp {
  const shape = convShape(graph, node);
  const oc = shape.outShape[0];
  const weights = realWeights(graph, node, shape);
  const { bias, alpha } = biasAndAlpha(graph, node, oc);
  const k = weights.length / oc;
  const bnNode = followingBatchNorm(node.outputs[0]!, single);
  const bn = bnNode ? batchNorm(graph, bnNode, oc) : undefined;
  const w = new Float32Array(weights.length);
  const b = new Float32Array(oc);
  for (let c = 0; c < oc; c++) {
    const g = (bn ? bn.gain[c]! : 1) * alpha;
    for (let i = 0; i < k; i++) w[c * k + i] = Math.fround(weights[c * k + i]! * g);
    b[c] = bn ? Math.fround((bias[c]! - bn.mean[c]!) * bn.gain[c]! + bn.beta[c]!) : Math.fround(bias[c]!);
  }
  if (bnNode) absorbed.add(bnNode);
  const output = bnNode ? bnNode.outputs[0]! : node.outputs[0]!;
  return { kind: 'conv', origin: bnNode ? `${node.name} + ${bnNode.name}` : node.name, input: node.inputs[0]!, output, weights: w, bias: b, ...shape };
}

/** Full-precision weights in [oc][ic][kh][kw] (Conv) or [N][K] (Gemm/MatMul) order. */
function realWeights(graph: Graph, node: Node, shape: ConvShape): Float32Array {
  const w = graph.constants.get(node.inputs[1]!);
  if (!w) nodeError(node, `${node.opType} weight must be a compile-time constant`);
  if (w.dtype !== 'float32') nodeError(node, `${node.opType} weight is ${w.dtype}; float32 expected`);
  if (node.opType === 'Conv') return Float32Array.from(w.data);
  const [n, kk] = [shape.outShape[0], shape.inShape[0]];
  const transposed = node.opType === 'Gemm' && attrInt(node, 'transB', 0) === 1;
  if (node.opType === 'Gemm' && attrInt(node, 'transA', 0) !== 0) nodeError(node, 'Gemm with transA=1 is not supported');
  const out = new Float32Array(n * kk);
  for (let o = 0; o < n; o++) for (let i = 0; i < kk; i++) out[o * kk + i] = w.data[transposed ? o * kk + i : i * n + o]!;
  return out;
}

function fuseBinary(
  graph: Graph,
  node: Node,
  weights: BinaryWeights,
  single: (v: string) => Node | undefined,
  feedsOnlyBinary: (sign: Node) => boolean,
  absorbed: Set<Node>,
): BinaryConvOp {
  const shape = convShape(graph, node);
  const oc = weights.outChannels;
  const { bias, alpha } = biasAndAlpha(graph, node, oc);
  const bnNode = followingBatchNorm(node.outputs[0]!, single);
  const bn = bnNode ? batchNorm(graph, bnNode, oc) : undefined;
  const input = node.inputs[0]!;
  const chainFrom = (from: Node) => signChain(graph, from, single, feedsOnlyBinary);
  const pooled = bnNode ? undefined : fusePooledThreshold(graph, node, weights, shape, { bias, alpha }, single, chainFrom, absorbed);
  if (pooled) return pooled;

  const chain = signChain(graph, bnNode ?? node, single, feedsOnlyBinary);
  if (chain) {
    const between = [...(bnNode ? [bnNode] : []), ...chain.between];
    const { signs, epilogue } = thresholdLayer(graph, node, weights, shape, { bias, alpha }, between, chain.sign);
    for (const n of [...between, chain.sign]) absorbed.add(n);
    const origin = [node, ...between, chain.sign].map((n) => n.name).join(' + ');
    return { kind: 'bconv', origin, input, output: chain.sign.outputs[0]!, signs, epilogue, ...shape };
  }

  const scale = new Float32Array(oc);
  const shift = new Float32Array(oc);
  for (let c = 0; c < oc; c++) {
    const s = weights.scales[c]! * alpha;
    scale[c] = Math.fround(bn ? s * bn.gain[c]! : s);
    shift[c] = Math.fround(bn ? (bias[c]! - bn.mean[c]!) * bn.gain[c]! + bn.beta[c]! : bias[c]!);
  }
  if (bnNode) absorbed.add(bnNode);
  return {
    kind: 'bconv', origin: bnNode ? `${node.name} + ${bnNode.name}` : node.name, input,
    output: bnNode ? bnNode.outputs[0]! : node.outputs[0]!, signs: weights.signs,
    epilogue: { kind: 'affine', scale, shift }, ...shape,
  };
}

/**
 * When `from`'s output reaches a Sign through single-consumer elementwise nodes with constant parameters
 * (chain-ops.ts), and that Sign feeds only binary layers (checked by the caller's graph walk), the whole chain
 * can become an integer threshold.
 */
function signChain(
  graph: Graph,
  from: Node,
  single: (v: string) => Node | undefined,
  feedsOnlyBinary: (sign: Node) => boolean,
): { between: Node[]; sign: Node } | undefined {
  const between: Node[] = [];
  let cur = from;
  for (;;) {
    const next = single(cur.outputs[0]!);
    if (!next) return undefined;
    if (isBinarizer(next)) return feedsOnlyBinary(next) ? { between, sign: next } : undefined;
    if (!chainable(graph, next, cur.outputs[0]!)) return undefined;
    between.push(next);
    cur = next;
  }
}

