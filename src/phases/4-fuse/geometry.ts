/** Activation shapes and ONNX Conv/Pool attributes in the [C, H, W] form the lowered program uses. */
import { nodeError } from '../../errors.js';
import type { Node } from '../../graph/graph.js';
import type { Shape3, Window } from '../../lowered/program.js';
import { attrInts, attrString } from '../../ops/util/attrs.js';

/** [1, C, H, W] -> [C, H, W]; [1, C] -> [C, 1, 1]. Batch must be 1. */
export function toShape3(node: Node, shape: readonly number[]): Shape3 {
  if (shape[0] !== 1) nodeError(node, `batch must be 1, value has shape [${shape}]`);
  if (shape.length === 4) return [shape[1]!, shape[2]!, shape[3]!];
  if (shape.length === 2) return [shape[1]!, 1, 1];
  if (shape.length === 3) return [shape[1]!, 1, shape[2]!];
  return nodeError(node, `activations of rank ${shape.length} ([${shape}]) are not supported; use [1,C], [1,C,L] or [1,C,H,W]`);
}

/** Window of a 2-D Conv/Pool node given its input and output activation shapes. */
export function windowOf(node: Node, kernel: readonly [number, number], inShape: Shape3, outShape: Shape3): Window {
  const strides = attrInts(node, 'strides', [1, 1]);
  const dil = attrInts(node, 'dilations', [1, 1]);
  const autoPad = attrString(node, 'auto_pad', 'NOTSET');
  const [kH, kW] = kernel;
  const [strideH, strideW] = [strides[0] ?? 1, strides[1] ?? 1];
  const [dilH, dilW] = [dil[0] ?? 1, dil[1] ?? 1];
  let padTop = 0;
  let padLeft = 0;
  if (autoPad === 'NOTSET') {
    const pads = attrInts(node, 'pads', [0, 0, 0, 0]);
    padTop = pads[0] ?? 0;
    padLeft = pads[1] ?? 0;
  } else if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    const total = (o: number, i: number, k: number, s: number, d: number) => Math.max(0, (o - 1) * s + (k - 1) * d + 1 - i);
    const th = total(outShape[1], inShape[1], kH, strideH, dilH);
    const tw = total(outShape[2], inShape[2], kW, strideW, dilW);
    padTop = autoPad === 'SAME_UPPER' ? Math.floor(th / 2) : Math.ceil(th / 2);
    padLeft = autoPad === 'SAME_UPPER' ? Math.floor(tw / 2) : Math.ceil(tw / 2);
  } else if (autoPad !== 'VALID') {
    nodeError(node, `auto_pad '${autoPad}' is not supported`);
  }
  return { kH, kW, strideH, strideW, padTop, padLeft, dilH, dilW };
}
