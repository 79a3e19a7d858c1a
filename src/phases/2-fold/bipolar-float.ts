/**
 * The float path (binarization disabled, `bnngen bench`) has no BipolarQuant kernel: each activation
 * BipolarQuant(x, s) becomes standard ops with the same values, Mul(Sign(Add(Sign(x), 0.5)), s): Sign(x) + 0.5 is
 * 1.5, 0.5 or -0.5 for x > 0, x = ±0 and x < 0, so the outer Sign gives +1 for x >= 0 and -1 below, as
 * BipolarQuant does (NaN stays NaN where BipolarQuant gives -s). The Mul is left out when s is 1.
 */
import { freshName, type Graph, type Node, type ValueInfo } from '../../graph/graph.js';
import type { Tensor } from '../../graph/tensor.js';
import { isBipolarQuant } from '../../ops/bipolarquant.js';

export function bipolarAsStandardOps(g: Graph): Graph {
  if (!g.nodes.some(isBipolarQuant)) return g;
  const constants = new Map(g.constants);
  const values = new Map(g.values);
  const fresh = (base: string, info: ValueInfo, value?: Tensor): string => {
    const name = freshName(base, (n) => values.has(n));
    values.set(name, info);
    if (value) constants.set(name, value);
    return name;
  };
  const nodes = g.nodes.flatMap((n): Node[] => {
    if (!isBipolarQuant(n)) return [n];
    const info = values.get(n.outputs[0]!)!;
    const [x, s] = [n.inputs[0]!, n.inputs[1]!];
    const scale = constants.get(s);
    const unit = scale !== undefined && scale.data.every((v) => v === 1);
    const half = fresh(`${n.name}/half`, { dtype: 'float32', shape: [] }, { dtype: 'float32', shape: [], data: Float32Array.of(0.5) });
    const sign = fresh(`${n.name}/sign`, info);
    const nudged = fresh(`${n.name}/nudged`, info);
    const bipolar = unit ? n.outputs[0]! : fresh(`${n.name}/bipolar`, info);
    const op = (suffix: string, opType: string, inputs: string[], output: string): Node =>
      ({ name: `${n.name}/${suffix}`, opType, domain: '', inputs, outputs: [output], attrs: {} });
    return [
      op('sign', 'Sign', [x], sign),
      op('nudge', 'Add', [sign, half], nudged),
      op('bipolar', 'Sign', [nudged], bipolar),
      ...(unit ? [] : [op('scale', 'Mul', [bipolar, s], n.outputs[0]!)]),
    ];
  });
  return { ...g, nodes, constants, values };
}
