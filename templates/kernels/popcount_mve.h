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


/*
 * Four output channels at once (lane j = channel oc0 + j): the bconv kernels XOR each window word, broadcast,
 * with word k of four filter rows (canonical [oc][fw] layout, fetched by one gather load of the rows'
 * addresses), and count the bits of every byte by a gather from a 256-byte table of popcounts.
 */
#define BNN_BCONV_X4 1

#define BNN_PC2(n) (n), (n) + 1, (n) + 1, (n) + 2
#define BNN_PC4(n) BNN_PC2(n), BNN_PC2((n) + 1), BNN_PC2((n) + 1), BNN_PC2((n) + 2)
#define BNN_PC6(n) BNN_PC4(n), BNN_PC4((n) + 1), BNN_PC4((n) + 1), BNN_PC4((n) + 2)
#define BNN_PC8(n) BNN_PC6(n), BNN_PC6((n) + 1), BNN_PC6((n) + 1), BNN_PC6((n) + 2)

/* Bit count of every byte. */
static const uint8_t bnn_popcount8[256] = { BNN_PC8(0) };

#undef BNN_PC2
#undef BNN_PC4
#undef BNN_PC6
#undef BNN_PC8

/*
 * Word `off`/4 of the four filter rows (gather at an immediate offset from fil) XOR the broadcast window word,
 * ANDed with the broadcast mask word for the masked form; window and mask pointers post-increment. Written as
 * asm because gcc, given the intrinsics, hoists the window's loads out of the channel-group loop and shuffles
 * them through the stack, which doubled the instructions a group; the "memory" clobber keeps every load inside
 * its group.
 */
#define BNN_X4_XOR(off)                                                                                        \
    __asm__("vldrw.u32 %q[f], [%q[fil], #%c[o]]\n\t"                                                          \
            "vldrw.u32 %q[x], [%[wv]], #16\n\t"                                                               \
            "veor %q[x], %q[x], %q[f]"                                                                        \
            : [f] "=&w"(f), [x] "=&w"(x), [wv] "+r"(wv)                                                       \
            : [fil] "w"(fil), [o] "i"(off)                                                                    \
            : "memory")
#define BNN_X4_XOR_MASKED(off)                                                                                 \
    __asm__("vldrw.u32 %q[f], [%q[fil], #%c[o]]\n\t"                                                          \
            "vldrw.u32 %q[x], [%[wv]], #16\n\t"                                                               \
            "veor %q[x], %q[x], %q[f]\n\t"                                                                    \
            "vldrw.u32 %q[f], [%[mv]], #16\n\t"                                                               \
            "vand %q[x], %q[x], %q[f]"                                                                        \
            : [f] "=&w"(f), [x] "=&w"(x), [wv] "+r"(wv), [mv] "+r"(mv)                                        \
            : [fil] "w"(fil), [o] "i"(off)                                                                    \
            : "memory")

/*
 * Per lane j: mismatches of a window against the filter row at address lane j of fil, over fw words, counting
 * only the bits set in the mask unless it is NULL; window and mask are broadcast (word k in words 4k .. 4k + 3,
 * bnn_bconv_gather_x4). Byte counts grow by at most 8 a word, so a lane's four bytes sum to at most 32 a word: up
 * to 7 words their sum is one multiply by 0x01010101 (top byte); longer runs widen the bytes to 16 bits every 31
 * words and at the end.
 */
BNN_ALWAYS_INLINE uint32x4_t bnn_xor_popcount_x4(uint32x4_t fil, const uint32_t *window4, const uint32_t *mask4,
                                             int32_t fw)
{
    uint16x8_t counts = vdupq_n_u16(0);
    uint8x16_t bytes = vdupq_n_u8(0);
    uint32x4_t f;
    uint32x4_t x;
    const uint32_t *wv = window4;
    const uint32_t *mv = mask4;
    if (__builtin_constant_p(fw)) {
        _Pragma("GCC unroll 64") for (int32_t k = 0; k < fw; ++k) {
            if (mask4 != 0) {
                BNN_X4_XOR_MASKED(4 * k);
            } else {
                BNN_X4_XOR(4 * k);
            }
            const uint8x16_t c = vldrbq_gather_offset_u8(bnn_popcount8, vreinterpretq_u8_u32(x));
            bytes = k % 31 == 0 ? c : vaddq_u8(bytes, c);
            if (fw > 7 && (k % 31 == 30 || k == fw - 1)) {
                const uint16x8_t wide = vaddq_u16(vmovlbq_u8(bytes), vmovltq_u8(bytes));
                counts = k < 31 ? wide : vaddq_u16(counts, wide);
            }
        }
    } else {
        for (int32_t k = 0; k < fw; ++k, fil = vaddq_n_u32(fil, 4u)) {
            if (mask4 != 0) {
                BNN_X4_XOR_MASKED(0);
            } else {
                BNN_X4_XOR(0);
            }
            bytes = vaddq_u8(bytes, vldrbq_gather_offset_u8(bnn_popcount8, vreinterpretq_u8_u32(x)));
            if (k % 31 == 30 || k == fw - 1) {
                counts = vaddq_u16(vaddq_u16(counts, vmovlbq_u8(bytes)), vmovltq_u8(bytes));
                bytes = vdupq_n_u8(0);
            }
        }
    }
    if (__builtin_constant_p(fw) && fw <= 7) {
        return vshrq_n_u32(vmulq_n_u32(vreinterpretq_u32_u8(bytes), 0x01010101u), 24);
    }
    const uint32x4_t c32 = vreinterpretq_u32_u16(counts);
    return vaddq_u32(vmovlbq_u16(counts), vshrq_n_u32(c32, 16));
}
#undef BNN_X4_XOR
#undef BNN_X4_XOR_MASKED

