/** GlobalAveragePool: mean over all spatial axes of an N x C x D1 x ... x Dn input; output N x C x 1 x ... x 1. */
import { nodeError } from '../errors.js';
import { sizeOf } from '../graph/tensor.js';
import type { OpDef } from './op.js';
import { requireFloat32, requireInput } from './util/inputs.js';
import { zeroTensor } from './util/layout.js';

export const globalAveragePool: OpDef = {
  type: 'GlobalAveragePool',
  infer(node, inputs) {
    const x = requireInput(node, inputs, 0);
    requireFloat32(node, x);
    if (x.shape.length < 3) nodeError(node, `input must be N x C x spatial (rank >= 3), got shape [${x.shape}]`);
    return [{ dtype: x.dtype, shape: [x.shape[0]!, x.shape[1]!, ...x.shape.slice(2).map(() => 1)] }];
  },
  evaluate(node, inputs) {
    const x = requireInput(node, inputs, 0);
    const plane = sizeOf(x.shape.slice(2));
    const out = zeroTensor(x.dtype, [x.shape[0]!, x.shape[1]!, ...x.shape.slice(2).map(() => 1)]);
    for (let p = 0; p < out.data.length; p++) {
      let sum = 0;
      for (let i = 0; i < plane; i++) sum += x.data[p * plane + i]!;
      out.data[p] = sum / plane;
    }
    return [out];
  },
};
