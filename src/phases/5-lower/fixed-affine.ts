/**
 * The float epilogue of a binary convolution in fixed point (docs/numerics.md, "bconv affine epilogue"). Per output
 * channel the fused scale s and shift h become two integers and a power of two,
 *
 *   out = fl(dot * mult + offset) * 2^e,   mult = round(s / 2^e), offset = round(h / 2^e),
 *
 * with e the smallest exponent for which max|dot| * |s| + |h| <= 2^30 * 2^e. The integer part is exact in int32 on
 * every core (|dot * mult + offset| < 2^31 for every dot the layer can produce), the conversion to float is the only
 * rounding, and the power of two is exact: every result is zero or a normal float. So a core without an FPU needs an
 * int-to-float conversion, not a float multiply and add, and Helium's vector float (which flushes subnormals) gives
 * the scalar FPU's bits. The integers keep at least 30 bits of the larger of the channel's two terms.
 */

/** The fixed-point epilogue of one layer: `fixed` holds (mult, offset) pairs, `pow2` the powers 2^e. */
export interface FixedAffine {
  readonly fixed: Int32Array;
  readonly pow2: Float32Array;
}

/** The smallest and largest exponents: 2^e a normal float, and 2^31 * 2^e finite. */
const MIN_EXPONENT = -126;
const MAX_EXPONENT = 96;

/**
 * Quantises a layer's float epilogue for dots in [-maxDot, maxDot]; a string says why it cannot (a channel whose
 * scale or shift is not finite, or whose outputs reach beyond the float range).
 */
export function fixedAffine(scale: Float32Array, shift: Float32Array, maxDot: number): FixedAffine | string {
  const fixed = new Int32Array(2 * scale.length);
  const pow2 = new Float32Array(scale.length);
  for (let c = 0; c < scale.length; c++) {
    const s = scale[c]!;
    const h = shift[c]!;
    if (!Number.isFinite(s) || !Number.isFinite(h)) return `channel ${c}: scale ${s} and shift ${h} must be finite`;
    const e = exponentFor(maxDot * Math.abs(s) + Math.abs(h));
    if (e > MAX_EXPONENT) return `channel ${c}: outputs up to ${maxDot * Math.abs(s) + Math.abs(h)} exceed the float range`;
    const unit = 2 ** e;
    const [mult, offset] = [roundHalfEven(s / unit), roundHalfEven(h / unit)];
    // Holds by the choice of e (at most 2^30 + maxDot / 2 + 1/2); checked so that no input can make C overflow.
    if (Math.abs(mult) * maxDot + Math.abs(offset) >= 2 ** 31) return `channel ${c}: the fixed-point dot overflows 32 bits`;
    fixed[2 * c] = mult;
    fixed[2 * c + 1] = offset;
    pow2[c] = unit;
  }
  return { fixed, pow2 };
}

/** The smallest e >= MIN_EXPONENT with magnitude <= 2^(30 + e) (MIN_EXPONENT for 0). */
function exponentFor(magnitude: number): number {
  if (magnitude === 0) return MIN_EXPONENT;
  let e = Math.max(MIN_EXPONENT, Math.ceil(Math.log2(magnitude)) - 30);
  // log2 of a double is not exact near powers of two: settle e by exact comparisons.
  while (magnitude > 2 ** (30 + e)) e++;
  while (e > MIN_EXPONENT && magnitude <= 2 ** (29 + e)) e--;
  return e;
}

/** x rounded to the nearest integer, ties to even (x / 2^e is exact in a double, so this is the only rounding). */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
