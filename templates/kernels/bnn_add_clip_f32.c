/*
 * Without an FPU a float compare is a library call (two per element here, as costly as the add). There the clip
 * compares the floats' bits instead, the same predicates: BNN_ADD_CLIP_INTEGER_COMPARE selects it (1) or not (0).
 */
#ifndef BNN_ADD_CLIP_INTEGER_COMPARE
#if defined(__SOFTFP__) || (defined(__riscv) && !defined(__riscv_flen))
#define BNN_ADD_CLIP_INTEGER_COMPARE 1
#else
#define BNN_ADD_CLIP_INTEGER_COMPARE 0
#endif
#endif

#if BNN_ADD_CLIP_INTEGER_COMPARE
/* Float bits -> an unsigned key in the floats' order: -inf 0x007FFFFF, -0 0x7FFFFFFF, +0 0x80000000, +inf
 * 0xFF800000; NaNs fall outside [-inf, +inf]. */
static inline uint32_t bnn_add_clip_key(uint32_t u)
{
    return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
}
#endif

/**
 * Residual epilogue in one pass: out[i] = clip(a[i] + b[i]) to [lo, hi], the sum rounded to float, then the two
 * comparisons of bnn_clip_f32 (NaN passes through, -0 stays -0). Element i of a and b is read before element i
 * of output is written, so output may be a or b itself (in place); it never overlaps them otherwise.
 */
void bnn_add_clip_f32(int32_t size, float lo, float hi, const float *a, const float *b, float *output)
{
#if BNN_ADD_CLIP_INTEGER_COMPARE
    /* v < lo  <=>  key(-inf) <= key(v) < key(lo), and v > hi  <=>  key(hi) < key(v) <= key(+inf), where a zero
     * bound takes the key of the zero that makes -0 and +0 compare equal; NaNs are outside both ranges. */
    const uint32_t ninf = 0x007FFFFFu, pinf = 0xFF800000u;
    const uint32_t l = bnn_float_bits(lo), h = bnn_float_bits(hi);
    const uint32_t klo = (l << 1) == 0 ? 0x7FFFFFFFu : bnn_add_clip_key(l);
    const uint32_t khi = (h << 1) == 0 ? 0x80000000u : bnn_add_clip_key(h);
    for (int32_t i = 0; i < size; ++i) {
        uint32_t v = bnn_float_bits(a[i] + b[i]);
        if (bnn_add_clip_key(v) - ninf < klo - ninf) {
            v = l;
        }
        if (bnn_add_clip_key(v) - khi - 1u < pinf - khi) {
            v = h;
        }
        output[i] = bnn_bits_float(v);
    }
#else
    for (int32_t i = 0; i < size; ++i) {
        float v = a[i] + b[i];
        if (v < lo) {
            v = lo;
        }
        if (v > hi) {
            v = hi;
        }
        output[i] = v;
    }
#endif
}
