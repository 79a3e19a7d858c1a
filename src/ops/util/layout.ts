/** Row-major layout helpers shared by the data-movement and pooling ops. */
import type { DType, Tensor } from '../../graph/tensor.js';
import { sizeOf } from '../../graph/tensor.js';
import { allocData } from './dtypes.js';

/** Element strides of a row-major tensor of `shape`. */
export function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

/** A zero-filled tensor with the storage tensor.ts prescribes for `dtype` (Float32Array only for float32). */
export function zeroTensor(dtype: DType, shape: readonly number[]): Tensor {
  return { dtype, shape: [...shape], data: allocData(dtype, sizeOf(shape)) };
}

/**
 * Copies `src` into a new tensor of `outShape` where output element `o` (as a multi-index) reads source element
 * `sourceIndex(axis, outCoord)` along each axis; a negative source coordinate on any axis writes `fill`.
 * Serves every per-axis index mapping (Slice, Pad); `fill` must already be a value of the tensor's dtype.
 */
export function remapAxes(
  src: Tensor,
  outShape: readonly number[],
  sourceIndex: (axis: number, outCoord: number) => number,
  fill = 0,
): Tensor {
  const out = zeroTensor(src.dtype, outShape);
  const rank = outShape.length;
  const srcStrides = stridesOf(src.shape);
  // Per axis, the source offset contribution of every output coordinate (-1 = fill), computed once.
  const offsets = outShape.map((d, axis) => {
    const col = new Float64Array(d); // typed: a plain array this long would live in the JS heap
    for (let o = 0; o < d; o++) {
      const s = sourceIndex(axis, o);
      col[o] = s < 0 ? -1 : s * srcStrides[axis]!;
    }
    return col;
  });
  const n = out.data.length;
  const coord = new Array<number>(rank).fill(0);
  for (let i = 0; i < n; i++) {
    let offset = 0;
    for (let a = 0; a < rank && offset >= 0; a++) {
      const c = offsets[a]![coord[a]!]!;
      offset = c < 0 ? -1 : offset + c;
    }
    out.data[i] = offset < 0 ? fill : src.data[offset]!;
    for (let a = rank - 1; a >= 0; a--) {
      if (++coord[a]! < outShape[a]!) break;
      coord[a] = 0;
    }
  }
  return out;
}
