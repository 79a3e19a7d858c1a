/*
 * The float convolutions' multiply-accumulate acc + w * x for cores without an FPU, in integer arithmetic: the
 * same bits as the float expression (IEEE binary32, round to nearest even, the product rounded, then the sum
 * rounded, no FMA) for every acc, w and x, at a fraction of the cost of libgcc's __mulsf3 and __addsf3 (about 180
 * instructions a tap on rv32). The fast paths: normal w and x whose product is normal, added to a normal acc with
 * a normal sum or to a zero acc; and a zero w or x (padding-free but ReLU'd activations, pruned weights) with the
 * other finite, added to any acc but a NaN. Every other input takes the float expression itself.
 */

/*
 * The product of w's and x's significands (bits wb, xb, both normal) as hi = its top 32 bits, in [2^30, 2^32),
 * and whether any bit below them is set: the 48-bit product P of the two 24-bit significands is hi * 2^16 plus
 * the low 16 bits.
 */
BNN_ALWAYS_INLINE uint32_t bnn_significand_product(uint32_t wb, uint32_t xb, uint32_t *sticky)
{
#if BNN_WIDE_MULTIPLY
    const uint64_t p = (uint64_t)((wb << 8) | 0x80000000u) * ((xb << 8) | 0x80000000u);
    *sticky = (uint32_t)p != 0u ? 1u : 0u;
    return (uint32_t)(p >> 32);
#else
    /* Each significand split into its top 8 bits and low 16: four 32-bit products. */
    const uint32_t w1 = ((wb >> 16) & 0x7Fu) | 0x80u, w0 = wb & 0xFFFFu;
    const uint32_t x1 = ((xb >> 16) & 0x7Fu) | 0x80u, x0 = xb & 0xFFFFu;
    const uint32_t low = w0 * x0;
    *sticky = (low & 0xFFFFu) != 0u ? 1u : 0u;
    return ((w1 * x1) << 16) + w1 * x0 + w0 * x1 + (low >> 16);
#endif
}

/* Everything the integer paths leave out. */
BNN_NOINLINE static float bnn_fmac_float(float acc, float w, float x)
{
    return acc + w * x;
}

/** acc + w * x (the product rounded to float, then the sum), bit for bit, mostly in integer arithmetic. */
BNN_NOINLINE static float bnn_fmac(float acc, float w, float x)
{
    const uint32_t wb = bnn_float_bits(w);
    const uint32_t xb = bnn_float_bits(x);
    const uint32_t ab = bnn_float_bits(acc);
    const uint32_t amag = ab & 0x7FFFFFFFu;
    const uint32_t psign = (wb ^ xb) & 0x80000000u;
    const uint32_t ew = (wb >> 23) & 0xFFu;
    const uint32_t ex = (xb >> 23) & 0xFFu;
    if (ew - 1u < 0xFEu && ex - 1u < 0xFEu) {
        uint32_t sticky;
        const uint32_t hi = bnn_significand_product(wb, xb, &sticky);
        /* m in [2^30, 2^31): the 24-bit significand over 7 round bits, the bits shifted out ORed into the lowest;
         * the product's exponent field (before rounding) is ew + ex - 127 + top, normal when in [1, 254]. */
        const uint32_t top = hi >> 31;
        const uint32_t m = (hi >> top) | (hi & top) | sticky;
        const uint32_t e_minus_1 = ew + ex + top - 128u;
        if (e_minus_1 < 0xFEu) {
            const uint32_t pmag = bnn_round_bits(e_minus_1, m);
            if (pmag < 0x7F800000u) {
                if (amag - 0x800000u < 0x7F000000u) {
                    /* The sign is the larger operand's. */
                    const uint32_t subtract = (ab ^ psign) >> 31;
                    uint32_t sum;
                    uint32_t sign;
                    if (pmag >= amag) {
                        sum = bnn_sum_bits(pmag, amag, subtract);
                        sign = psign;
                    } else {
                        sum = bnn_sum_bits(amag, pmag, subtract);
                        sign = ab & 0x80000000u;
                    }
                    if (sum < 0x7F800000u) {
                        return bnn_bits_float(sum | sign);
                    }
                } else if (amag == 0u) {
                    return bnn_bits_float(pmag | psign); /* a nonzero p plus a zero is p */
                }
            }
        }
    } else if (((wb << 1) == 0u && ex != 0xFFu) || ((xb << 1) == 0u && ew != 0xFFu)) {
        /* The product is a zero of sign psign: acc unchanged, but for two zeros, -0 only if both are. */
        if (amag == 0u) {
            return bnn_bits_float(ab & psign);
        }
        if (amag <= 0x7F800000u) {
            return acc;
        }
    }
    return bnn_fmac_float(acc, w, x);
}
