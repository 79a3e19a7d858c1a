/*
 * XOR-popcount of word runs in plain C (SWAR), for cores without a popcount instruction. No __builtin_popcount:
 * on Cortex-M and rv32imc gcc turns that into a call to libgcc's __popcountsi2 (20-30 instructions a word).
 * Three words at a time: a carry-save adder turns them into a "ones" word and a "twos" word with the same total
 * (popcount(x0) + popcount(x1) + popcount(x2) = popcount(ones) + 2 * popcount(twos)); both go through the first
 * two SWAR steps (per-nibble counts, at most 4), are combined as ones + 2 * twos (at most 12 per nibble, so no
 * carry crosses a nibble), widened to bytes (at most 24) and the four bytes added to the total: by USADA8 on
 * cores with the DSP extension (one instruction), else by one multiply. The kernels call these with run lengths
 * that are compile-time constants, so the loops unroll completely.
 */
#if defined(__ARM_FEATURE_SIMD32)
#include <arm_acle.h>
#endif

/*
 * The SWAR masks, hidden from the optimiser by an empty asm: gcc then keeps each in a register, loaded once per
 * kernel, and Arm cores fold the shift into the AND (and r, m, x, lsr #1) instead of shifting first and ANDing
 * with an immediate.
 */
typedef struct {
    uint32_t m1, m2, m4;
} bnn_swar_masks;

static inline bnn_swar_masks bnn_swar_masks_get(void)
{
    bnn_swar_masks m = { 0x55555555u, 0x33333333u, 0x0F0F0F0Fu };
#if defined(__GNUC__)
    __asm__("" : "+r"(m.m1), "+r"(m.m2), "+r"(m.m4));
#endif
    return m;
}

static inline uint32_t bnn_nibble_counts(uint32_t x, const bnn_swar_masks *m)
{
    x = x - ((x >> 1) & m->m1);
    return (x & m->m2) + ((x >> 2) & m->m2);
}

/* total + the sum of the four bytes of x (each at most 63). */
static inline uint32_t bnn_add_bytes(uint32_t total, uint32_t x)
{
#if defined(__ARM_FEATURE_SIMD32)
    return __usada8(x, 0u, total);
#else
    return total + ((x * 0x01010101u) >> 24);
#endif
}

/* total + the sum of eight nibble counts that are each at most 12 (bytes first: at most 24). */
static inline uint32_t bnn_add_nibbles(uint32_t total, uint32_t x, const bnn_swar_masks *m)
{
    return bnn_add_bytes(total, (x & m->m4) + ((x >> 4) & m->m4));
}

/* Word i of a run: a[i] ^ w[i], ANDed with mask[i] unless mask is NULL (a constant after inlining). */
static inline uint32_t bnn_run_word(const uint32_t *a, const uint32_t *w, const uint32_t *mask, int32_t i)
{
    return mask != 0 ? (a[i] ^ w[i]) & mask[i] : a[i] ^ w[i];
}

/* total + the set bits of words i, i + 1 and i + 2 of a run. */
BNN_ALWAYS_INLINE uint32_t bnn_popcount3(uint32_t total, const uint32_t *a, const uint32_t *w, const uint32_t *mask,
                                     int32_t i, const bnn_swar_masks *m)
{
    const uint32_t x0 = bnn_run_word(a, w, mask, i);
    const uint32_t x1 = bnn_run_word(a, w, mask, i + 1);
    const uint32_t x2 = bnn_run_word(a, w, mask, i + 2);
    const uint32_t x01 = x0 ^ x1;
    const uint32_t ones = x01 ^ x2;
    const uint32_t twos = (x0 & x1) | (x01 & x2);
    return bnn_add_nibbles(total, bnn_nibble_counts(ones, m) + (bnn_nibble_counts(twos, m) << 1), m);
}

/* Number of set bits of the n (>= 0) words of a run. */
BNN_ALWAYS_INLINE uint32_t bnn_popcount_run(const uint32_t *a, const uint32_t *w, const uint32_t *mask, int32_t n)
{
    const bnn_swar_masks m = bnn_swar_masks_get();
    uint32_t total = 0;
    int32_t i = 0;
    BNN_UNROLLED(n, for (; i + 3 <= n; i += 3) { total = bnn_popcount3(total, a, w, mask, i, &m); })
    if (i + 2 == n) {
        const uint32_t x0 = bnn_run_word(a, w, mask, i);
        const uint32_t x1 = bnn_run_word(a, w, mask, i + 1);
        total = bnn_add_nibbles(total, bnn_nibble_counts(x0 ^ x1, &m) + (bnn_nibble_counts(x0 & x1, &m) << 1), &m);
    } else if (i + 1 == n) {
        total = bnn_add_nibbles(total, bnn_nibble_counts(bnn_run_word(a, w, mask, i), &m), &m);
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