/* Per lane: the sum of its four byte counts, each at most 248 (8 a word, up to 31 words). */
BNN_ALWAYS_INLINE uint32x4_t bnn_lane_sums_x4(uint8x16_t bytes)
{
    const uint16x8_t wide = vaddq_u16(vmovlbq_u8(bytes), vmovltq_u8(bytes));
    return vaddq_u32(vmovlbq_u16(wide), vshrq_n_u32(vreinterpretq_u32_u16(wide), 16));
}

/*
 * One word of one group in bnn_xor_popcount_x4_pair: the byte counts of (filter rows at fil + off) ^ w, added
 * to acc (BNN_X4_GROUP_WORD) or, for the first word, stored in it (BNN_X4_GROUP_FIRST).
 */
#define BNN_X4_GROUP_WORD(acc, off)                                                                            \
    __asm__("vldrw.u32 %q[x], [%q[fil], #%c[o]]\n\t"                                                          \
            "veor %q[x], %q[x], %q[w]\n\t"                                                                    \
            "vldrb.u8 %q[c], [%[t], %q[x]]\n\t"                                                               \
            "vadd.i8 %q[b], %q[b], %q[c]"                                                                     \
            : [x] "=&w"(x), [c] "=&w"(c), [b] "+w"(acc)                                                       \
            : [fil] "w"(fil), [w] "w"(w), [t] "r"(bnn_popcount8), [o] "i"(off))
#define BNN_X4_GROUP_FIRST(acc, off)                                                                           \
    __asm__("vldrw.u32 %q[x], [%q[fil], #%c[o]]\n\t"                                                          \
            "veor %q[x], %q[x], %q[w]\n\t"                                                                    \
            "vldrb.u8 %q[b], [%[t], %q[x]]"                                                                   \
            : [x] "=&w"(x), [b] "=&w"(acc)                                                                    \
            : [fil] "w"(fil), [w] "w"(w), [t] "r"(bnn_popcount8), [o] "i"(off))

/*
 * bnn_xor_popcount_x4 without a mask for two groups of four filter rows at once, the second group's rows 16 * fw
 * bytes after the first's (all offsets within a gather's reach of 508 bytes for fw <= 25): each broadcast window
 * word is loaded once for both. m0 and m1 get the groups' mismatches. fw (1..25) is a compile-time constant.
 */
BNN_ALWAYS_INLINE void bnn_xor_popcount_x4_pair(uint32x4_t fil, const uint32_t *window4, int32_t fw, uint32x4_t *m0,
                                                uint32x4_t *m1)
{
    uint8x16_t b0;
    uint8x16_t b1;
    uint8x16_t x;
    uint8x16_t c;
    const uint32_t *wv = window4;
    _Pragma("GCC unroll 64") for (int32_t k = 0; k < fw; ++k) {
        uint8x16_t w;
        /* volatile: each word loaded inside the channel loop, not hoisted (and spilled) as plain loads were. */
        __asm__ volatile("vldrw.u32 %q[w], [%[wv]], #16" : [w] "=w"(w), [wv] "+r"(wv) : : "memory");
        if (k == 0) {
            BNN_X4_GROUP_FIRST(b0, 0);
            BNN_X4_GROUP_FIRST(b1, 16 * fw);
        } else {
            BNN_X4_GROUP_WORD(b0, 4 * k);
            BNN_X4_GROUP_WORD(b1, 16 * fw + 4 * k);
        }
    }
    if (fw <= 7) {
        /* Lane sums up to 224: one multiply gathers them in the top byte, as in bnn_xor_popcount_x4. */
        *m0 = vshrq_n_u32(vmulq_n_u32(vreinterpretq_u32_u8(b0), 0x01010101u), 24);
        *m1 = vshrq_n_u32(vmulq_n_u32(vreinterpretq_u32_u8(b1), 0x01010101u), 24);
        return;
    }
    *m0 = bnn_lane_sums_x4(b0);
    *m1 = bnn_lane_sums_x4(b1);
}
#undef BNN_X4_GROUP_WORD
#undef BNN_X4_GROUP_FIRST

/* Addresses of the filter rows w + j * fw for lanes j = 0 .. 3, lanes at or past n (1..4) repeating row n - 1. */
BNN_ALWAYS_INLINE uint32x4_t bnn_filter_rows_x4(const uint32_t *w, int32_t fw, int32_t n)
{
    const uint32x4_t lane = vminq_u32(vidupq_n_u32(0u, 1), vdupq_n_u32((uint32_t)(n - 1)));
    return vaddq_n_u32(vmulq_n_u32(lane, (uint32_t)(4 * fw)), (uint32_t)(uintptr_t)w);
}
