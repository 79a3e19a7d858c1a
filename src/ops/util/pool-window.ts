/**
 * Sliding-window geometry of MaxPool/AveragePool (N x C x D1 x ... x Dn inputs) and the window walk both share.
 * Output sizes follow the ONNX spec, including ceil_mode's rule that a window starting in the end padding is dropped.
 */
import { nodeError } from '../../errors.js';
import type { Node, ValueInfo } from '../../graph/graph.js';
import { MAX_WINDOW } from '../../graph/limits.js';
import { sizeOf, type Tensor } from '../../graph/tensor.js';
import { attrInt, attrInts, attrString } from './attrs.js';
import { stridesOf, zeroTensor } from './layout.js';

export interface PoolWindow {
  readonly kernel: readonly number[];
  readonly strides: readonly number[];
  readonly dilations: readonly number[];
  readonly padsBegin: readonly number[];
  readonly padsEnd: readonly number[];
  /** Spatial output sizes (the output shape is [N, C, ...outSpatial]). */
  readonly outSpatial: readonly number[];
}

function spatialList(node: Node, name: string, values: number[], n: number, min: number): number[] {
  if (values.length !== n) nodeError(node, `attribute '${name}' has ${values.length} entries, expected ${n}`);
  if (values.some((v) => !Number.isSafeInteger(v) || v < min || v > MAX_WINDOW)) {
    nodeError(node, `attribute '${name}' [${values}] must hold integers from ${min} to ${MAX_WINDOW}`);
  }
  return values;
}

/** Reads and checks the window attributes (kernel_shape, strides, dilations, pads, auto_pad, ceil_mode). */
export function poolWindow(node: Node, inputShape: readonly number[]): PoolWindow {
  if (inputShape.length < 3) {
    nodeError(node, `input must be N x C x spatial (rank >= 3), got shape [${inputShape}]`);
  }
  const spatial = inputShape.slice(2);
  const n = spatial.length;
  const kernelAttr = attrInts(node, 'kernel_shape');
  if (kernelAttr === undefined) nodeError(node, `attribute 'kernel_shape' is required`);
  const kernel = spatialList(node, 'kernel_shape', kernelAttr, n, 1);
  const strides = spatialList(node, 'strides', attrInts(node, 'strides', new Array(n).fill(1)), n, 1);
  const dilations = spatialList(node, 'dilations', attrInts(node, 'dilations', new Array(n).fill(1)), n, 1);
  const ceilMode = attrInt(node, 'ceil_mode', 0) !== 0;
  const autoPad = attrString(node, 'auto_pad', 'NOTSET');
  const extent = kernel.map((k, i) => (k - 1) * dilations[i]! + 1);

  let padsBegin: number[];
  let padsEnd: number[];
  if (autoPad === 'NOTSET' || autoPad === 'VALID') {
    const zeros = new Array<number>(2 * n).fill(0);
    const pads = autoPad === 'VALID' ? zeros : attrInts(node, 'pads', zeros);
    spatialList(node, 'pads', pads, 2 * n, 0);
    padsBegin = pads.slice(0, n);
    padsEnd = pads.slice(n);
  } else if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    // The spec pads for the dilated extent; onnxruntime pads for the undilated kernel. Refuse rather than pick one.
    if (dilations.some((d) => d !== 1)) {
      const why = 'ONNX and onnxruntime disagree on its padding';
      nodeError(node, `auto_pad ${autoPad} with dilations [${dilations}] is not supported (${why})`);
    }
    // Pads chosen so that out = ceil(in / stride); the odd pixel goes to the end (UPPER) or the start (LOWER).
    const needed = spatial.map((d, i) => Math.max(0, (Math.ceil(d / strides[i]!) - 1) * strides[i]! + extent[i]! - d));
    padsBegin = needed.map((p) => (autoPad === 'SAME_UPPER' ? Math.floor(p / 2) : Math.ceil(p / 2)));
    padsEnd = needed.map((p, i) => p - padsBegin[i]!);
  } else {
    nodeError(node, `attribute 'auto_pad' = '${autoPad}' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID`);
  }

  const outSpatial = spatial.map((d, i) => {
    const span = d + padsBegin[i]! + padsEnd[i]! - extent[i]!;
    if (span < 0) {
      nodeError(
        node,
        `window extent ${extent[i]} exceeds padded input size ${d + padsBegin[i]! + padsEnd[i]!} ` +
          `on spatial axis ${i} (input shape [${inputShape}])`,
      );
    }
    const s = strides[i]!;
    let out = (ceilMode ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
    if (ceilMode && (out - 1) * s >= d + padsBegin[i]!) out--;
    return out;
  });
  return { kernel, strides, dilations, padsBegin, padsEnd, outSpatial };
}

/** Window taps evaluated (an upper bound: taps in the padding are skipped): output size times kernel volume. */
export function poolWork(node: Node, output: ValueInfo): number {
  return sizeOf(output.shape) * sizeOf(attrInts(node, 'kernel_shape') ?? []);
}

/** For one output coordinate on one spatial axis: in-image input coordinates, and taps inside the padded extent. */
interface AxisTaps {
  readonly coords: number[];
  readonly padded: number;
}

function axisTaps(w: PoolWindow, axis: number, size: number): AxisTaps[] {
  const taps: AxisTaps[] = [];
  for (let o = 0; o < w.outSpatial[axis]!; o++) {
    const start = o * w.strides[axis]! - w.padsBegin[axis]!;
    const coords: number[] = [];
    let padded = 0;
    for (let j = 0; j < w.kernel[axis]!; j++) {
      const p = start + j * w.dilations[axis]!;
      if (p >= 0 && p < size) coords.push(p);
      if (p >= -w.padsBegin[axis]! && p < size + w.padsEnd[axis]!) padded++;
    }
    taps.push({ coords, padded });
  }
  return taps;
}

/**
 * Applies `reduce` to every window of a float32 N x C x spatial tensor. `values` are the taps that fall inside
 * the image; `padded` counts the taps inside the padded input (the divisor of AveragePool's count_include_pad).
 */
export function poolEach(input: Tensor, w: PoolWindow, reduce: (values: number[], padded: number) => number): Tensor {
  const spatial = input.shape.slice(2);
  const rank = spatial.length;
  const out = zeroTensor(input.dtype, [input.shape[0]!, input.shape[1]!, ...w.outSpatial]);
  const taps = spatial.map((d, axis) => axisTaps(w, axis, d));
  const inStrides = stridesOf(spatial);
  const inPlane = spatial.reduce((a, b) => a * b, 1);
  const outPlane = w.outSpatial.reduce((a, b) => a * b, 1);
  const planes = input.shape[0]! * input.shape[1]!;
  // One output position at a time (only its window's tap offsets are held), for every plane.
  const coord = new Array<number>(rank).fill(0);
  for (let o = 0; o < outPlane; o++) {
    let offsets = [0];
    let padded = 1;
    for (let a = 0; a < rank; a++) {
      const t = taps[a]![coord[a]!]!;
      offsets = offsets.flatMap((base) => t.coords.map((c) => base + c * inStrides[a]!));
      padded *= t.padded;
    }
    for (let p = 0; p < planes; p++) {
      const base = p * inPlane;
      out.data[p * outPlane + o] = reduce(
        offsets.map((off) => input.data[base + off]!),
        padded,
      );
    }
    for (let a = rank - 1; a >= 0; a--) {
      if (++coord[a]! < w.outSpatial[a]!) break;
      coord[a] = 0;
    }
  }
  return out;
}
