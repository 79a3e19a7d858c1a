/*
 * XOR-popcount of word runs (SWAR), for cores without a popcount instruction. No __builtin_popcount: on Cortex-M
 * and rv32imc gcc turns that into a call to libgcc's __popcountsi2 (20-30 instructions a word). Two versions:
 *
 * - Thumb-2 (Cortex-M3/M4/M7/M33, gcc): inline assembly. A carry-save chain takes two words at a time; the SWAR
 *   masks are Thumb-2 immediates; USAD8 adds up the bytes with the DSP extension, a multiply without (M3).
 *   With the DSP extension and an FPU, bnn_bconv2d_affine runs the whole output-channel loop of a pixel as one
 *   block: about 8 instructions a word plus about 13 per output channel (first word, final sum, epilogue), and
 *   a border window of a 3x3 filter whose taps are whole words leaves its padded taps' words out;
 *   bnn_bconv2d_threshold runs each 32-channel output word of a pixel as one block the same way.
 *   On the M3 the kernels' C loops call the run blocks: about 9.3 a word.
 * - Elsewhere (Cortex-M0, RISC-V, the host), plain C, three words at a time: a carry-save adder turns them
 *   into a "ones" word and a "twos" word with the same total (popcount(x0) + popcount(x1) + popcount(x2) =
 *   popcount(ones) + 2 * popcount(twos)); both go through the first two SWAR steps (per-nibble counts, at most
 *   4), are combined as ones + 2 * twos (at most 12 per nibble, so no carry crosses a nibble), widened to bytes
 *   (at most 24) and the four bytes added to the total by one multiply (USADA8 if the DSP extension is there).
 *
 * The kernels call these with run lengths that are compile-time constants, so the runs unroll completely.
 */
#if defined(__GNUC__) && !defined(__clang__) && defined(__thumb2__)
/*
 * Thumb-2 (Cortex-M3/M4/M7/M33): the run is counted by inline assembly, in blocks that each load their words
 * with LDRD/LDR (post-increment) and finish their arithmetic before the next block starts. In C, gcc hoists
 * every load of the unrolled run to the top and then spills to the stack; here the live values stay in about ten
 * registers. The SWAR masks are Thumb-2 modified immediates (0xAAAAAAAA, 0xCCCCCCCC, 0x33333333,
 * 0x0F0F0F0F), so no register holds a mask.
 *
 * Counting: a chain of carry-save adders. `ones` carries the weight-1 bits through the run; each adder takes two
 * new words and gives off one weight-2 word, whose per-nibble counts (at most 4) are summed in `twos` for up to
 * three words (at most 12 a nibble), then widened to bytes and added up (BNN_SWAR_ADD_SUM). The run's count is
 * ones' count + 2 * twos' counts. Per two words: 2 LDRD, 2 EOR, 5 for the adder, 4 for the nibble counts and
 * 1 or 2 to sum them; per three carry words 5 more to widen and add them.
 */

/* Per-nibble counts of x (each at most 4), using t: x - ((x & 0xAAAAAAAA) >> 1) gives 2-bit counts. */
#define BNN_SWAR_NIBBLES(x, t)                                       \
    "and %[" t "], %[" x "], #0xAAAAAAAA\n\t"                        \
    "sub %[" x "], %[" x "], %[" t "], lsr #1\n\t"                   \
    "and %[" t "], %[" x "], #0xCCCCCCCC\n\t"                        \
    "and %[" x "], %[" x "], #0x33333333\n\t"                        \
    "add %[" x "], %[" x "], %[" t "], lsr #2\n\t"

/* Byte counts from nibble counts at most 12 (so up to 24), using t. */
#define BNN_SWAR_BYTES(x, t)                                         \
    "and %[" t "], %[" x "], #0xF0F0F0F0\n\t"                        \
    "and %[" x "], %[" x "], #0x0F0F0F0F\n\t"                        \
    "add %[" x "], %[" x "], %[" t "], lsr #4\n\t"

/* Byte counts from nibble counts at most 7 (so up to 14: the sum fits the low nibble before the mask). */
#define BNN_SWAR_BYTES_SMALL(x)                                      \
    "add %[" x "], %[" x "], %[" x "], lsr #4\n\t"                   \
    "and %[" x "], %[" x "], #0x0F0F0F0F\n\t"

/* ones, x, y -> ones (sum bits) and x (carry bits, weight 2) by a full adder; t is a scratch register. */
#define BNN_SWAR_FULL_ADD(x, y, t)                                   \
    "eor %[" t "], %[ones], %[" x "]\n\t"                            \
    "and %[" x "], %[ones], %[" x "]\n\t"                            \
    "eor %[ones], %[" t "], %[" y "]\n\t"                            \
    "and %[" t "], %[" t "], %[" y "]\n\t"                           \
    "orr %[" x "], %[" x "], %[" t "]\n\t"

/*
 * Sums of the four bytes of x (each at most 56, so no partial sum leaves its byte), against the constant k:
 * USAD8 against 0 with the DSP extension, else a multiply by 0x01010101 that gathers them in the top byte.
 */
#if defined(__ARM_FEATURE_SIMD32)
#define BNN_SWAR_SUM_CONST 0u
#define BNN_SWAR_SUM(s, x) "usad8 %[" s "], %[" x "], %[k]\n\t"
#define BNN_SWAR_ADD_SUM(s, x) "usada8 %[" s "], %[" x "], %[k], %[" s "]\n\t"
#else
#define BNN_SWAR_SUM_CONST 0x01010101u
#define BNN_SWAR_SUM(s, x) "mul %[" s "], %[" x "], %[k]\n\t" "lsr %[" s "], %[" s "], #24\n\t"
#define BNN_SWAR_ADD_SUM(s, x) "mul %[" x "], %[" x "], %[k]\n\t" "add %[" s "], %[" s "], %[" x "], lsr #24\n\t"
#endif

/* The operands every block shares: the run's pointers (advanced by the loads) and the running state. */
typedef struct {
    const uint32_t *a, *w, *mask;
    int masked;      /* mask != NULL, taken before the loads advance mask (so it stays a constant) */
    uint32_t ones;   /* weight-1 bits, counted at the end */
    uint32_t twos;   /* per-nibble counts of up to three weight-2 words */
    int32_t pending; /* how many words `twos` holds */
    uint32_t total2; /* weight-2 bits counted so far (byte sums of flushed `twos`) */
} bnn_swar_run;

