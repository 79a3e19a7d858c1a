/**
 * Cast between float, integer and bool types. float -> int truncates toward zero and wraps to the target width
 * (what a C cast does for in-range values; out-of-range and non-finite inputs are undefined in ONNX, here 0 for
 * NaN/Inf); -> bool is "non-zero" (NaN counts as true, as in C and numpy); -> float16 rounds to nearest even.
 */
import { nodeError } from '../errors.js';
import type { Node } from '../graph/graph.js';
import { isFloatType, type DType } from '../graph/tensor.js';
import { dtypeFromCode } from '../onnx/proto.js';
import type { OpDef } from './op.js';
import { attrInt } from './util/attrs.js';
import { storeValue } from './util/dtypes.js';
import { requireInput } from './util/inputs.js';
import { zeroTensor } from './util/layout.js';

function targetType(node: Node): DType {
  const code = attrInt(node, 'to');
  if (code === undefined) nodeError(node, `attribute 'to' is required`);
  const dtype = dtypeFromCode(code);
  if (dtype === undefined) nodeError(node, `cast to ONNX data type ${code} is not supported`);
  return dtype;
}

function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const frac = x - f;
  if (frac !== 0.5) return frac < 0.5 ? f : f + 1;
  return f % 2 === 0 ? f : f + 1;
}

/** Nearest float16 value (ties to even; overflow to infinity; subnormals kept). */
function roundToFloat16(v: number): number {
  const a = Math.abs(v);
  if (!Number.isFinite(v) || a === 0) return v;
  if (a >= 65520) return Math.sign(v) * Infinity;
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  const quantum = 2 ** (Math.max(e, -14) - 10);
  return Math.sign(v) * roundHalfEven(a / quantum) * quantum;
}

function convert(to: DType, v: number): number {
  if (to === 'float16') return roundToFloat16(v);
  // Integers: NaN/Inf are undefined in ONNX; 0 keeps integer tensors integral.
  if (!isFloatType(to) && to !== 'bool' && !Number.isFinite(v)) return 0;
  return storeValue(to, v);
}

export const cast: OpDef = {
  type: 'Cast',
  infer(node, inputs) {
    const x = requireInput(node, inputs, 0);
    return [{ dtype: targetType(node), shape: x.shape }];
  },
  evaluate(node, inputs) {
    const x = requireInput(node, inputs, 0);
    const to = targetType(node);
    const out = zeroTensor(to, x.shape);
    for (let i = 0; i < out.data.length; i++) out.data[i] = convert(to, x.data[i]!);
    return [out];
  },
};
