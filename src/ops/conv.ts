/**
 * Conv (1-D and 2-D): grouped, strided, dilated, zero-padded (explicit pads or auto_pad), optional bias.
 *
 * Float reference convention (shared by every op bnngen evaluates): each output element is accumulated in
 * float64 (bias first, then the products of float32 values in (channel, kernel row, kernel column) order) and
 * rounded to float32 once when stored. onnxruntime sums in float32 in another order, so results agree to a few
 * float32 ulps of the largest partial sum, not bit for bit.
 *
 * The kernel loops over (block of 4 output channels, input channel, kernel tap, output row) and runs its inner
 * loop along the output row, which reads the input with unit stride when the stride is 1 and feeds each loaded
 * input value to the 4 channels' accumulators; the valid column range of each tap is computed once, so the
 * inner loop has no bounds checks and nothing is allocated per element.
 */
import { nodeError } from '../errors.js';
import type { Node, ValueInfo } from '../graph/graph.js';
import { MAX_WINDOW } from '../graph/limits.js';
import { sizeOf } from '../graph/tensor.js';
import type { OpDef } from './op.js';
import { attrInt, attrInts, attrString } from './util/attrs.js';
import { requireDtype } from './util/dtypes.js';
import { hasInput, requireInput } from './util/inputs.js';

/** Everything the kernel needs, with a 1-D convolution seen as 2-D of height 1. */
interface Geometry {
  n: number;
  c: number;
  h: number;
  w: number;
  m: number;
  cg: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  dh: number;
  dw: number;
  pt: number;
  pl: number;
  oh: number;
  ow: number;
  group: number;
  outShape: number[];
}

function positiveInts(node: Node, name: string, count: number, fallback: number): number[] {
  const v = attrInts(node, name, new Array<number>(count).fill(fallback));
  if (v.length !== count) nodeError(node, `attribute '${name}' needs ${count} values, got [${v}]`);
  if (v.some((x) => !Number.isSafeInteger(x) || x < 1 || x > MAX_WINDOW)) {
    nodeError(node, `attribute '${name}' must hold integers from 1 to ${MAX_WINDOW}, got [${v}]`);
  }
  return v;
}

/** Begin/end padding and output size along one spatial axis. */
function axisGeometry(
  node: Node,
  autoPad: string,
  size: number,
  kernel: number,
  stride: number,
  dilation: number,
  pads: [number, number],
): { begin: number; out: number } {
  const span = dilation * (kernel - 1) + 1;
  let [begin, end] = pads;
  if (autoPad === 'VALID') [begin, end] = [0, 0];
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    const out = Math.ceil(size / stride);
    const total = Math.max(0, (out - 1) * stride + span - size);
    begin = autoPad === 'SAME_UPPER' ? Math.floor(total / 2) : Math.ceil(total / 2);
    end = total - begin;
  }
  const out = Math.floor((size + begin + end - span) / stride) + 1;
  if (out < 1) {
    nodeError(node, `kernel (extent ${span}) does not fit the padded input (size ${size}, pads ${begin}+${end})`);
  }
  return { begin, out };
}

function geometry(node: Node, x: ValueInfo, wt: ValueInfo): Geometry {
  const rank = x.shape.length;
  if (rank !== 3 && rank !== 4) {
    nodeError(node, `only 1-D and 2-D convolutions are supported, input has shape [${x.shape}]`);
  }
  if (wt.shape.length !== rank) nodeError(node, `weight shape [${wt.shape}] does not match input shape [${x.shape}]`);
  const spatial = rank - 2;
  const group = attrInt(node, 'group', 1);
  const [n, c] = x.shape as [number, number];
  const [m, cg] = wt.shape as [number, number];
  if (!Number.isInteger(group) || group < 1 || m % group !== 0 || c !== cg * group) {
    nodeError(
      node,
      `input [${x.shape}] and weight [${wt.shape}] do not fit group = ${group} ` +
        `(needs C = ${cg}·group and M divisible by group)`,
    );
  }
  const kernel = wt.shape.slice(2);
  const kernelAttr = attrInts(node, 'kernel_shape');
  if (kernelAttr && kernelAttr.join() !== kernel.join()) {
    nodeError(node, `kernel_shape [${kernelAttr}] differs from the weight's spatial shape [${kernel}]`);
  }
  const strides = positiveInts(node, 'strides', spatial, 1);
  const dilations = positiveInts(node, 'dilations', spatial, 1);
  const autoPad = attrString(node, 'auto_pad', 'NOTSET');
  if (!['NOTSET', 'VALID', 'SAME_UPPER', 'SAME_LOWER'].includes(autoPad)) {
    nodeError(node, `unknown auto_pad '${autoPad}'`);
  }
  const padsAttr = attrInts(node, 'pads');
  if (padsAttr && autoPad !== 'NOTSET' && padsAttr.some((p) => p !== 0)) {
    nodeError(node, `pads [${padsAttr}] cannot be combined with auto_pad ${autoPad}`);
  }
  const pads = padsAttr ?? new Array<number>(2 * spatial).fill(0);
  if (pads.length !== 2 * spatial || pads.some((p) => !Number.isSafeInteger(p) || p < 0 || p > MAX_WINDOW)) {
    nodeError(node, `attribute 'pads' needs ${2 * spatial} integers from 0 to ${MAX_WINDOW}, got [${pads}]`);
  }
  const axes = kernel.map((k, i) =>
    axisGeometry(node, autoPad, x.shape[2 + i]!, k, strides[i]!, dilations[i]!, [pads[i]!, pads[i + spatial]!]),
  );
  const outShape = [n, m, ...axes.map((a) => a.out)];
  // A 1-D convolution is a 2-D one of height 1 with a 1-row kernel.
  const two = <T>(v: T[], one: T): [T, T] => (spatial === 1 ? [one, v[0]!] : [v[0]!, v[1]!]);
  const [h, w] = two(x.shape.slice(2), 1);
  const [kh, kw] = two(kernel, 1);
  const [sh, sw] = two(strides, 1);
  const [dh, dw] = two(dilations, 1);
  const [pt, pl] = two(axes.map((a) => a.begin), 0);
  const [oh, ow] = two(axes.map((a) => a.out), 1);
  return { n, c, h, w, m, cg, kh, kw, sh, sw, dh, dw, pt, pl, oh, ow, group, outShape };
}