/* x0, x1 <- the next two words of the run: (a ^ w) & mask. */
BNN_ALWAYS_INLINE void bnn_swar_load2(bnn_swar_run *r, uint32_t *x0, uint32_t *x1)
{
    uint32_t y0, y1;
    __asm__("ldrd %[x0], %[x1], [%[a]], #8\n\t"
            "ldrd %[y0], %[y1], [%[w]], #8\n\t"
            "eor %[x0], %[x0], %[y0]\n\t"
            "eor %[x1], %[x1], %[y1]\n\t"
            : [x0] "=&r"(*x0), [x1] "=&r"(*x1), [y0] "=&r"(y0), [y1] "=&r"(y1), [a] "+r"(r->a), [w] "+r"(r->w)
            : "m"(*(const uint32_t(*)[2])r->a), "m"(*(const uint32_t(*)[2])r->w));
    if (r->masked) {
        __asm__("ldrd %[y0], %[y1], [%[m]], #8\n\t"
                "and %[x0], %[x0], %[y0]\n\t"
                "and %[x1], %[x1], %[y1]\n\t"
                : [x0] "+r"(*x0), [x1] "+r"(*x1), [y0] "=&r"(y0), [y1] "=&r"(y1), [m] "+r"(r->mask)
                : "m"(*(const uint32_t(*)[2])r->mask));
    }
}

/* The next word of the run. */
BNN_ALWAYS_INLINE uint32_t bnn_swar_load1(bnn_swar_run *r)
{
    uint32_t x, y;
    __asm__("ldr %[x], [%[a]], #4\n\t"
            "ldr %[y], [%[w]], #4\n\t"
            "eor %[x], %[x], %[y]\n\t"
            : [x] "=&r"(x), [y] "=&r"(y), [a] "+r"(r->a), [w] "+r"(r->w)
            : "m"(*r->a), "m"(*r->w));
    if (r->masked) {
        __asm__("ldr %[y], [%[m]], #4\n\t"
                "and %[x], %[x], %[y]\n\t"
                : [x] "+r"(x), [y] "=&r"(y), [m] "+r"(r->mask)
                : "m"(*r->mask));
    }
    return x;
}

/* Adds the per-nibble counts of the weight-2 word c to `twos`, widening them into total2 after three words. */
BNN_ALWAYS_INLINE void bnn_swar_add_twos(bnn_swar_run *r, uint32_t c, uint32_t k)
{
    uint32_t t;
    __asm__(BNN_SWAR_NIBBLES("c", "t") : [c] "+r"(c), [t] "=&r"(t));
    r->twos = r->pending == 0 ? c : r->twos + c;
    if (++r->pending == 3) {
        uint32_t t2;
        __asm__(BNN_SWAR_BYTES("x", "t") BNN_SWAR_ADD_SUM("s", "x")
                : [x] "+r"(r->twos), [t] "=&r"(t2), [s] "+r"(r->total2)
                : [k] "r"(k));
        r->pending = 0;
    }
}

/* Number of set bits of the n (>= 0) words of a run ((a ^ w) & mask, or a ^ w when mask is NULL). */
BNN_ALWAYS_INLINE uint32_t bnn_popcount_run(const uint32_t *a, const uint32_t *w, const uint32_t *mask, int32_t n)
{
    const uint32_t k = BNN_SWAR_SUM_CONST;
    bnn_swar_run r = { a, w, mask, mask != 0, 0u, 0u, 0, 0u };
    uint32_t x0, x1, t;
    int32_t i = 0;
    if (n <= 0) {
        return 0u;
    }
    r.ones = bnn_swar_load1(&r);
    i = 1;
    BNN_UNROLLED(n, for (; i + 2 <= n; i += 2) {
        bnn_swar_load2(&r, &x0, &x1);
        __asm__(BNN_SWAR_FULL_ADD("x0", "x1", "t") : [ones] "+r"(r.ones), [x0] "+r"(x0), [t] "=&r"(t) : [x1] "r"(x1));
        bnn_swar_add_twos(&r, x0, k);
    })
    if (i < n) {
        /* One word left: a half adder. */
        x0 = bnn_swar_load1(&r);
        __asm__("and %[t], %[ones], %[x0]\n\t"
                "eor %[ones], %[ones], %[x0]\n\t"
                : [ones] "+r"(r.ones), [t] "=&r"(t) : [x0] "r"(x0));
        bnn_swar_add_twos(&r, t, k);
    }
    /* ones (nibbles at most 4) and the pending weight-2 nibbles (at most 12) as bytes: 4 + 4 + 2 * (12 + 12). */
    __asm__(BNN_SWAR_NIBBLES("x", "t") BNN_SWAR_BYTES_SMALL("x") : [x] "+r"(r.ones), [t] "=&r"(t));
    if (r.pending > 0) {
        __asm__(BNN_SWAR_BYTES("y", "t") "add %[x], %[x], %[y], lsl #1\n\t"
                : [x] "+r"(r.ones), [y] "+r"(r.twos), [t] "=&r"(t));
    }
    __asm__(BNN_SWAR_SUM("s", "x") : [s] "=&r"(t) : [x] "r"(r.ones), [k] "r"(k));
    return t + 2u * r.total2;
}

#if defined(__ARM_FEATURE_SIMD32) && defined(__ARM_FP) && (__ARM_FP & 4)
/*
 * The whole output-channel loop of one pixel for the float epilogue of bnn_bconv2d_affine, as one assembly
 * block: the per-channel bookkeeping (filter, constants and output pointers, loop test) stays in registers
 * instead of being spilled around the popcount. It counts like bnn_popcount_run, the run unrolled by the
 * assembler (.rept and .if over the word count fw, a compile-time constant of the specialised shapes): window
 * (and mask) words at constant offsets, filter words by post-increment, which also steps to the next filter.
 * The epilogue is the C one, instruction for instruction: d * mult + offset by MLA (exact), its conversion to
 * float by VCVT (round to nearest even), then VMUL by the power of two (exact). Short filters take four (or two)
 * channels a turn; border windows whose padded taps are whole words take a loop that skips those words
 * (bnn_swar_affine_edge); other border windows AND every word with the mask.
 */
#define BNN_SWAR_AFFINE_OUTPUTS 1

