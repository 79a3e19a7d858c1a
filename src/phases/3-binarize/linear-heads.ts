/**
 * Linear heads over a spatial activation: `X[1,C,H,W] -> Flatten (or Reshape to [1, C*H*W]) -> Gemm/MatMul`,
 * also with a Sign on either side of the Flatten. With batch 1 the ONNX flatten order is CHW, so the product
 * with a weight row is exactly a convolution with an H x W kernel and no padding over X, whose weights are that
 * row read as [C][H][W]. Rewriting the head as such a Conv lets the rest of the pipeline treat it like any
 * other conv: a real head reads the CHW float buffer without a reshape, and a binary head reads the packed HWC
 * signs of the layer before (the layout change is the packing of the [N][C][H][W] weights, done at compile
 * time), even when that layer's BatchNorm + Sign became a threshold.
 *
 * Only the internal graph changes: the Conv keeps the linear layer's node name and writes its [1, N] output
 * value, and the float reference (verification) still runs the loaded graph.
 */
import { freshName, type Graph, type Node, type ValueInfo } from '../../graph/graph.js';
import type { Tensor } from '../../graph/tensor.js';
import { attrFloat, attrInt } from '../../ops/util/attrs.js';
import { isBinarizer } from '../../ops/util/binarizer.js';

export interface LinearHeads {
  readonly graph: Graph;
  /** Conv nodes that were a Gemm or MatMul, by name, with the original op type and the kernel they got. */
  readonly rewritten: ReadonlyMap<string, { readonly opType: string; readonly kernel: readonly [number, number] }>;
}

export function linearHeadsAsConvs(graph: Graph): LinearHeads {
  const producers = new Map<string, Node>();
  const consumers = new Map<string, number>();
  for (const n of graph.nodes) {
    for (const o of n.outputs) producers.set(o, n);
    for (const i of new Set(n.inputs)) if (i) consumers.set(i, (consumers.get(i) ?? 0) + 1);
  }
  const privateValue = (v: string) => consumers.get(v) === 1 && !graph.outputs.includes(v);
  const removed = new Set<Node>();
  const replaced = new Map<Node, Node[]>();
  const constants = new Map(graph.constants);
  const values = new Map(graph.values);
  const rewritten = new Map<string, { opType: string; kernel: readonly [number, number] }>();

  for (const node of graph.nodes) {
    if (node.opType !== 'Gemm' && node.opType !== 'MatMul') continue;
    const activation = node.inputs[0]!;
    const source = spatialSource(graph, activation, producers, privateValue);
    if (!source) continue;
    const weights = convWeights(graph, node, source.shape);
    if (!weights) continue;
    const [, c, h, w] = source.shape;
    const weightName = uniqueName(constants, values, `${node.name}__hw_kernel`);
    constants.set(weightName, { dtype: 'float32', shape: [weights.rows, c!, h!, w!], data: weights.data });
    const inputs = [source.input, weightName];
    if (weights.bias) {
      const biasName = uniqueName(constants, values, `${node.name}__bias`);
      constants.set(biasName, { dtype: 'float32', shape: [weights.rows], data: weights.bias });
      inputs.push(biasName);
    }
    const conv: Node = {
      name: node.name, opType: 'Conv', domain: '', inputs, outputs: [node.outputs[0]!],
      attrs: { kernel_shape: { type: 'ints', value: [h!, w!] } },
    };
    for (const n of source.drop) removed.add(n);
    const before = source.sign ? [source.sign] : [];
    if (source.sign) values.set(source.sign.outputs[0]!, { dtype: 'float32', shape: source.shape });
    replaced.set(node, [...before, conv]);
    rewritten.set(node.name, { opType: node.opType, kernel: [h!, w!] });
  }
  if (rewritten.size === 0) return { graph, rewritten };
  const nodes = graph.nodes.filter((n) => !removed.has(n)).flatMap((n) => replaced.get(n) ?? [n]);
  return { graph: { ...graph, nodes, constants, values }, rewritten };
}

