/** MaxPool (opsets 1-12): max over each window; padding never wins. Indices output and column-major storage refused. */
import { nodeError } from '../errors.js';
import type { OpDef } from './op.js';
import { attrInt } from './util/attrs.js';
import { requireFloat32, requireInput } from './util/inputs.js';
import { poolEach, poolWindow, poolWork } from './util/pool-window.js';

export const maxPool: OpDef = {
  type: 'MaxPool',
  infer(node, inputs) {
    if (node.outputs.length > 1 && node.outputs[1] !== '') {
      nodeError(node, `the optional Indices output of MaxPool is not supported`);
    }
    if (attrInt(node, 'storage_order', 0) !== 0) nodeError(node, `storage_order=1 (column-major) is not supported`);
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
    return [poolEach(x, poolWindow(node, x.shape), (values) => values.reduce((m, v) => Math.max(m, v), -Infinity))];
  },
};