/*
 * Nibble counts of the weight-2 word x into tw (set for the first of a group, else added); flushes 3 words. A
 * flush widens tw to bytes and adds them to t2: as four byte lanes while .Lbnn_lanes (set by the count macros when
 * the filter has at most 31 words), as one USADA8 sum otherwise. Each byte lane of the run counts at most 8 bits
 * a word, so even ones + 2 * t2 stays under 256 a lane in that case, and the lanes are summed once at the end.
 */
#define BNN_SWAR_ASM_TWOS(x)                                                            \
    "and %[y1], %[" x "], #0xAAAAAAAA\n\t"                                              \
    "sub %[" x "], %[" x "], %[y1], lsr #1\n\t"                                         \
    "and %[y1], %[" x "], #0xCCCCCCCC\n\t"                                              \
    "and %[" x "], %[" x "], #0x33333333\n\t"                                           \
    ".if .Lbnn_p == 0\n\t"                                                              \
    "add %[tw], %[" x "], %[y1], lsr #2\n\t"                                            \
    ".else\n\t"                                                                         \
    "add %[" x "], %[" x "], %[y1], lsr #2\n\t"                                         \
    "add %[tw], %[tw], %[" x "]\n\t"                                                    \
    ".endif\n\t"                                                                        \
    ".set .Lbnn_p, .Lbnn_p + 1\n\t"                                                     \
    ".if .Lbnn_p == 3\n\t" /* nibbles up to 12: widened to bytes (up to 24) into t2 */  \
    "and %[y1], %[tw], #0xF0F0F0F0\n\t"                                                 \
    "and %[tw], %[tw], #0x0F0F0F0F\n\t"                                                 \
    ".if .Lbnn_lanes && .Lbnn_f == 0\n\t"                                               \
    "add %[t2], %[tw], %[y1], lsr #4\n\t"                                               \
    ".else\n\t"                                                                         \
    "add %[tw], %[tw], %[y1], lsr #4\n\t"                                               \
    ".if .Lbnn_lanes\n\t"                                                               \
    "add %[t2], %[t2], %[tw]\n\t"                                                       \
    ".else\n\t"                                                                         \
    "mov %[y1], #0\n\t"                                                                 \
    ".if .Lbnn_f == 0\n\t"                                                              \
    "usad8 %[t2], %[tw], %[y1]\n\t"                                                     \
    ".else\n\t"                                                                         \
    "usada8 %[t2], %[tw], %[y1], %[t2]\n\t"                                             \
    ".endif\n\t"                                                                        \
    ".endif\n\t"                                                                        \
    ".endif\n\t"                                                                        \
    ".set .Lbnn_f, 1\n\t"                                                               \
    ".set .Lbnn_p, 0\n\t"                                                               \
    ".endif\n\t"

/*
 * gcc sizes an asm statement by its line count (for literal pool and branch ranges) and cannot see what .rept
 * expands to: these empty lines, which assemble to nothing, make the count cover the longest expansion (about
 * 670 instructions for a masked 64-word filter), else gcc may place a literal pool out of reach.
 */
#define BNN_SWAR_ASM_NL16 "\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n"
#define BNN_SWAR_ASM_NL128                                                                                         \
    BNN_SWAR_ASM_NL16 BNN_SWAR_ASM_NL16 BNN_SWAR_ASM_NL16 BNN_SWAR_ASM_NL16 BNN_SWAR_ASM_NL16 BNN_SWAR_ASM_NL16 \
        BNN_SWAR_ASM_NL16 BNN_SWAR_ASM_NL16
#define BNN_SWAR_ASM_LENGTH BNN_SWAR_ASM_NL128 BNN_SWAR_ASM_NL128 BNN_SWAR_ASM_NL128 BNN_SWAR_ASM_NL128 BNN_SWAR_ASM_NL128

/*
 * x0 = the mismatches of the filter at w (advanced past it) with the window at a. MASK0, MASK2 and MASK1 AND the
 * first word, the next pair and the last single word with the mask (empty for full windows).
 */
#define BNN_SWAR_ASM_COUNT(MASK0, MASK2, MASK1)                                         \
    BNN_SWAR_ASM_COUNT_RUN(MASK0, MASK2, MASK1) BNN_SWAR_ASM_COUNT_END("y1", "mov %[y1], #0\n\t")

/* BNN_SWAR_ASM_COUNT up to its end (BNN_SWAR_ASM_COUNT_END). */
#define BNN_SWAR_ASM_COUNT_RUN(MASK0, MASK2, MASK1)                                     \
    "ldr %[o], [%[a]]\n\t" /* word 0 starts the weight-1 chain */                      \
    "ldr %[y0], [%[w]], #4\n\t"                                                         \
    "eor %[o], %[o], %[y0]\n\t"                                                         \
    MASK0                                                                               \
    ".set .Lbnn_k, 4\n\t" /* byte offset of the next word */                           \
    ".set .Lbnn_p, 0\n\t" /* weight-2 words pending in tw */                           \
    ".set .Lbnn_f, 0\n\t" /* 1 once t2 holds counts */                                 \
    ".set .Lbnn_lanes, %c[n] <= 31\n\t" /* t2 as byte lanes */                          \
    ".rept (%c[n] - 1) / 2\n\t" /* two words: full adder with the chain, carry to tw */ \
    "ldrd %[x0], %[x1], [%[a], #.Lbnn_k]\n\t"                                           \
    "ldrd %[y0], %[y1], [%[w]], #8\n\t"                                                 \
    "eor %[x0], %[x0], %[y0]\n\t"                                                       \
    "eor %[x1], %[x1], %[y1]\n\t"                                                       \
    MASK2                                                                               \
    "eor %[y0], %[o], %[x0]\n\t"                                                        \
    "and %[x0], %[o], %[x0]\n\t"                                                        \
    "eor %[o], %[y0], %[x1]\n\t"                                                        \
    "and %[y0], %[y0], %[x1]\n\t"                                                       \
    "orr %[x0], %[x0], %[y0]\n\t"                                                       \
    BNN_SWAR_ASM_TWOS("x0")                                                             \
    ".set .Lbnn_k, .Lbnn_k + 8\n\t"                                                     \
    ".endr\n\t"                                                                         \
    ".if (%c[n] - 1) %% 2\n\t" /* one word left: a half adder */                       \
    "ldr %[x0], [%[a], #.Lbnn_k]\n\t"                                                   \
    "ldr %[y0], [%[w]], #4\n\t"                                                         \
    "eor %[x0], %[x0], %[y0]\n\t"                                                       \
    MASK1                                                                               \
    "and %[y0], %[o], %[x0]\n\t"                                                        \
    "eor %[o], %[o], %[x0]\n\t"                                                         \
    BNN_SWAR_ASM_TWOS("y0")                                                             \
    ".endif\n\t"

