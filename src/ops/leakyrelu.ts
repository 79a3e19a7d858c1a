/** LeakyRelu: x where x >= 0, alpha * x where x < 0 (alpha attribute, default 0.01). */
import type { OpDef } from './op.js';
import { attrFloat } from './util/attrs.js';
import { FLOATS, requireDtype } from './util/dtypes.js';
import { mapTensor } from './util/elementwise.js';
import { requireInput } from './util/inputs.js';

export const leakyRelu: OpDef = {
  type: 'LeakyRelu',
  infer(node, inputs) {
    const x = requireInput(node, inputs, 0);
    requireDtype(node, 0, x, FLOATS, 'a float type');
    attrFloat(node, 'alpha', 0.01);
    return [{ dtype: x.dtype, shape: [...x.shape] }];
  },
  evaluate(node, inputs) {
    const alpha = Math.fround(attrFloat(node, 'alpha', 0.01));
    return [mapTensor(requireInput(node, inputs, 0), (v) => (v < 0 ? v * alpha : v))];
  },
};
