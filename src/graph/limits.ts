/**
 * Size limits that keep a hostile or broken model from exhausting memory or time. Each is far above what a
 * microcontroller model needs and far below what would hurt the machine running bnngen; each is checked before
 * the memory or the time is spent.
 */
import { BnnError } from '../errors.js';

/** Largest tensor, constant or activation, in elements (16 MB of float32; an MCU has a few MB at most). */
export const MAX_ELEMENTS = 2 ** 22;

/** Most dimensions of a tensor (ONNX sets none; real models stay below 8). */
export const MAX_RANK = 32;

/**
 * Largest kernel size, stride, dilation or pad: no tensor dimension is longer, and it keeps the generated C's
 * int32 index arithmetic from overflowing.
 */
export const MAX_WINDOW = MAX_ELEMENTS;

/** Most bytes of constant data held at once: initializers plus everything constant folding computes. */
export const MAX_CONSTANT_BYTES = 2 ** 28;

/**
 * Most work (multiply-adds, element or window-tap visits) constant folding spends on a whole model, a few
 * seconds at most. The IR-Net ResNet-20 export needs 5.4 M (20 per parameter, deriving binary weights from real
 * ones), so a ResNet-18-sized export (11.7 M parameters) still fits.
 */
export const MAX_FOLD_WORK = 2 ** 28;

/**
 * The element count of `shape`. More than MAX_RANK dimensions, a dimension that is not a non-negative safe
 * integer, or a dimension or count above MAX_ELEMENTS is a BnnError naming `what` (checked dimension by
 * dimension, so the product never overflows; an empty tensor cannot carry a dimension of 2^40 either).
 */
export function checkedSize(shape: readonly number[], what: string): number {
  if (shape.length > MAX_RANK) throw new BnnError(`${what} has ${shape.length} dimensions (limit ${MAX_RANK})`);
  let n = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw new BnnError(`${what} has an invalid dimension ${d} in [${shape}]`);
    n *= d;
    if (n > MAX_ELEMENTS || d > MAX_ELEMENTS) {
      throw new BnnError(`${what} of shape [${shape}] is too large (limit ${MAX_ELEMENTS} elements)`);
    }
  }
  return n;
}