/*
 * The end of a count: x0 = the ones chain's bits + 2 * (the pending weight-2 words' bits + t2's), with y1 and tw
 * as scratch. Z names a register that holds 0 once ZERO has run.
 */
#define BNN_SWAR_ASM_COUNT_END(Z, ZERO)                                                 \
    "and %[y1], %[o], #0xAAAAAAAA\n\t" /* the chain's word: nibble counts (<= 4) */    \
    "sub %[o], %[o], %[y1], lsr #1\n\t"                                                 \
    "and %[y1], %[o], #0xCCCCCCCC\n\t"                                                  \
    "and %[o], %[o], #0x33333333\n\t"                                                   \
    "add %[o], %[o], %[y1], lsr #2\n\t"                                                 \
    ".if .Lbnn_p == 1\n\t" /* one weight-2 word pending: 4 + 2 * 4 fits a nibble */    \
    "add %[o], %[o], %[tw], lsl #1\n\t"                                                 \
    "and %[y1], %[o], #0xF0F0F0F0\n\t"                                                  \
    "and %[o], %[o], #0x0F0F0F0F\n\t"                                                   \
    "add %[o], %[o], %[y1], lsr #4\n\t"                                                 \
    ".else\n\t"                                                                         \
    "add %[o], %[o], %[o], lsr #4\n\t"                                                  \
    "and %[o], %[o], #0x0F0F0F0F\n\t"                                                   \
    ".if .Lbnn_p > 1\n\t" /* plus 2 * the pending weight-2 bytes (<= 24) */            \
    "and %[y1], %[tw], #0xF0F0F0F0\n\t"                                                 \
    "and %[tw], %[tw], #0x0F0F0F0F\n\t"                                                 \
    "add %[tw], %[tw], %[y1], lsr #4\n\t"                                               \
    "add %[o], %[o], %[tw], lsl #1\n\t"                                                 \
    ".endif\n\t"                                                                        \
    ".endif\n\t"                                                                        \
    ".if .Lbnn_f && .Lbnn_lanes\n\t" /* every lane's count, at most 8 a word */        \
    "add %[o], %[o], %[t2], lsl #1\n\t"                                                 \
    ".endif\n\t"                                                                        \
    ZERO                                                                                \
    "usad8 %[x0], %[o], %[" Z "]\n\t"                                                   \
    ".if .Lbnn_f && .Lbnn_lanes == 0\n\t"                                                   \
    "add %[x0], %[x0], %[t2], lsl #1\n\t"                                               \
    ".endif\n\t"

/*
 * BNN_SWAR_ASM_COUNT without the words set in the mask skip (for a window whose padded taps are whole words: those
 * words count nothing). The kept words pair up as they come, by LDRD where two are adjacent; filter words are
 * loaded at their offsets and w steps past the filter at the end.
 */
#define BNN_SWAR_ASM_COUNT_SKIP                                                         \
    ".set .Lbnn_j, 0\n\t" /* word index */                                             \
    ".set .Lbnn_s, 0\n\t" /* 1 once the chain holds a word */                          \
    ".set .Lbnn_h, 0\n\t" /* 1 while x0 holds a word waiting for a partner */          \
    ".set .Lbnn_c, 0\n\t" /* 1 when word j went with word j - 1 */                     \
    ".set .Lbnn_p, 0\n\t"                                                               \
    ".set .Lbnn_f, 0\n\t"                                                               \
    ".set .Lbnn_lanes, %c[n] <= 31\n\t"                                                 \
    ".rept %c[n]\n\t"                                                                   \
    ".set .Lbnn_k, 4 * .Lbnn_j\n\t"                                                     \
    ".if .Lbnn_c\n\t"                                                                   \
    ".set .Lbnn_c, 0\n\t"                                                               \
    ".elseif (%c[skip] >> .Lbnn_j) & 1\n\t"                                             \
    ".elseif .Lbnn_s == 0\n\t" /* the first kept word starts the weight-1 chain */     \
    "ldr %[o], [%[a], #.Lbnn_k]\n\t"                                                    \
    "ldr %[y0], [%[w], #.Lbnn_k]\n\t"                                                   \
    "eor %[o], %[o], %[y0]\n\t"                                                         \
    ".set .Lbnn_s, 1\n\t"                                                               \
    ".elseif .Lbnn_h\n\t" /* the partner of the word in x0 */                          \
    "ldr %[x1], [%[a], #.Lbnn_k]\n\t"                                                   \
    "ldr %[y0], [%[w], #.Lbnn_k]\n\t"                                                   \
    "eor %[x1], %[x1], %[y0]\n\t"                                                       \
    BNN_SWAR_ASM_FULL_ADD_X                                                             \
    ".set .Lbnn_h, 0\n\t"                                                               \
    ".elseif .Lbnn_j + 1 < %c[n] && ((%c[skip] >> (.Lbnn_j + 1)) & 1) == 0\n\t"         \
    "ldrd %[x0], %[x1], [%[a], #.Lbnn_k]\n\t"                                           \
    "ldrd %[y0], %[y1], [%[w], #.Lbnn_k]\n\t"                                           \
    "eor %[x0], %[x0], %[y0]\n\t"                                                       \
    "eor %[x1], %[x1], %[y1]\n\t"                                                       \
    BNN_SWAR_ASM_FULL_ADD_X                                                             \
    ".set .Lbnn_c, 1\n\t"                                                               \
    ".else\n\t" /* a word whose next is skipped: it waits in x0 */                     \
    "ldr %[x0], [%[a], #.Lbnn_k]\n\t"                                                   \
    "ldr %[y0], [%[w], #.Lbnn_k]\n\t"                                                   \
    "eor %[x0], %[x0], %[y0]\n\t"                                                       \
    ".set .Lbnn_h, 1\n\t"                                                               \
    ".endif\n\t"                                                                        \
    ".set .Lbnn_j, .Lbnn_j + 1\n\t"                                                     \
    ".endr\n\t"                                                                         \
    ".if .Lbnn_h\n\t" /* one word left: a half adder */                                \
    "and %[y0], %[o], %[x0]\n\t"                                                        \
    "eor %[o], %[o], %[x0]\n\t"                                                         \
    BNN_SWAR_ASM_TWOS("y0")                                                             \
    ".endif\n\t"                                                                        \
    "add %[w], %[w], #4 * %c[n]\n\t"                                                    \
    BNN_SWAR_ASM_COUNT_END("z", "")