interface SpatialSource {
  /** The value the Conv reads: X, or the output of a Sign of X. */
  readonly input: string;
  readonly shape: readonly number[];
  /** Nodes the Conv replaces (the Flatten, and a Sign after it). */
  readonly drop: readonly Node[];
  /** A Sign (or BipolarQuant) moved before the Flatten (Flatten -> Sign becomes Sign -> Conv), if any. */
  readonly sign?: Node;
}

/** Where a linear layer's [1, K] input comes from, when it is a private flatten of a [1, C, H, W] value (H*W > 1). */
function spatialSource(
  graph: Graph,
  activation: string,
  producers: ReadonlyMap<string, Node>,
  privateValue: (v: string) => boolean,
): SpatialSource | undefined {
  const p = producers.get(activation);
  if (!p || !privateValue(activation)) return undefined;
  const flat = flattened(graph, p);
  if (flat) return { input: p.inputs[0]!, shape: flat, drop: [p] };
  if (!isBinarizer(p)) return undefined;
  const q = producers.get(p.inputs[0]!);
  const shape = q && privateValue(p.inputs[0]!) ? flattened(graph, q) : undefined;
  if (!q || !shape) return undefined;
  // Elementwise, and any scale (BipolarQuant's) a scalar constant: it commutes with the Flatten.
  if (p.inputs.slice(1).some((i) => i && graph.constants.get(i)?.data.length !== 1)) return undefined;
  const sign: Node = { ...p, inputs: [q.inputs[0]!, ...p.inputs.slice(1)] };
  return { input: p.outputs[0]!, shape, drop: [q, p], sign };
}

/** The [1, C, H, W] input shape of a Flatten/Reshape that makes it [1, C*H*W], when H*W > 1. */
function flattened(graph: Graph, node: Node): readonly number[] | undefined {
  if (node.opType !== 'Flatten' && node.opType !== 'Reshape') return undefined;
  const from = graph.values.get(node.inputs[0]!)?.shape;
  const to = graph.values.get(node.outputs[0]!)?.shape;
  if (!from || !to || from.length !== 4 || from[0] !== 1 || to.length !== 2 || to[0] !== 1) return undefined;
  if (from[2]! * from[3]! === 1 || to[1] !== from[1]! * from[2]! * from[3]!) return undefined;
  return from;
}

/** Weights [N][K] (alpha applied) and bias (beta applied) of the linear layer, or undefined when not constant. */
function convWeights(
  graph: Graph,
  node: Node,
  inShape: readonly number[],
): { rows: number; data: Float32Array; bias?: Float32Array } | undefined {
  const w = graph.constants.get(node.inputs[1]!);
  const k = inShape[1]! * inShape[2]! * inShape[3]!;
  if (!w || w.dtype !== 'float32' || w.shape.length !== 2) return undefined;
  const gemm = node.opType === 'Gemm';
  if (gemm && attrInt(node, 'transA', 0) !== 0) return undefined;
  const transB = gemm && attrInt(node, 'transB', 0) === 1;
  const rows = transB ? w.shape[0]! : w.shape[1]!;
  if ((transB ? w.shape[1] : w.shape[0]) !== k) return undefined;
  const alpha = gemm ? attrFloat(node, 'alpha', 1) : 1;
  const data = new Float32Array(rows * k);
  for (let o = 0; o < rows; o++) {
    for (let i = 0; i < k; i++) data[o * k + i] = alpha * w.data[transB ? o * k + i : i * rows + o]!;
  }
  if (!gemm || !node.inputs[2]) return { rows, data };
  const b = graph.constants.get(node.inputs[2]);
  if (!b || (b.data.length !== 1 && b.data.length !== rows) || b.shape.some((d, i) => d !== 1 && i !== b.shape.length - 1)) {
    return undefined;
  }
  const beta = attrFloat(node, 'beta', 1);
  return { rows, data, bias: Float32Array.from({ length: rows }, (_, o) => beta * b.data[b.data.length === 1 ? 0 : o]!) };
}

function uniqueName(constants: ReadonlyMap<string, Tensor>, values: ReadonlyMap<string, ValueInfo>, base: string): string {
  return freshName(base, (name) => constants.has(name) || values.has(name));
}
