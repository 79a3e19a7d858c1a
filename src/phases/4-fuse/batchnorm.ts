/** BatchNormalization (inference form) as a per-channel gain and offset, computed in double from the file's values. */
import { nodeError } from '../../errors.js';
import type { Graph, Node } from '../../graph/graph.js';
import type { Tensor } from '../../graph/tensor.js';
import { attrFloat } from '../../ops/util/attrs.js';

export interface BatchNorm {
  readonly node: Node;
  /** gamma / sqrt(var + eps), in double. */
  readonly gain: Float64Array;
  readonly mean: Float64Array;
  readonly beta: Float64Array;
}

/** y = (x - mean) * gain + beta for every channel; parameters must be constants of `channels` values. */
export function batchNorm(graph: Graph, node: Node, channels: number): BatchNorm {
  const get = (i: number): Tensor => {
    const t = graph.constants.get(node.inputs[i] ?? '');
    if (!t) nodeError(node, 'BatchNormalization parameters must be compile-time constants');
    if (t.data.length !== channels) nodeError(node, `parameter ${i} has ${t.data.length} values, expected ${channels}`);
    return t;
  };
  const [scale, bias, mean, variance] = [get(1), get(2), get(3), get(4)];
  const eps = Math.fround(attrFloat(node, 'epsilon', 1e-5));
  const gain = new Float64Array(channels);
  for (let c = 0; c < channels; c++) gain[c] = scale.data[c]! / Math.sqrt(Math.fround(variance.data[c]! + eps));
  return { node, gain, mean: Float64Array.from(mean.data), beta: Float64Array.from(bias.data) };
}