export const conv: OpDef = {
  type: 'Conv',
  infer(node, inputs) {
    const x = requireInput(node, inputs, 0);
    const w = requireInput(node, inputs, 1);
    requireDtype(node, 0, x, ['float32'], 'float32');
    requireDtype(node, 1, w, ['float32'], 'float32');
    const g = geometry(node, x, w);
    const b = inputs[2];
    if (hasInput(node, 2) && b) {
      requireDtype(node, 2, b, ['float32'], 'float32');
      if (b.shape.length !== 1 || b.shape[0] !== g.m) nodeError(node, `bias has shape [${b.shape}], expected [${g.m}]`);
    }
    return [{ dtype: 'float32', shape: g.outShape }];
  },
  evaluateWork(_node, inputs, outputs) {
    // Every output element sums C/group · kh · kw products: the weight's size without its M axis.
    return sizeOf(outputs[0]!.shape) * sizeOf(inputs[1]!.shape.slice(1));
  },
  evaluate(node, inputs) {
    const x = requireInput(node, inputs, 0);
    const w = requireInput(node, inputs, 1);
    const g = geometry(node, x, w);
    const out = conv2d(g, x.data, w.data, inputs[2]?.data);
    return [{ dtype: 'float32', shape: g.outShape, data: out }];
  },
};

/** Output channels computed together: each input value loaded is used for this many accumulators. */
const BLOCK = 4;

function conv2d(
  g: Geometry,
  x: Float32Array | Float64Array,
  w: Float32Array | Float64Array,
  bias: Float32Array | Float64Array | undefined,
): Float32Array {
  const { n, c, h, w: width, m, cg, kh, kw, sh, sw, dh, dw, pt, pl, oh, ow, group } = g;
  const plane = oh * ow;
  const out = new Float32Array(n * m * plane);
  const accs = Array.from({ length: BLOCK }, () => new Float64Array(plane));
  const [a0, a1, a2, a3] = accs as [Float64Array, Float64Array, Float64Array, Float64Array];
  const mg = m / group;
  const taps = cg * kh * kw;
  // Per kernel column, the output columns whose input column lies inside the image.
  const colLo = new Int32Array(kw);
  const colHi = new Int32Array(kw);
  for (let j = 0; j < kw; j++) {
    const shift = j * dw - pl; // input column = ox * sw + shift
    colLo[j] = Math.max(0, Math.ceil(-shift / sw));
    colHi[j] = Math.min(ow, Math.floor((width - 1 - shift) / sw) + 1);
  }
  for (let b = 0; b < n; b++) {
    // Blocks of up to BLOCK output channels, never crossing a group boundary.
    for (let oc = 0, count = 0; oc < m; oc += count) {
      count = Math.min(BLOCK, (Math.floor(oc / mg) + 1) * mg - oc);
      for (let q = 0; q < count; q++) accs[q]!.fill(bias ? bias[oc + q]! : 0);
      const firstIn = Math.floor(oc / mg) * cg;
      for (let ci = 0; ci < cg; ci++) {
        const xPlane = (b * c + firstIn + ci) * h * width;
        for (let i = 0; i < kh; i++) {
          for (let j = 0; j < kw; j++) {
            const tap = (ci * kh + i) * kw + j;
            const wBase = oc * taps + tap;
            const lo = colLo[j]!;
            const hi = colHi[j]!;
            for (let oy = 0; oy < oh; oy++) {
              const iy = oy * sh + i * dh - pt;
              if (iy < 0 || iy >= h) continue;
              const xRow = xPlane + iy * width + j * dw - pl;
              const oRow = oy * ow;
              if (count === BLOCK) {
                const w0 = w[wBase]!;
                const w1 = w[wBase + taps]!;
                const w2 = w[wBase + 2 * taps]!;
                const w3 = w[wBase + 3 * taps]!;
                for (let ox = lo; ox < hi; ox++) {
                  const xv = x[xRow + ox * sw]!;
                  const o = oRow + ox;
                  a0[o]! += w0 * xv;
                  a1[o]! += w1 * xv;
                  a2[o]! += w2 * xv;
                  a3[o]! += w3 * xv;
                }
              } else {
                for (let q = 0; q < count; q++) {
                  const acc = accs[q]!;
                  const wv = w[wBase + q * taps]!;
                  for (let ox = lo; ox < hi; ox++) acc[oRow + ox]! += wv * x[xRow + ox * sw]!;
                }
              }
            }
          }
        }
      }
      // Float32Array.set rounds each float64 sum to float32 once.
      for (let q = 0; q < count; q++) out.set(accs[q]!, (b * m + oc + q) * plane);
    }
  }
  return out;
}
