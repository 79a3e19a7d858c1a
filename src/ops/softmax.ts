/**
 * Softmax and LogSoftmax. From opset 13 they normalise along `axis` (default -1); before, over the input
 * flattened to 2-D at `axis` (default 1), i.e. over all axes from `axis` on. Computed in double from the
 * float32 inputs (max subtracted first) and rounded once.
 */
import { nodeError } from '../errors.js';
import type { Node } from '../graph/graph.js';
import { sizeOf } from '../graph/tensor.js';
import type { OpDef } from './op.js';
import { attrInt } from './util/attrs.js';
import { allocData, FLOATS, requireDtype } from './util/dtypes.js';
import { requireInput } from './util/inputs.js';

/** [outer, n, inner]: the normalised groups are x[o][*][i]. */
export function softmaxGroups(node: Node, shape: readonly number[], opset: number): [number, number, number] {
  const rank = shape.length;
  const raw = attrInt(node, 'axis', opset >= 13 ? -1 : 1);
  if (raw < -rank || raw >= Math.max(rank, 1)) nodeError(node, `axis ${raw} is out of range for rank ${rank}`);
  const axis = raw < 0 ? raw + rank : raw;
  if (opset < 13) return [sizeOf(shape.slice(0, axis)), sizeOf(shape.slice(axis)), 1];
  return [sizeOf(shape.slice(0, axis)), shape[axis] ?? 1, sizeOf(shape.slice(axis + 1))];
}

function softmaxOp(type: 'Softmax' | 'LogSoftmax'): OpDef {
  return {
    type,
    infer(node, inputs, ctx) {
      const x = requireInput(node, inputs, 0);
      requireDtype(node, 0, x, FLOATS, 'a float type');
      softmaxGroups(node, x.shape, ctx.opset);
      return [{ dtype: x.dtype, shape: [...x.shape] }];
    },
    evaluate(node, inputs, ctx) {
      const x = requireInput(node, inputs, 0);
      const [outer, n, inner] = softmaxGroups(node, x.shape, ctx.opset);
      const out = allocData(x.dtype, x.data.length);
      for (let o = 0; o < outer; o++) {
        for (let i = 0; i < inner; i++) {
          const at = (k: number) => (o * n + k) * inner + i;
          let m = -Infinity;
          for (let k = 0; k < n; k++) m = Math.max(m, x.data[at(k)]!);
          let sum = 0;
          for (let k = 0; k < n; k++) sum += Math.exp(x.data[at(k)]! - m);
          for (let k = 0; k < n; k++) {
            const d = x.data[at(k)]! - m;
            out[at(k)] = type === 'Softmax' ? Math.exp(d) / sum : d - Math.log(sum);
          }
        }
      }
      return [{ dtype: x.dtype, shape: [...x.shape], data: out }];
    },
  };
}

export const softmax = softmaxOp('Softmax');
export const logSoftmax = softmaxOp('LogSoftmax');