/* The full adder of the chain with x0 and x1, its carry counted into tw. */
#define BNN_SWAR_ASM_FULL_ADD_X                                                         \
    "eor %[y0], %[o], %[x0]\n\t"                                                        \
    "and %[x0], %[o], %[x0]\n\t"                                                        \
    "eor %[o], %[y0], %[x1]\n\t"                                                        \
    "and %[y0], %[y0], %[x1]\n\t"                                                       \
    "orr %[x0], %[x0], %[y0]\n\t"                                                       \
    BNN_SWAR_ASM_TWOS("x0")

/*
 * x0 = bits - 2 * x0 (the mismatches), bits being the receptive field's size: t2 holds it while no weight-2 flush
 * has taken t2 (short filters), else BITS puts it in y0.
 */
#define BNN_SWAR_ASM_DOT(BITS)                                                          \
    ".if .Lbnn_f == 0\n\t"                                                              \
    "sub %[x0], %[t2], %[x0], lsl #1\n\t"                                               \
    ".else\n\t"                                                                         \
    BITS                                                                                \
    "sub %[x0], %[y0], %[x0], lsl #1\n\t"                                               \
    ".endif\n\t"

/*
 * The loop, one output channel a turn: out = (float)((bits - 2 * mismatches) * mult + offset) * pow2. BITS puts
 * the receptive field's size in y0 (BNN_SWAR_ASM_DOT), STRIDE steps out by the output plane. z holds 0.
 */
#define BNN_SWAR_ASM_AFFINE(MASK0, MASK2, MASK1, BITS, STRIDE)                          \
    BNN_SWAR_ASM_AFFINE_LOOP(BNN_SWAR_ASM_COUNT_RUN(MASK0, MASK2, MASK1) BNN_SWAR_ASM_COUNT_END("z", ""),       \
                             BITS, STRIDE)

/* BNN_SWAR_ASM_AFFINE over the count COUNT. */
#define BNN_SWAR_ASM_AFFINE_LOOP(COUNT, BITS, STRIDE)                                   \
    "1:\n\t"                                                                            \
    COUNT                                                                               \
    BNN_SWAR_ASM_DOT(BITS)                                                              \
    "ldrd %[y0], %[y1], [%[fx]], #8\n\t"                                                \
    "mla %[x0], %[x0], %[y0], %[y1]\n\t"                                                \
    "vmov s15, %[x0]\n\t"                                                               \
    "vcvt.f32.s32 s15, s15\n\t"                                                         \
    "vldmia %[p2]!, {s14}\n\t"                                                          \
    "vmul.f32 s15, s15, s14\n\t"                                                        \
    "vstr s15, [%[out]]\n\t"                                                            \
    STRIDE                                                                              \
    "vmov %[y0], %[end]\n\t"                                                             \
    "cmp %[w], %[y0]\n\t"                                                               \
    "bne 1b\n\t" BNN_SWAR_ASM_LENGTH

/* One channel into the FPU register S: (bits - 2 * mismatches) * mult + offset, not converted. */
#define BNN_SWAR_ASM_AFFINE_FIXED(COUNT, BITS, S)                                       \
    COUNT BNN_SWAR_ASM_COUNT_END("z", "")                                               \
    BNN_SWAR_ASM_DOT(BITS)                                                              \
    "ldrd %[y0], %[y1], [%[fx]], #8\n\t"                                                \
    "mla %[x0], %[x0], %[y0], %[y1]\n\t"                                                \
    "vmov " S ", %[x0]\n\t"

/* Converts the value in S, scales it by the power of two in P, stores it at out and steps out by ST. */
#define BNN_SWAR_ASM_AFFINE_STORE(S, P, ST)                                             \
    "vcvt.f32.s32 " S ", " S "\n\t"                                                      \
    "vmul.f32 " S ", " S ", " P "\n\t"                                                   \
    "vstr " S ", [%[out]]\n\t"                                                           \
    "add %[out], %[out], %[" ST "]\n\t"

/*
 * The same for full windows, two output channels a turn: the first value waits in s13 while the loop counts the
 * second; both powers of two come with one VLDM, and the loop tests its end once.
 */
#define BNN_SWAR_ASM_AFFINE_PAIR                                                        \
    "1:\n\t"                                                                            \
    BNN_SWAR_ASM_AFFINE_FIXED(BNN_SWAR_ASM_COUNT_RUN("", "", ""), "movw %[y0], %[bits]\n\t", "s13")              \
    BNN_SWAR_ASM_AFFINE_FIXED(BNN_SWAR_ASM_COUNT_RUN("", "", ""), "movw %[y0], %[bits]\n\t", "s15")              \
    "vldmia %[p2]!, {s11, s12}\n\t"                                                     \
    BNN_SWAR_ASM_AFFINE_STORE("s13", "s11", "stride") BNN_SWAR_ASM_AFFINE_STORE("s15", "s12", "stride")          \
    "vmov %[y0], %[end]\n\t"                                                            \
    "cmp %[w], %[y0]\n\t"                                                               \
    "bne 1b\n\t" BNN_SWAR_ASM_LENGTH BNN_SWAR_ASM_LENGTH

/*
 * Four output channels a turn, for short filters: one VLDM brings the four powers of two, and the loop tests its
 * end once. COUNT counts a channel up to its end, BITS puts the size in y0 (BNN_SWAR_ASM_DOT), STRIDE puts the
 * output plane's stride in the register ST.
 */
