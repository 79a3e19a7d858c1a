/**
 * AveragePool (opsets 1-19): mean over each window. The divisor counts the in-image taps, or with
 * count_include_pad=1 the taps inside the padded input (not the ceil_mode overhang beyond it).
 */
import type { OpDef } from './op.js';
import { attrInt } from './util/attrs.js';
import { requireFloat32, requireInput } from './util/inputs.js';
import { poolEach, poolWindow, poolWork } from './util/pool-window.js';

export const averagePool: OpDef = {
  type: 'AveragePool',
  infer(node, inputs) {
    const x = requireInput(node, inputs, 0);
    requireFloat32(node, x);
    const w = poolWindow(node, x.shape);
    return [{ dtype: x.dtype, shape: [x.shape[0]!, x.shape[1]!, ...w.outSpatial] }];
  },
  evaluateWork(node, _inputs, outputs) {
    return poolWork(node, outputs[0]!);
  },
  evaluate(node, inputs) {
    const x = requireInput(node, inputs, 0);
    const includePad = attrInt(node, 'count_include_pad', 0) !== 0;
    return [
      poolEach(x, poolWindow(node, x.shape), (values, padded) => {
        let sum = 0;
        for (const v of values) sum += v;
        return sum / (includePad ? padded : values.length);
      }),
    ];
  },
};
