/**
 * BatchNormalization in inference mode: y = (x - mean) / sqrt(var + epsilon) * scale + B per channel (axis 1).
 * Training mode (training_mode = 1 or extra running-statistics outputs) and spatial = 0 are refused.
 * Each element is computed in float64 and rounded to float32 once.
 */
import { nodeError } from '../errors.js';
import type { OpDef } from './op.js';
import { attrFloat, attrInt } from './util/attrs.js';
import { requireDtype } from './util/dtypes.js';
import { requireInput } from './util/inputs.js';

const PARAMS = ['scale', 'B', 'mean', 'var'];

export const batchNormalization: OpDef = {
  type: 'BatchNormalization',
  infer(node, inputs) {
    const x = requireInput(node, inputs, 0);
    requireDtype(node, 0, x, ['float32'], 'float32');
    if (x.shape.length < 2) nodeError(node, `input must have rank >= 2 ([N, C, ...]), got shape [${x.shape}]`);
    const channels = x.shape[1]!;
    PARAMS.forEach((what, k) => {
      const p = requireInput(node, inputs, k + 1);
      requireDtype(node, k + 1, p, ['float32'], 'float32');
      if (p.shape.length !== 1 || p.shape[0] !== channels) {
        nodeError(node, `${what} has shape [${p.shape}], expected [${channels}] for input of shape [${x.shape}]`);
      }
    });
    if (attrInt(node, 'spatial', 1) !== 1) nodeError(node, 'spatial = 0 (per-element statistics) is not supported');
    if (attrInt(node, 'training_mode', 0) !== 0) nodeError(node, 'training_mode = 1 is not supported (inference only)');
    if (node.outputs.slice(1).some((o) => o !== '')) {
      nodeError(node, 'training outputs (running mean/variance) are not supported (inference only)');
    }
    attrFloat(node, 'epsilon', 1e-5);
    return [{ dtype: 'float32', shape: [...x.shape] }];
  },
  evaluate(node, inputs) {
    const x = requireInput(node, inputs, 0);
    const [scale, bias, mean, variance] = PARAMS.map((_, k) => requireInput(node, inputs, k + 1).data);
    const eps = attrFloat(node, 'epsilon', 1e-5);
    const channels = x.shape[1]!;
    const inner = x.shape.slice(2).reduce((a, b) => a * b, 1);
    const out = new Float32Array(x.data.length);
    for (let base = 0, c = 0; base < out.length; base += inner, c = (c + 1) % channels) {
      const m = mean![c]!;
      const k = scale![c]! / Math.sqrt(variance![c]! + eps);
      const b = bias![c]!;
      for (let i = base; i < base + inner; i++) out[i] = (x.data[i]! - m) * k + b;
    }
    return [{ dtype: 'float32', shape: [...x.shape], data: out }];
  },
};