#define BNN_SWAR_ASM_AFFINE_QUAD(COUNT, BITS, STRIDE, ST)                                                         \
    "1:\n\t"                                                                                                      \
    BNN_SWAR_ASM_AFFINE_FIXED(COUNT, BITS, "s8") BNN_SWAR_ASM_AFFINE_FIXED(COUNT, BITS, "s9")                     \
    BNN_SWAR_ASM_AFFINE_FIXED(COUNT, BITS, "s10") BNN_SWAR_ASM_AFFINE_FIXED(COUNT, BITS, "s11")                   \
    "vldmia %[p2]!, {s12, s13, s14, s15}\n\t"                                                                     \
    STRIDE                                                                                                        \
    BNN_SWAR_ASM_AFFINE_STORE("s8", "s12", ST) BNN_SWAR_ASM_AFFINE_STORE("s9", "s13", ST)                         \
    BNN_SWAR_ASM_AFFINE_STORE("s10", "s14", ST) BNN_SWAR_ASM_AFFINE_STORE("s11", "s15", ST)                       \
    "vmov %[y0], %[end]\n\t"                                                            \
    "cmp %[w], %[y0]\n\t"                                                               \
    "bne 1b\n\t" BNN_SWAR_ASM_LENGTH BNN_SWAR_ASM_LENGTH BNN_SWAR_ASM_LENGTH BNN_SWAR_ASM_LENGTH

/* BNN_SWAR_ASM_COUNT_RUN for a window with padded taps: every word ANDed with the mask at m. */
#define BNN_SWAR_ASM_COUNT_MASKED                                                       \
    BNN_SWAR_ASM_COUNT_RUN("ldr %[y0], [%[m]]\n\t"                                       \
                           "and %[o], %[o], %[y0]\n\t",                                  \
                           "ldrd %[y0], %[y1], [%[m], #.Lbnn_k]\n\t"                     \
                           "and %[x0], %[x0], %[y0]\n\t"                                 \
                           "and %[x1], %[x1], %[y1]\n\t",                                \
                           "ldr %[y0], [%[m], #.Lbnn_k]\n\t"                             \
                           "and %[x0], %[x0], %[y0]\n\t")

#define BNN_SWAR_ASM_AFFINE_OUTPUTS                                                                               \
    [o] "=&r"(ones), [tw] "=&r"(twos), [t2] "+r"(total2), [x0] "=&r"(x0), [x1] "=&r"(x1), [y0] "=&r"(y0),       \
        [y1] "=&r"(y1), [w] "+r"(weights), [fx] "+r"(fixed), [p2] "+r"(pow2), [out] "+r"(out)

/* The words of a 3x3 filter of 9 * nw words (nw a tap) under the taps set in `taps` (bit 3 * ky + kx). */
#define BNN_SWAR_TAP(taps, t, nw) (((taps) >> (t) & 1u) * (((1u << (nw)) - 1u) << ((t) * (nw))))
#define BNN_SWAR_TAP_WORDS(taps, nw)                                                                              \
    (BNN_SWAR_TAP(taps, 0, nw) | BNN_SWAR_TAP(taps, 1, nw) | BNN_SWAR_TAP(taps, 2, nw) | BNN_SWAR_TAP(taps, 3, nw) | \
     BNN_SWAR_TAP(taps, 4, nw) | BNN_SWAR_TAP(taps, 5, nw) | BNN_SWAR_TAP(taps, 6, nw) | BNN_SWAR_TAP(taps, 7, nw) | \
     BNN_SWAR_TAP(taps, 8, nw))

/* The masked loop of bnn_swar_affine_outputs for a mask of whole words, which skips the words set in skip. */
BNN_ALWAYS_INLINE void bnn_swar_affine_skip(const uint32_t *window, const uint32_t *weights, const uint32_t *w_end,
                                            const int32_t *fixed, const float *pow2, float *out, int32_t stride,
                                            int32_t fw, int32_t bits, uint32_t skip)
{
    uint32_t ones, twos, x0, x1, y0, y1;
    uint32_t total2 = (uint32_t)bits;
    __asm__ volatile(BNN_SWAR_ASM_AFFINE_LOOP(BNN_SWAR_ASM_COUNT_SKIP, "vmov %[y0], %[bits]\n\t",
                                              "add %[out], %[out], %[stride]\n\t")
                     : BNN_SWAR_ASM_AFFINE_OUTPUTS
                     : [a] "r"(window), [end] "t"(w_end), [stride] "r"(stride), [n] "i"(fw), [bits] "t"(bits),
                       [skip] "i"(skip), [z] "r"(0u)
                     : "s14", "s15", "cc", "memory");
}

/*
 * A 3x3 window over an edge (or a corner) whose taps are whole words (fw = 9 words a tap, up to 27 words): the
 * padded taps are mask words of 0 and the others of ~0, so the loop leaves the padded words out instead of
 * ANDing every word with the mask. One loop for each of the eight ways the window can hang over the edges;
 * returns 0 (nothing done) for any other mask.
 */
BNN_ALWAYS_INLINE int bnn_swar_affine_edge(const uint32_t *window, const uint32_t *mask, const uint32_t *weights,
                                           const uint32_t *w_end, const int32_t *fixed, const float *pow2,
                                           float *out, int32_t stride, int32_t fw, int32_t bits)
{
    const int32_t nw = fw / 9;
    uint32_t zero = 0u;  /* the words whose mask is 0 */
    uint32_t whole = 0u; /* the OR of mask + 1 over the words: 0 or 1 iff every mask word is 0 or ~0 */
    if (fw % 9 != 0 || fw > 27) {
        return 0;
    }
    BNN_UNROLLED(fw, for (int32_t j = 0; j < fw; ++j) {
        zero |= (uint32_t)(mask[j] == 0u) << j;
        whole |= mask[j] + 1u;
    })
    if (whole > 1u) {
        return 0;
    }
    /* The padded taps: a row (top, bottom), a column (left, right), or a row and a column. */
#define BNN_SWAR_EDGE(taps)                                                                                       \
    if (zero == BNN_SWAR_TAP_WORDS(taps, nw)) {                                                                   \
        bnn_swar_affine_skip(window, weights, w_end, fixed, pow2, out, stride, fw, bits,                         \
                             BNN_SWAR_TAP_WORDS(taps, nw));                                                       \
        return 1;                                                                                                 \
    }
    BNN_SWAR_EDGE(0x007u) BNN_SWAR_EDGE(0x1C0u) BNN_SWAR_EDGE(0x049u) BNN_SWAR_EDGE(0x124u)
    BNN_SWAR_EDGE(0x04Fu) BNN_SWAR_EDGE(0x127u) BNN_SWAR_EDGE(0x1C9u) BNN_SWAR_EDGE(0x1E4u)
#undef BNN_SWAR_EDGE
    return 0;
}

