/*
 * The bconv affine epilogue (float)d * s + h for cores without an FPU, in integer arithmetic: the same bits as the
 * float expression (IEEE binary32, round to nearest even, product rounded, then the sum rounded, no FMA) for every
 * int32 d and every float s, h, at a fraction of the cost of libgcc's soft-float calls (__floatsisf, __mulsf3,
 * __addsf3: about 220 instructions on rv32). The fast path covers 0 < |d| < 2^16 with normal s and h whose
 * product is finite and whose sum is normal or zero, and d = 0 with a finite s and a normal h; every other input
 * (zero, subnormal, infinite or NaN operands, overflow, subnormal results, |d| >= 2^16) takes the float
 * expression itself, so those need no emulation.
 */

/* Leading zeros of x != 0: one instruction where the core has one (clz), else a branchy binary search rather
 * than libgcc's __clzsi2. BNN_CLZ_INSTRUCTION may be predefined (0 or 1) to test either way on the host. */
#if !defined(BNN_CLZ_INSTRUCTION)
#if defined(__riscv_zbb) || defined(__ARM_FEATURE_CLZ) || defined(__x86_64__) || defined(__aarch64__)
#define BNN_CLZ_INSTRUCTION 1
#else
#define BNN_CLZ_INSTRUCTION 0
#endif
#endif

static inline uint32_t bnn_clz(uint32_t x)
{
#if BNN_CLZ_INSTRUCTION
    return (uint32_t)__builtin_clz(x);
#else
    uint32_t n = 0;
    if (x < 0x10000u) {
        x <<= 16;
        n += 16;
    }
    if (x < 0x1000000u) {
        x <<= 8;
        n += 8;
    }
    if (x < 0x10000000u) {
        x <<= 4;
        n += 4;
    }
    if (x < 0x40000000u) {
        x <<= 2;
        n += 2;
    }
    return n + (x < 0x80000000u ? 1u : 0u);
#endif
}

static inline uint32_t bnn_float_bits(float x)
{
    union {
        float f;
        uint32_t u;
    } v;
    v.f = x;
    return v.u;
}

static inline float bnn_bits_float(uint32_t u)
{
    union {
        float f;
        uint32_t u;
    } v;
    v.u = u;
    return v.f;
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
 * 32-bit multiply (gcc would call __aeabi_lmul), so there the 40-bit product is assembled from two. May be
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
 * |d| * s rounded to float, as magnitude bits (a pattern >= 0x7F800000 means it overflows), for a = |d| in
 * [1, 2^16) and a normal s (bits sb). The exact product of a (shifted up to its leading 1) and s's 24-bit
 * significand is computed as hi = its top 32 bits, in [2^30, 2^32), plus a sticky bit for the rest.
 */
BNN_ALWAYS_INLINE uint32_t bnn_product_bits(uint32_t a, uint32_t sb)
{
    const uint32_t z = bnn_clz(a);
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
 * x + y rounded to float for normal x, y (bits; magnitudes xmag, ymag), written to *out; returns 0 when the sum
 * overflows or is subnormal. Significands carry 7 extra low bits; the bits the smaller operand's alignment shifts
 * out are ORed into its lowest bit (sticky), which keeps every rounding decision exact.
 */
BNN_ALWAYS_INLINE int bnn_sum_bits(uint32_t xb, uint32_t xmag, uint32_t yb, uint32_t ymag, uint32_t *out)
{
    /* Order by magnitude: big (exponent eb) >= small. */
    const uint32_t swap = (xmag < ymag ? 0xFFFFFFFFu : 0u) & (xb ^ yb);
    const uint32_t big = xb ^ swap;
    const uint32_t small = yb ^ swap;
    const uint32_t eb = (big << 1) >> 24;
    uint32_t shift = eb - ((small << 1) >> 24);
    uint32_t m = ((big << 8) | 0x80000000u) >> 1;
    uint32_t ms = ((small << 8) | 0x80000000u) >> 1;
    int32_t e = (int32_t)eb;
    if (shift > 31u) {
        shift = 31u;
    }
    ms = (ms >> shift) | ((((ms << (31u - shift)) << 1) != 0u) ? 1u : 0u);
    if (((xb ^ yb) >> 31) == 0u) {
        m += ms;
        if (m >> 31) {
            m = (m >> 1) | (m & 1u);
            e += 1;
        }
    } else {
        m -= ms;
        if (m == 0u) {
            *out = 0u; /* exact cancellation: +0 in round to nearest */
            return 1;
        }
        const uint32_t n = bnn_clz(m) - 1u;
        m <<= n;
        e -= (int32_t)n;
        if (e <= 0) {
            return 0;
        }
    }
    const uint32_t bits = bnn_round_bits((uint32_t)(e - 1), m);
    if (bits >= 0x7F800000u) {
        return 0;
    }
    *out = (big & 0x80000000u) | bits;
    return 1;
}

/* Everything the integer path leaves out, out of line so that the kernel loops keep their registers. */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static float bnn_dot_affine_float(int32_t d, float s, float h)
{
    return (float)d * s + h;
}

/** (float)d * s + h, bit for bit, mostly in integer arithmetic. */
BNN_ALWAYS_INLINE float bnn_dot_affine(int32_t d, float s, float h)
{
    const uint32_t sb = bnn_float_bits(s);
    const uint32_t hb = bnn_float_bits(h);
    const uint32_t hmag = hb & 0x7FFFFFFFu;
    const uint32_t a = d < 0 ? 0u - (uint32_t)d : (uint32_t)d;
    const int normal_h = hmag - 0x800000u < 0x7F000000u;
    if ((sb << 1) - 0x01000000u < 0xFE000000u && normal_h && a - 1u < 0xFFFFu) {
        const uint32_t pmag = bnn_product_bits(a, sb);
        const uint32_t pb = pmag | ((sb ^ (uint32_t)d) & 0x80000000u);
        uint32_t sum;
        if (pmag < 0x7F800000u && bnn_sum_bits(pb, pmag, hb, hmag, &sum)) {
            return bnn_bits_float(sum);
        }
    } else if (d == 0 && normal_h && (sb << 1) < 0xFF000000u) {
        return h; /* (float)0 * s is a zero when s is finite, and a zero plus a nonzero h is h */
    }
    return bnn_dot_affine_float(d, s, h);
}
