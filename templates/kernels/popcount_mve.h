/*
 * XOR-popcount of word runs with Arm Helium (MVE), four words per vector. MVE has no popcount instruction, so
 * the SWAR steps run on the sixteen bytes of a vector at once. As in popcount_swar.h, a carry-save adder first
 * turns three vectors into "ones" and "twos" with the same total; both get per-nibble counts, are combined as
 * ones + 2 * twos (at most 12 a nibble), widened to bytes, and VADDVA.U8 adds the sixteen bytes into the scalar
 * total. A last, partial vector is tail-predicated (VCTP): inactive lanes are neither loaded nor counted, and
 * nothing past the run is read. The kernels' run lengths are compile-time constants, so all of it unrolls.
 */
#if !defined(__ARM_FEATURE_MVE)
#error "popcount variant 'mve' needs Helium (e.g. -mcpu=cortex-m55 -mfloat-abi=hard)"
#endif

#include <arm_mve.h>

/* Words i .. i + 3 of a run (those below n; the others 0): a ^ w, ANDed with mask unless it is NULL. */
BNN_ALWAYS_INLINE uint8x16_t bnn_run_vector(const uint32_t *a, const uint32_t *w, const uint32_t *mask, int32_t i,
                                        int32_t n)
{
    uint32x4_t x;
    if (n - i >= 4) {
        x = veorq_u32(vldrwq_u32(a + i), vldrwq_u32(w + i));
        if (mask != 0) {
            x = vandq_u32(x, vldrwq_u32(mask + i));
        }
    } else {
        const mve_pred16_t active = vctp32q((uint32_t)(n - i));
        x = veorq_u32(vldrwq_z_u32(a + i, active), vldrwq_z_u32(w + i, active));
        if (mask != 0) {
            x = vandq_u32(x, vldrwq_z_u32(mask + i, active));
        }
    }
    return vreinterpretq_u8_u32(x);
}

/* Per-nibble bit counts (at most 4) of every byte. */
static inline uint8x16_t bnn_vnibble_counts(uint8x16_t x)
{
    x = vsubq_u8(x, vandq_u8(vshrq_n_u8(x, 1), vdupq_n_u8(0x55)));
    return vaddq_u8(vandq_u8(x, vdupq_n_u8(0x33)), vandq_u8(vshrq_n_u8(x, 2), vdupq_n_u8(0x33)));
}

/* total + the bit count of ones + 2 * the bit count of twos. */
static inline uint32_t bnn_vadd_counts(uint32_t total, uint8x16_t ones, uint8x16_t twos)
{
    const uint8x16_t x = vaddq_u8(bnn_vnibble_counts(ones), vshlq_n_u8(bnn_vnibble_counts(twos), 1));
    return vaddvaq_u8(total, vaddq_u8(vandq_u8(x, vdupq_n_u8(0x0F)), vshrq_n_u8(x, 4)));
}

/* Number of set bits of the n (>= 0) words of a run. */
BNN_ALWAYS_INLINE uint32_t bnn_popcount_run(const uint32_t *a, const uint32_t *w, const uint32_t *mask, int32_t n)
{
    uint32_t total = 0;
    int32_t i = 0;
    BNN_UNROLLED(n, for (; i + 8 < n; i += 12) {
        const uint8x16_t x0 = bnn_run_vector(a, w, mask, i, n);
        const uint8x16_t x1 = bnn_run_vector(a, w, mask, i + 4, n);
        const uint8x16_t x2 = bnn_run_vector(a, w, mask, i + 8, n);
        const uint8x16_t x01 = veorq_u8(x0, x1);
        total = bnn_vadd_counts(total, veorq_u8(x01, x2), vorrq_u8(vandq_u8(x0, x1), vandq_u8(x01, x2)));
    })
    if (i + 4 < n) {
        const uint8x16_t x0 = bnn_run_vector(a, w, mask, i, n);
        const uint8x16_t x1 = bnn_run_vector(a, w, mask, i + 4, n);
        total = bnn_vadd_counts(total, veorq_u8(x0, x1), vandq_u8(x0, x1));
    } else if (i < n) {
        total = bnn_vadd_counts(total, bnn_run_vector(a, w, mask, i, n), vdupq_n_u8(0));
    }
    return total;
}

/** Number of set bits of a[i] ^ w[i] over the n words (n >= 0). */
static inline uint32_t bnn_xor_popcount(const uint32_t *a, const uint32_t *w, int32_t n)
{
    return bnn_popcount_run(a, w, 0, n);
}

/** Number of set bits of (a[i] ^ w[i]) & m[i] over the n words (n >= 0). */
static inline uint32_t bnn_xor_popcount_masked(const uint32_t *a, const uint32_t *w, const uint32_t *m, int32_t n)
{
    return bnn_popcount_run(a, w, m, n);
}