/*
 * The output channels of one pixel, for filters of fw words (1..64, a compile-time constant, else this returns
 * 0 and the caller runs its C loop): out[k * plane] = bnn_dot_affine(bits - 2 * mismatches_k, fixed[2k],
 * fixed[2k + 1], pow2[k]) for the filters from weights to w_end; mismatches_k = popcount((window ^ filter_k) &
 * mask), without the AND when mask is NULL. Returns 1.
 */
BNN_ALWAYS_INLINE int bnn_swar_affine_outputs(const uint32_t *window, const uint32_t *mask, const uint32_t *weights,
                                              const uint32_t *w_end, const int32_t *fixed, const float *pow2,
                                              float *out, int32_t plane, int32_t fw, int32_t bits)
{
    uint32_t ones, twos, x0, x1, y0, y1;
    uint32_t total2 = (uint32_t)bits; /* t2: the size, until a weight-2 flush takes it (BNN_SWAR_ASM_DOT) */
    const int32_t stride = 4 * plane;
    if (!__builtin_constant_p(fw) || fw < 1 || fw > 64 || weights == w_end) {
        return 0;
    }
    if (mask == 0 && __builtin_constant_p(bits)) {
        /*
         * Fours of channels (filters up to 12 words), pairs (up to 16), then the odd one out. A pair saves about 1.5
         * instructions a channel, a four 1 more, but each multiplies the unrolled code: only short filters, where
         * that is a few per cent, take them.
         */
        const uint32_t channels = fw <= 16 ? (uint32_t)(w_end - weights) / (uint32_t)fw : 0u;
        const uint32_t *const quads_end = weights + (fw <= 12 ? channels & ~3u : 0u) * (uint32_t)fw;
        const uint32_t *const pairs_end = weights + (channels & ~1u) * (uint32_t)fw;
        if (quads_end != weights) {
            __asm__ volatile(BNN_SWAR_ASM_AFFINE_QUAD(BNN_SWAR_ASM_COUNT_RUN("", "", ""), "movw %[y0], %[bits]\n\t",
                                                      "", "stride")
                             : BNN_SWAR_ASM_AFFINE_OUTPUTS
                             : [a] "r"(window), [end] "t"(quads_end), [stride] "r"(stride), [n] "i"(fw),
                               [bits] "i"(bits), [z] "r"(0u)
                             : "s8", "s9", "s10", "s11", "s12", "s13", "s14", "s15", "cc", "memory");
        }
        if (pairs_end != quads_end) {
            __asm__ volatile(BNN_SWAR_ASM_AFFINE_PAIR
                             : BNN_SWAR_ASM_AFFINE_OUTPUTS
                             : [a] "r"(window), [end] "t"(pairs_end), [stride] "r"(stride), [n] "i"(fw),
                               [bits] "i"(bits), [z] "r"(0u)
                             : "s11", "s12", "s13", "s15", "cc", "memory");
        }
        if (pairs_end != w_end) {
            __asm__ volatile(BNN_SWAR_ASM_AFFINE("", "", "", "movw %[y0], %[bits]\n\t",
                                                 "add %[out], %[out], %[stride]\n\t")
                             : BNN_SWAR_ASM_AFFINE_OUTPUTS
                             : [a] "r"(window), [end] "t"(w_end), [stride] "r"(stride), [n] "i"(fw),
                               [bits] "i"(bits), [z] "r"(0u)
                             : "s14", "s15", "cc", "memory");
        }
        return 1;
    }
    if (mask == 0) {
        return 0;
    }
    if (bnn_swar_affine_edge(window, mask, weights, w_end, fixed, pow2, out, stride, fw, bits)) {
        return 1;
    }
    /*
     * Fours of channels (filters up to 8 words), then one at a time. The mask takes the stride's core register:
     * the stride, like the size, waits in an FPU register.
     */
    const uint32_t *const quads_end =
        weights + (fw <= 8 ? ((uint32_t)(w_end - weights) / (uint32_t)fw) & ~3u : 0u) * (uint32_t)fw;
    if (quads_end != weights) {
        __asm__ volatile(BNN_SWAR_ASM_AFFINE_QUAD(BNN_SWAR_ASM_COUNT_MASKED, "vmov %[y0], %[bits]\n\t",
                                                  "vmov %[y1], %[stride]\n\t", "y1")
                         : BNN_SWAR_ASM_AFFINE_OUTPUTS
                         : [a] "r"(window), [m] "r"(mask), [end] "t"(quads_end), [stride] "t"(stride), [n] "i"(fw),
                           [bits] "t"(bits), [z] "r"(0u)
                         : "s8", "s9", "s10", "s11", "s12", "s13", "s14", "s15", "cc", "memory");
    }
    if (quads_end != w_end) {
        __asm__ volatile(BNN_SWAR_ASM_AFFINE_LOOP(BNN_SWAR_ASM_COUNT_MASKED BNN_SWAR_ASM_COUNT_END("z", ""),
                                                  "vmov %[y0], %[bits]\n\t",
                                                  "vmov %[y1], %[stride]\n\t"
                                                  "add %[out], %[out], %[y1]\n\t")
                         : BNN_SWAR_ASM_AFFINE_OUTPUTS
                         : [a] "r"(window), [m] "r"(mask), [end] "t"(w_end), [stride] "t"(stride), [n] "i"(fw),
                           [bits] "t"(bits), [z] "r"(0u)
                         : "s14", "s15", "cc", "memory");
    }
    return 1;
}
#endif

#if defined(BNN_SWAR_AFFINE_OUTPUTS)
/*
 * The output words of one pixel for bnn_bconv2d_threshold, each word's channel loop one assembly block that
 * counts like the affine loop above (BNN_SWAR_ASM_COUNT; the same cores, though this loop needs only the DSP
 * extension). A channel's bit: QSUB gives dot - threshold saturated, so its sign is dot < threshold for any
 * int32 threshold; LSLS moves that sign into the carry and RRXS shifts it into bit 31 of the word. The word
 * starts as a sentinel 1 << (n - 1), which RRXS pushes out into the carry on the n-th channel: the loop runs
 * while the carry is clear, with no counter or end pointer, and channel k ends in bit 32 - n + k. For full
 * windows of a layer with at most 32 channels the kernel turns each threshold into a limit on the mismatches
 * once (bnn_swar_mismatch_limits), and the bit is one unsigned compare: 4 instructions a channel, not 6.
 */
