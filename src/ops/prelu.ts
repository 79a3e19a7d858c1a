/** PRelu: x where x >= 0, slope * x where x < 0; the slope broadcasts to x (per channel from PyTorch's nn.PReLU). */
import { nodeError } from '../errors.js';
import { FLOATS, requireDtype } from './util/dtypes.js';
import { binaryOp } from './util/elementwise.js';

export const prelu = binaryOp({
  type: 'PRelu',
  checkTypes: (node, x, slope) => {
    requireDtype(node, 0, x, FLOATS, 'a float type');
    if (slope.dtype !== x.dtype) nodeError(node, `slope must have the input's type ${x.dtype}, got ${slope.dtype}`);
    if (slope.shape.length > x.shape.length) nodeError(node, `slope of shape [${slope.shape}] has more axes than the input [${x.shape}]`);
  },
  float: (x, a) => (x < 0 ? x * a : x),
});
