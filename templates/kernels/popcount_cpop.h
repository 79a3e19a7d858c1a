/*
 * XOR-popcount of word runs with the RISC-V Zbb instruction cpop (one instruction a word). Inline assembly
 * rather than __builtin_popcount, so that a build without Zbb fails here instead of silently calling libgcc's
 * __popcountsi2. The kernels' run lengths are compile-time constants, so the loop unrolls into load, xor, cpop,
 * add per word.
 */
#if !defined(__riscv_zbb)
#error "popcount variant 'cpop' needs the RISC-V Zbb extension (e.g. -march=rv32imc_zbb)"
#endif

static inline uint32_t bnn_cpop(uint32_t x)
{
    uint32_t count;
    __asm__("cpop %0, %1" : "=r"(count) : "r"(x));
    return count;
}

/* Word i of a run: a[i] ^ w[i], ANDed with mask[i] unless mask is NULL (a constant after inlining). */
static inline uint32_t bnn_run_word(const uint32_t *a, const uint32_t *w, const uint32_t *mask, int32_t i)
{
    return mask != 0 ? (a[i] ^ w[i]) & mask[i] : a[i] ^ w[i];
}

/* Number of set bits of the n (>= 0) words of a run: one cpop a word, unrolled for constant n. */
BNN_ALWAYS_INLINE uint32_t bnn_popcount_run(const uint32_t *a, const uint32_t *w, const uint32_t *mask, int32_t n)
{
    uint32_t total = 0;
    BNN_UNROLLED(n, for (int32_t i = 0; i < n; ++i) { total += bnn_cpop(bnn_run_word(a, w, mask, i)); })
    return total;
}
