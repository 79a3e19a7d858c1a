/** Transpose: output axis i is input axis perm[i]; perm defaults to reversing the axes. */
import { nodeError } from '../errors.js';
import type { Node } from '../graph/graph.js';
import type { OpDef } from './op.js';
import { attrInts } from './util/attrs.js';
import { requireInput } from './util/inputs.js';
import { stridesOf, zeroTensor } from './util/layout.js';

function permutation(node: Node, rank: number): number[] {
  const perm = attrInts(node, 'perm') ?? [...Array(rank).keys()].reverse();
  const sorted = [...perm].sort((a, b) => a - b);
  if (perm.length !== rank || sorted.some((p, i) => p !== i)) {
    nodeError(node, `perm [${perm}] is not a permutation of the ${rank} input axes`);
  }
  return perm;
}

export const transpose: OpDef = {
  type: 'Transpose',
  infer(node, inputs) {
    const x = requireInput(node, inputs, 0);
    return [{ dtype: x.dtype, shape: permutation(node, x.shape.length).map((p) => x.shape[p]!) }];
  },
  evaluate(node, inputs) {
    const x = requireInput(node, inputs, 0);
    const rank = x.shape.length;
    const perm = permutation(node, rank);
    const outShape = perm.map((p) => x.shape[p]!);
    const out = zeroTensor(x.dtype, outShape);
    const inStrides = stridesOf(x.shape);
    // Stepping output axis a moves the source by the stride of input axis perm[a].
    const step = perm.map((p) => inStrides[p]!);
    const coord = new Array<number>(rank).fill(0);
    let src = 0;
    for (let i = 0; i < out.data.length; i++) {
      out.data[i] = x.data[src]!;
      for (let a = rank - 1; a >= 0; a--) {
        src += step[a]!;
        if (++coord[a]! < outShape[a]!) break;
        src -= step[a]! * outShape[a]!;
        coord[a] = 0;
      }
    }
    return [out];
  },
};
