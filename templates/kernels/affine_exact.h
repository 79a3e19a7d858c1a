/*
 * The bconv affine epilogue (float)d * s + h for cores without an FPU, in integer arithmetic: the same bits as the
 * float expression (IEEE binary32, round to nearest even, product rounded, then the sum rounded, no FMA) for every
 * int32 d and every float s, h, at a fraction of the cost of libgcc's soft-float calls (__floatsisf, __mulsf3,
 * __addsf3: about 220 instructions on rv32). The fast path covers 0 < |d| < 2^16 with normal s and h whose
 * product is finite and whose sum is normal, and d = 0 with a finite s and a normal h; every other input
 * (zero, subnormal, infinite or NaN operands, overflow, subnormal or zero results, |d| >= 2^16) takes the float
 * expression itself, so those need no emulation.
 */

/* Leading zeros of a in [1, 2^16) (16..31). */
BNN_ALWAYS_INLINE uint32_t bnn_clz16(uint32_t a)
{
#if BNN_CLZ_INSTRUCTION
    return (uint32_t)__builtin_clz(a);
#else
    uint32_t n = 16u;
    if (a < 0x100u) {
        a <<= 8;
        n += 8u;
    }
    if (a < 0x1000u) {
        a <<= 4;
        n += 4u;
    }
    if (a < 0x4000u) {
        a <<= 2;
        n += 2u;
    }
    return n + (a < 0x8000u ? 1u : 0u);
#endif
}

/*
 * |d| * s rounded to float, as magnitude bits (a pattern >= 0x7F800000 means it overflows), for a = |d| in
 * [1, 2^16) and a normal s (bits sb). The exact product of a (shifted up to its leading 1) and s's 24-bit
 * significand is computed as hi = its top 32 bits, in [2^30, 2^32), plus a sticky bit for the rest.
 */
BNN_ALWAYS_INLINE uint32_t bnn_product_bits(uint32_t a, uint32_t sb)
{
    const uint32_t z = bnn_clz16(a);
#if BNN_WIDE_MULTIPLY
    const uint64_t p = (uint64_t)(a << z) * ((sb << 8) | 0x80000000u);
    const uint32_t hi = (uint32_t)(p >> 32);
    const uint32_t sticky = (uint32_t)p != 0u ? 1u : 0u;
#else
    /* a16 = a << (z - 16) in [2^15, 2^16) times the significand split in 8 + 16 bits: the 40-bit product is
     * t * 2^16 + u, and its top 32 bits (t << 8) + (u >> 8), the same hi as above. */
    const uint32_t a16 = a << (z - 16u);
    const uint32_t t = a16 * (((sb >> 16) & 0x7Fu) | 0x80u);
    const uint32_t u = a16 * (sb & 0xFFFFu);
    const uint32_t hi = (t << 8) + (u >> 8);
    const uint32_t sticky = (u & 0xFFu) != 0u ? 1u : 0u;
#endif
    /* m in [2^30, 2^31): the 24-bit significand over 7 round bits, the bits shifted out ORed into the lowest. */
    const uint32_t top = hi >> 31;
    const uint32_t m = (hi >> top) | (hi & top) | sticky;
    return bnn_round_bits(((sb >> 23) & 0xFFu) + 30u - z + top, m);
}

/*
 * Both functions below are calls, not inlined. bnn_dot_affine inlined into the kernel loops pushes their window
 * words out of registers; measured on ResNet-20 (instructions per binary MAC, inlined / called): Cortex-M3
 * 0.880 / 0.834, rv32imc 0.959 / 0.947, rv32imc_zbb 0.577 / 0.580, Cortex-M0 1.413 / 1.533 (but there its eight
 * copies cost 6.3 KB of flash against 0.8 KB). The float fallback, a call of its own, keeps bnn_dot_affine a
 * leaf function with no registers to save.
 */

/* Everything the integer path leaves out. */
BNN_NOINLINE static float bnn_dot_affine_float(int32_t d, float s, float h)
{
    return (float)d * s + h;
}

/** (float)d * s + h, bit for bit, mostly in integer arithmetic. */
BNN_NOINLINE static float bnn_dot_affine(int32_t d, float s, float h)
{
    const uint32_t sb = bnn_float_bits(s);
    const uint32_t hb = bnn_float_bits(h);
    const uint32_t hmag = hb & 0x7FFFFFFFu;
    const uint32_t a = d < 0 ? 0u - (uint32_t)d : (uint32_t)d;
    const int normal_h = hmag - 0x800000u < 0x7F000000u;
    /* s zero or subnormal is left out here; infinite or NaN s shows as an overflowing product below. */
    if ((sb << 1) >= 0x01000000u && normal_h && a - 1u < 0xFFFFu) {
        const uint32_t pmag = bnn_product_bits(a, sb);
        const uint32_t subtract = (sb ^ (uint32_t)d ^ hb) >> 31;
        if (pmag < 0x7F800000u) {
            /* The sign is the larger operand's: sign of s times sign of d, or h's. */
            uint32_t sum;
            uint32_t sign;
            if (pmag >= hmag) {
                sum = bnn_sum_bits(pmag, hmag, subtract);
                sign = (sb ^ (uint32_t)d) & 0x80000000u;
            } else {
                sum = bnn_sum_bits(hmag, pmag, subtract);
                sign = hb & 0x80000000u;
            }
            if (sum < 0x7F800000u) {
                return bnn_bits_float(sum | sign);
            }
        }
    } else if (d == 0 && normal_h && (sb << 1) < 0xFF000000u) {
        return h; /* (float)0 * s is a zero when s is finite, and a zero plus a nonzero h is h */
    }
    return bnn_dot_affine_float(d, s, h);
}