#define BNN_SWAR_THRESHOLD_OUTPUTS 1

/*
 * limits[k] for the oc (<= 32) thresholds of windows of `bits` bits: bits - 2 * m < thresholds[k] iff
 * m >= limits[k] for every mismatch count m in 0..bits (0: always; bits + 1: never).
 */
static inline void bnn_swar_mismatch_limits(const int32_t *thresholds, int32_t oc, int32_t bits, uint32_t *limits)
{
    for (int32_t k = 0; k < oc; ++k) {
        const int32_t t = thresholds[k];
        limits[k] = t > bits ? 0u : t <= -bits ? (uint32_t)bits + 1u : ((uint32_t)(bits - t) >> 1) + 1u;
    }
}

/* The loop over the channels of one output word: bits holds the receptive field's size, th the thresholds. */
#define BNN_SWAR_ASM_THRESHOLD(MASK0, MASK2, MASK1)                                     \
    "1:\n\t"                                                                            \
    BNN_SWAR_ASM_COUNT(MASK0, MASK2, MASK1)                                             \
    "sub %[x0], %[bits], %[x0], lsl #1\n\t"                                             \
    "ldr %[y1], [%[th]], #4\n\t"                                                        \
    "qsub %[x0], %[x0], %[y1]\n\t"                                                      \
    "lsls %[x0], %[x0], #1\n\t"                                                         \
    "rrxs %[word], %[word]\n\t"                                                         \
    "bcc 1b\n\t" BNN_SWAR_ASM_LENGTH

/* The same for a full window with the word's mismatch limits at th: C = (mismatches >= limit), unsigned. */
#define BNN_SWAR_ASM_THRESHOLD_LIMITS                                                   \
    "1:\n\t"                                                                            \
    BNN_SWAR_ASM_COUNT("", "", "")                                                      \
    "ldr %[y1], [%[th]], #4\n\t"                                                        \
    "cmp %[x0], %[y1]\n\t"                                                              \
    "rrxs %[word], %[word]\n\t"                                                         \
    "bcc 1b\n\t" BNN_SWAR_ASM_LENGTH

/*
 * The mask ANDs that BNN_SWAR_ASM_COUNT takes for a window with padded taps: the first word, each next pair and a
 * last single word (the affine loop above spells the same three out in its call).
 */
#define BNN_SWAR_ASM_MASK_FIRST "ldr %[y0], [%[m]]\n\t" "and %[o], %[o], %[y0]\n\t"
#define BNN_SWAR_ASM_MASK_PAIR                                                          \
    "ldrd %[y0], %[y1], [%[m], #.Lbnn_k]\n\t"                                           \
    "and %[x0], %[x0], %[y0]\n\t"                                                       \
    "and %[x1], %[x1], %[y1]\n\t"
#define BNN_SWAR_ASM_MASK_LAST "ldr %[y0], [%[m], #.Lbnn_k]\n\t" "and %[x0], %[x0], %[y0]\n\t"

/* The loops' outputs; TH steps through the word's thresholds (or limits). */
#define BNN_SWAR_ASM_THRESHOLD_OUTPUTS(TH)                                                                        \
    [o] "=&r"(ones), [tw] "=&r"(twos), [t2] "=&r"(total2), [x0] "=&r"(x0), [x1] "=&r"(x1), [y0] "=&r"(y0),       \
        [y1] "=&r"(y1), [word] "+r"(word), [w] "+r"(weights), [th] "+r"(TH)

/*
 * The oc output channels of one pixel, for filters of fw words (1..64, a compile-time constant, else this
 * returns 0 and the caller runs its C loop), packed 32 a word into out: bit k of word j is 1 iff
 * bits - 2 * mismatches < thresholds[32 * j + k], mismatches = popcount((window ^ filter) & mask) over the
 * filter's words (no AND when mask is NULL), the filters consecutive from weights. Bits past oc are 0. With
 * `limits` (full windows, oc <= 32: bnn_swar_mismatch_limits of these bits) the compare takes those instead.
 * Returns 1.
 */
BNN_ALWAYS_INLINE int bnn_swar_threshold_outputs(const uint32_t *window, const uint32_t *mask,
                                                 const uint32_t *weights, const int32_t *thresholds,
                                                 const uint32_t *limits, uint32_t *out, int32_t oc, int32_t fw,
                                                 int32_t bits)
{
    uint32_t ones, twos, total2, x0, x1, y0, y1;
    if (!__builtin_constant_p(fw) || fw < 1 || fw > 64) {
        return 0;
    }
    if (limits != 0) {
        uint32_t word = 1u << (oc - 1);
        __asm__ volatile(BNN_SWAR_ASM_THRESHOLD_LIMITS
                         : BNN_SWAR_ASM_THRESHOLD_OUTPUTS(limits)
                         : [a] "r"(window), [n] "i"(fw)
                         : "cc", "memory");
        *out = word >> (32 - oc);
        return 1;
    }
    for (int32_t oc0 = 0; oc0 < oc; oc0 += 32) {
        const int32_t n = oc - oc0 < 32 ? oc - oc0 : 32;
        uint32_t word = 1u << (n - 1);
        if (mask == 0) {
            __asm__ volatile(BNN_SWAR_ASM_THRESHOLD("", "", "")
                             : BNN_SWAR_ASM_THRESHOLD_OUTPUTS(thresholds)
                             : [a] "r"(window), [bits] "r"(bits), [n] "i"(fw)
                             : "cc", "memory");
        } else {
            __asm__ volatile(BNN_SWAR_ASM_THRESHOLD(BNN_SWAR_ASM_MASK_FIRST, BNN_SWAR_ASM_MASK_PAIR,
                                                    BNN_SWAR_ASM_MASK_LAST)
                             : BNN_SWAR_ASM_THRESHOLD_OUTPUTS(thresholds)
                             : [a] "r"(window), [m] "r"(mask), [bits] "r"(bits), [n] "i"(fw)
                             : "cc", "memory");
        }
        *out++ = word >> (32 - n);
    }
    return 1;
}
#endif
#else
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
#endif
