/**
 * Chains of two or more elementwise Add/Sub/Mul/Div, each with a per-channel (or scalar) constant operand, on one
 * activation become a single BatchNormalization node: y = a*x + b with a and b composed in double from the
 * chain's constants (stored as scale a, bias b, mean 0, var 1, epsilon 0). Exporters write a BatchNorm out this
 * way (Brevitas' TensorNorm: ((x - mean) / (var + eps)^0.5) * w + b, once folded) and input pre-processing too
 * (2x - 1). After this pass 4-fuse folds such a chain into the preceding layer's epilogue like any BatchNorm, and
 * 5-lower emits one affine step instead of one per op. Runs on the folded graph (constants known, shapes static);
 * the float reference (the folded graph) keeps the chain as written.
 */
import { freshName, type Graph, type Node, type ValueInfo } from '../../graph/graph.js';
import { perChannelValues, type Tensor } from '../../graph/tensor.js';

const AFFINE_OPS = new Set(['Add', 'Sub', 'Mul', 'Div']);

/** One link of a chain: its activation operand and y = x * mul + add per channel (in double). */
interface Link {
  readonly node: Node;
  readonly activation: string;
  readonly mul: Float64Array;
  readonly add: Float64Array;
}

export function foldAffineChains(g: Graph): Graph {
  const consumers = new Map<string, Node[]>();
  const producers = new Map<string, Node>();
  for (const n of g.nodes) {
    for (const i of n.inputs) {
      if (!i) continue;
      const list = consumers.get(i);
      if (list) list.push(n);
      else consumers.set(i, [n]);
    }
    for (const o of n.outputs) producers.set(o, n);
  }
  const links = new Map<Node, Link>();
  for (const n of g.nodes) {
    const link = affineLink(g, n);
    if (link) links.set(n, link);
  }
  /** The link that alone consumes `value`, taking it as its activation. */
  const nextLink = (value: string): Link | undefined => {
    const list = consumers.get(value) ?? [];
    const link = list.length === 1 && !g.outputs.includes(value) ? links.get(list[0]!) : undefined;
    return link?.activation === value ? link : undefined;
  };

  const replaced = new Map<Node, Node | undefined>(); // chain head -> new node; other chain members -> undefined
  const constants = new Map(g.constants);
  const values = new Map(g.values);
  for (const n of g.nodes) {
    const head = links.get(n);
    if (!head || replaced.has(n)) continue;
    const producer = producers.get(head.activation);
    if (producer && links.has(producer) && nextLink(head.activation) === head) continue; // not the chain's head
    const chain = [head];
    for (let next = nextLink(n.outputs[0]!); next; next = nextLink(next.node.outputs[0]!)) chain.push(next);
    if (chain.length < 2) continue;
    const bn = batchNormFor(chain, constants, values);
    if (!bn) continue;
    chain.forEach((l, i) => replaced.set(l.node, i === 0 ? bn : undefined));
  }
  if (replaced.size === 0) return g;
  const nodes = g.nodes.flatMap((n) => (replaced.has(n) ? (replaced.get(n) ? [replaced.get(n)!] : []) : [n]));
  return { ...g, nodes, constants, values };
}

/** The per-channel affine form of `n`, when it is Add/Sub/Mul/Div of an activation and a per-channel constant. */
function affineLink(g: Graph, n: Node): Link | undefined {
  if (n.domain !== '' || !AFFINE_OPS.has(n.opType) || n.inputs.length !== 2 || n.outputs.length !== 1) return undefined;
  const [a, b] = [n.inputs[0]!, n.inputs[1]!];
  const constantFirst = g.constants.has(a);
  if (constantFirst === g.constants.has(b)) return undefined;
  const activation = constantFirst ? b : a;
  const info = g.values.get(activation);
  const out = g.values.get(n.outputs[0]!);
  if (!info || !out || info.dtype !== 'float32' || out.dtype !== 'float32') return undefined;
  if (info.shape.length < 2 || info.shape.join() !== out.shape.join()) return undefined;
  const v = floatPerChannel(g.constants.get(constantFirst ? a : b)!, info.shape);
  if (!v) return undefined;
  const ones = () => new Float64Array(v.length).fill(1);
  switch (n.opType) {
    case 'Add':
      return { node: n, activation, mul: ones(), add: v };
    case 'Mul':
      return { node: n, activation, mul: v, add: new Float64Array(v.length) };
    case 'Sub':
      return constantFirst
        ? { node: n, activation, mul: ones().fill(-1), add: v }
        : { node: n, activation, mul: ones(), add: v.map((x) => -x) };
    default:
      return constantFirst ? undefined : { node: n, activation, mul: v.map((x) => 1 / x), add: new Float64Array(v.length) };
  }
}

/** perChannelValues of a float32 constant (integer constants are no affine link). */
function floatPerChannel(t: Tensor, shape: readonly number[]): Float64Array | undefined {
  return t.dtype === 'float32' ? perChannelValues(t, shape) : undefined;
}

/** The BatchNormalization equivalent of a chain (adding its constants), or undefined when a value is not finite. */
function batchNormFor(chain: readonly Link[], constants: Map<string, Tensor>, values: Map<string, ValueInfo>): Node | undefined {
  const channels = chain[0]!.mul.length;
  const a = new Float64Array(channels).fill(1);
  const b = new Float64Array(channels);
  for (const l of chain) {
    for (let c = 0; c < channels; c++) {
      a[c] = a[c]! * l.mul[c]!;
      b[c] = b[c]! * l.mul[c]! + l.add[c]!;
    }
  }
  const scale = Float32Array.from(a);
  const bias = Float32Array.from(b);
  if (![...scale, ...bias].every(Number.isFinite)) return undefined;
  const last = chain[chain.length - 1]!.node;
  const base = `${last.outputs[0]}/affine`;
  const params: Array<[string, Float32Array]> = [
    ['scale', scale], ['bias', bias], ['mean', new Float32Array(channels)], ['var', new Float32Array(channels).fill(1)],
  ];
  const names = params.map(([what, data]) => {
    const name = freshName(`${base}_${what}`, (n) => values.has(n) || constants.has(n));
    constants.set(name, { dtype: 'float32', shape: [channels], data });
    values.set(name, { dtype: 'float32', shape: [channels] });
    return name;
  });
  return {
    name: chain.map((l) => l.node.name).join(' + '), opType: 'BatchNormalization', domain: '',
    inputs: [chain[0]!.activation, ...names], outputs: [last.outputs[0]!], attrs: { epsilon: { type: 'float', value: 0 } },
  };
}
