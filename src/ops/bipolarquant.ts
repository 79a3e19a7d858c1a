/**
 * QONNX BipolarQuant (1-bit quantization, Brevitas exports): y = scale * (x >= 0 ? +1 : -1), as the QONNX
 * reference implementation defines it (numpy `where(x >= 0, 1, -1) * scale`). So x = +0 and -0 give +scale (no
 * tie: unlike ONNX Sign, a zero input has an exact 1-bit image) and NaN gives -scale. The output has the
 * input's shape; the scale (a scalar in Brevitas exports) must broadcast to it.
 */
import { nodeError } from '../errors.js';
import type { Node } from '../graph/graph.js';
import type { OpDef } from './op.js';
import { broadcastOffsets, broadcastsTo } from './util/broadcast.js';
import { requireInput } from './util/inputs.js';

/** Domains exporters put BipolarQuant in: Brevitas, QONNX and (in QONNX's own examples) FINN. */
export const BIPOLAR_QUANT_DOMAINS: readonly string[] = ['onnx.brevitas', 'qonnx.custom_op.general', 'finn.custom_op.general'];

/** Whether `node` is a QONNX BipolarQuant (in any of its domains). */
export function isBipolarQuant(node: Pick<Node, 'opType' | 'domain'>): boolean {
  return node.opType === 'BipolarQuant' && BIPOLAR_QUANT_DOMAINS.includes(node.domain);
}

/** The 1-bit image of one value: +1 for x >= 0 (both zeros), -1 below zero and for NaN. */
export function bipolar(x: number): 1 | -1 {
  return x >= 0 ? 1 : -1;
}

export const bipolarQuant: OpDef = {
  type: 'BipolarQuant',
  domains: BIPOLAR_QUANT_DOMAINS,
  infer(node, inputs) {
    if (node.inputs.length !== 2) nodeError(node, `BipolarQuant takes 2 inputs (X, scale), got ${node.inputs.length}`);
    const x = requireInput(node, inputs, 0);
    const scale = requireInput(node, inputs, 1);
    for (const [i, v] of [x, scale].entries()) {
      if (v.dtype !== 'float32') nodeError(node, `input ${i} must be float32, got ${v.dtype}`);
    }
    if (!broadcastsTo(scale.shape, x.shape)) {
      nodeError(node, `scale of shape [${scale.shape}] does not broadcast to the input shape [${x.shape}]`);
    }
    return [{ dtype: 'float32', shape: [...x.shape] }];
  },
  evaluate(node, inputs) {
    const x = requireInput(node, inputs, 0);
    const scale = requireInput(node, inputs, 1);
    const offsets = broadcastOffsets(scale.shape, x.shape);
    const out = new Float32Array(x.data.length);
    for (let i = 0; i < out.length; i++) out[i] = bipolar(x.data[i]!) * scale.data[offsets[i]!]!;
    return [{ dtype: 'float32', shape: [...x.shape], data: out }];
  },
};
