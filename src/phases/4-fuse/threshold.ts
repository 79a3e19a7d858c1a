/**
 * BN (+ Clip/Relu) + Sign after a binary layer -> one integer threshold per output channel.
 *
 * The float model computes, for an integer dot product d, pre = s_c * d + bias_c (exact for a power-of-two s_c),
 * then the chain (BatchNormalization, Clip, ...), then Sign. We evaluate exactly that chain with bnngen's own float
 * reference ops for EVERY d in [-K, K], so the integer compare equals the float expression for every reachable dot
 * by construction (tests check it again). The set {d : f(d) >= 0} (sign(0) -> +1) must be a suffix [tau, K] (the
 * compare is d >= tau) or a prefix [-K, tau'] (weights of that channel are flipped, d' = -d, compare d' >= -tau').
 */
import { nodeError } from '../../errors.js';
import type { Graph, Node } from '../../graph/graph.js';
import type { Tensor } from '../../graph/tensor.js';
import { findOp } from '../../ops/index.js';
import { chainConstant } from './chain-ops.js';

export interface ChainStep {
  readonly node: Node;
}

export interface Thresholds {
  /** +1 (bit 0) iff dot' >= thresholds[c], where dot' = -dot for flipped channels. */
  readonly thresholds: Int32Array;
  readonly flip: Uint8Array;
  /** Dots (in the compared, possibly flipped, sense) where the float expression is exactly 0: sign(0) ties. */
  readonly tieDots: number[][];
}

/** f(c, d) for all channels and d in [-k, k], via the graph's own op semantics. */
function evaluateChain(graph: Graph, steps: readonly ChainStep[], k: number, dotScale: Float32Array, bias: Float64Array): Tensor {
  const channels = dotScale.length;
  const n = 2 * k + 1;
  const pre = new Float32Array(channels * n);
  for (let c = 0; c < channels; c++) for (let j = 0; j < n; j++) pre[c * n + j] = Math.fround(dotScale[c]! * (j - k) + bias[c]!);
  let value: Tensor = { dtype: 'float32', shape: [1, channels, 1, n], data: pre };
  for (const { node } of steps) {
    const op = findOp(node.opType, node.domain);
    if (!op) nodeError(node, `no reference semantics for ${node.opType}`);
    // The chain value is the one input that is not a constant (Sub(b, x) and Add(b, x) have it second).
    const inputs = node.inputs.map((name) => {
      const t = name ? graph.constants.get(name) : undefined;
      return t ? chainConstant(node, t, channels) : name ? value : undefined;
    });
    if (node.inputs.filter((name) => name && !graph.constants.has(name)).length !== 1) nodeError(node, 'parameters must be compile-time constants to fuse into a threshold');
    value = op.evaluate(node, inputs, { opset: graph.opsets.get(node.domain) ?? 1 })[0]!;
  }
  return value;
}

export function thresholdsFor(
  graph: Graph,
  layer: Node,
  k: number,
  dotScale: Float32Array,
  bias: Float64Array,
  steps: readonly ChainStep[],
): Thresholds {
  const channels = dotScale.length;
  const f = evaluateChain(graph, steps, k, dotScale, bias).data;
  const n = 2 * k + 1;
  const thresholds = new Int32Array(channels);
  const flip = new Uint8Array(channels);
  const tieDots: number[][] = [];
  for (let c = 0; c < channels; c++) {
    const pos = (j: number) => !(f[c * n + j]! < 0); // sign(0) and NaN -> +1, as pack_sign does
    let first = -1;
    let last = -1;
    let count = 0;
    for (let j = 0; j < n; j++) {
      if (!pos(j)) continue;
      if (first < 0) first = j;
      last = j;
      count++;
    }
    const ties: number[] = [];
    if (count === 0) {
      thresholds[c] = k + 1; // never +1
    } else if (last === n - 1 && count === n - first) {
      thresholds[c] = first - k; // suffix: d >= tau
      for (let j = 0; j < n; j++) if (f[c * n + j] === 0) ties.push(j - k);
    } else if (first === 0 && count === last + 1) {
      flip[c] = 1; // prefix: d <= last - k  <=>  -d >= k - last
      thresholds[c] = k - last;
      for (let j = 0; j < n; j++) if (f[c * n + j] === 0) ties.push(k - j);
    } else {
      nodeError(layer, `channel ${c}: the BatchNorm/activation chain before Sign is not monotone in the dot product`);
    }
    tieDots.push(ties);
  }
  return { thresholds, flip, tieDots };
}
