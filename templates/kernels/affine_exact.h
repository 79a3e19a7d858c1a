/*
 * The bconv affine epilogue fl(d * mult + offset) * pow2 for cores without an FPU, in integer arithmetic: the same
 * bits as affine_float.h's float expression. The compiler guarantees |d * mult + offset| < 2^31 and pow2 = 2^e
 * with 2^e and 2^31 * 2^e normal (phases/5-lower/fixed-affine.ts), so the result is zero or a normal float: the
 * only work is the int-to-float conversion (round to nearest even) with e added to the exponent, about 20
 * instructions where libgcc's __floatsisf and __mulsf3 take about 100.
 */

/** fl(d * mult + offset) * pow2, for the constants of phases/5-lower/fixed-affine.ts. */
BNN_ALWAYS_INLINE float bnn_dot_affine(int32_t d, int32_t mult, int32_t offset, float pow2)
{
    const int32_t t = d * mult + offset;
    if (t == 0) {
        return 0.0f;
    }
    const uint32_t sign = (uint32_t)t & 0x80000000u;
    const uint32_t a = sign != 0u ? 0u - (uint32_t)t : (uint32_t)t;
    const uint32_t n = bnn_normalize_shift(a);
    /* a << n is in [2^30, 2^31): |t| = (a << n) * 2^-n, so the exponent field is 157 - n + e, and pow2's is 127 + e. */
    return bnn_bits_float(sign | bnn_round_bits((bnn_float_bits(pow2) >> 23) + 29u - n, a << n));
}
