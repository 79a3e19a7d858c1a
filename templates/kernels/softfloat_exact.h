/*
 * Integer building blocks of IEEE binary32 arithmetic (round to nearest even) for cores without an FPU, shared by
 * the fixed-point bconv epilogue (affine_exact.h: an int-to-float conversion) and the exact float
 * multiply-accumulate (fmac_exact.h): normalising shifts, rounding, and the sum of two normal magnitudes (float
 * bits from float_bits.h). fmac keeps a fast path for normal operands and results and hands everything else to the float
 * expression itself.
 */

/*
 * Normalising shifts: one clz instruction where the core has one, else a binary search (branches rather than
 * libgcc's __clzsi2, a call). BNN_CLZ_INSTRUCTION may be predefined (0 or 1) to test either way on the host.
 */
#if !defined(BNN_CLZ_INSTRUCTION)
#if defined(__riscv_zbb) || defined(__ARM_FEATURE_CLZ) || defined(__x86_64__) || defined(__aarch64__)
#define BNN_CLZ_INSTRUCTION 1
#else
#define BNN_CLZ_INSTRUCTION 0
#endif
#endif

/* The left shift that brings m in [1, 2^31) to [2^30, 2^31). Without clz the usual 0 or 1 is tested first. */
BNN_ALWAYS_INLINE uint32_t bnn_normalize_shift(uint32_t m)
{
#if BNN_CLZ_INSTRUCTION
    return (uint32_t)__builtin_clz(m) - 1u;
#else
    uint32_t n = 0u;
    if (m >= 0x20000000u) {
        return m < 0x40000000u ? 1u : 0u;
    }
    if (m < 0x8000u) {
        m <<= 16;
        n += 16u;
    }
    if (m < 0x800000u) {
        m <<= 8;
        n += 8u;
    }
    if (m < 0x8000000u) {
        m <<= 4;
        n += 4u;
    }
    if (m < 0x20000000u) {
        m <<= 2;
        n += 2u;
    }
    return n + (m < 0x40000000u ? 1u : 0u);
#endif
}

/*
 * The float magnitude bits of m * 2^(e - 157), m in [2^30, 2^31) (a 24-bit significand over 7 round bits, the
 * lowest sticky): m rounded to nearest even, its leading 1 added to the exponent field e - 1, so that a rounding
 * carry to 2^24 steps the exponent. A result >= 0x7F800000 means overflow.
 */
static inline uint32_t bnn_round_bits(uint32_t e_minus_1, uint32_t m)
{
    return (e_minus_1 << 23) + ((m + 0x3Fu + ((m >> 7) & 1u)) >> 7);
}

/*
 * Whether a 32 x 32 -> 64-bit multiply is cheap (rv32 with M: mul + mulhu; Armv7-M: umull). Armv6-M has only a
 * 32-bit multiply (gcc would call __aeabi_lmul), so there the products are assembled from 32-bit ones. May be
 * predefined (0 or 1) to test either way on the host.
 */
#if !defined(BNN_WIDE_MULTIPLY)
#if defined(__riscv_mul) || (defined(__ARM_ARCH_ISA_THUMB) && __ARM_ARCH_ISA_THUMB >= 2) || defined(__x86_64__) || \
    defined(__aarch64__)
#define BNN_WIDE_MULTIPLY 1
#else
#define BNN_WIDE_MULTIPLY 0
#endif
#endif

/*
 * The magnitude bits of big + small (or big - small when `subtract`) rounded to float, for normal operands given
 * as magnitude bits with big >= small; a result >= 0x7F800000 means it overflows, is subnormal or is zero (an
 * exact cancellation, rare). Significands carry 7 extra low bits; the bits that small's alignment shifts out are
 * ORed into its lowest bit (sticky), which keeps every rounding decision exact.
 */
BNN_ALWAYS_INLINE uint32_t bnn_sum_bits(uint32_t big, uint32_t small, uint32_t subtract)
{
    uint32_t e = big >> 23;
    uint32_t shift = e - (small >> 23);
    uint32_t m = ((big << 8) | 0x80000000u) >> 1;
    const uint32_t ms = ((small << 8) | 0x80000000u) >> 1;
    if (shift > 31u) {
        shift = 31u;
    }
    const uint32_t kept = ms >> shift;
    const uint32_t aligned = kept | ((kept << shift) < ms ? 1u : 0u);
    if (subtract == 0u) {
        m += aligned;
        if (m >> 31) {
            m = (m >> 1) | (m & 1u);
            e += 1u;
        }
    } else {
        m -= aligned;
        if (m == 0u) {
            return 0xFFFFFFFFu;
        }
        const uint32_t n = bnn_normalize_shift(m);
        if (n >= e) {
            return 0xFFFFFFFFu;
        }
        m <<= n;
        e -= n;
    }
    return bnn_round_bits(e - 1u, m);
}

/* The exact helpers' float fallbacks, and their fast paths where measured to pay, are calls. */
#if defined(__GNUC__)
#define BNN_NOINLINE __attribute__((noinline))
#else
#define BNN_NOINLINE
#endif
