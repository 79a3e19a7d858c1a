/*
 * The bconv affine epilogue fl(d * mult + offset) * pow2 for cores without an FPU, in integer arithmetic: the same
 * bits as affine_float.h's float expression. The compiler guarantees |d * mult + offset| < 2^31 and pow2 = 2^e
 * with 2^e and 2^31 * 2^e normal (phases/5-lower/fixed-affine.ts), so the result is zero or a normal float: the
 * only work is the int-to-float conversion (round to nearest even) with e added to the exponent: 12-14
 * instructions an output (the channel's constants taken once for a pair of outputs), where libgcc's __floatsisf
 * and __mulsf3 take about 100.
 */

/*
 * pow2's exponent field as bnn_fixed_float takes it: a nonzero t normalised to [2^30, 2^31) by a left shift n has
 * |t| = (t << n) * 2^-n, so the result's exponent field is 157 - n + e, and pow2's is 127 + e; bnn_round_bits
 * wants it less 1. Per output channel, not per output.
 */
static inline uint32_t bnn_affine_exponent(float pow2)
{
    return (bnn_float_bits(pow2) >> 23) + 29u;
}

/** fl(t) * pow2 for t = d * mult + offset, given bnn_affine_exponent(pow2). */
BNN_ALWAYS_INLINE float bnn_fixed_float(int32_t t, uint32_t exponent)
{
#if defined(__GNUC__)
    /* Rare: laid out off the straight path (RISC-V's outputs take one instruction fewer). */
    if (__builtin_expect(t == 0, 0)) {
        return 0.0f;
    }
#else
    if (t == 0) {
        return 0.0f;
    }
#endif
#if defined(__thumb2__)
    /* Branch-free |t| (s all ones where t < 0): fewer instructions on Thumb-2. */
    const uint32_t s = 0u - ((uint32_t)t >> 31);
    const uint32_t sign = s << 31;
    const uint32_t a = ((uint32_t)t ^ s) - s;
    const uint32_t n = bnn_normalize_shift(a);
    return bnn_bits_float(sign | bnn_round_bits(exponent - n, a << n));
#else
    /*
     * Elsewhere a branch (fewer instructions on RISC-V and Armv6-M), and the sign bit as 256 added to the exponent
     * field before its shift to bit 23: the result is normal, so no rounding carry reaches it.
     */
    uint32_t e = exponent;
    uint32_t a = (uint32_t)t;
    if (t < 0) {
        a = 0u - a;
        e += 256u;
    }
    const uint32_t n = bnn_normalize_shift(a);
    return bnn_bits_float(bnn_round_bits(e - n, a << n));
#endif
}

/** fl(d * mult + offset) * pow2, for the constants of phases/5-lower/fixed-affine.ts. */
BNN_ALWAYS_INLINE float bnn_dot_affine(int32_t d, int32_t mult, int32_t offset, float pow2)
{
    return bnn_fixed_float(d * mult + offset, bnn_affine_exponent(pow2));
}

/*
 * One output channel's epilogue for windows of a given number of in-bounds bits, taken once for several outputs:
 * with d = bits - 2 * mismatches, d * mult + offset = base - step * mismatches (base = bits * mult + offset,
 * step = 2 * mult). Unsigned, as step * mismatches alone may pass 2^31; the difference is the same int32.
 */
typedef struct {
    uint32_t base;
    uint32_t step;
    uint32_t exponent;
} bnn_affine_channel;

static inline bnn_affine_channel bnn_affine_channel_get(int32_t bits, int32_t mult, int32_t offset, float pow2)
{
    const bnn_affine_channel ch = { (uint32_t)(bits * mult + offset), 2u * (uint32_t)mult, bnn_affine_exponent(pow2) };
    return ch;
}

/** bnn_dot_affine(bits - 2 * mismatches, mult, offset, pow2) for the channel's constants. */
BNN_ALWAYS_INLINE float bnn_affine_channel_output(const bnn_affine_channel *ch, uint32_t mismatches)
{
    return bnn_fixed_float((int32_t)(ch->base - ch->step * mismatches), ch->exponent);
}
