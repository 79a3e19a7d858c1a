/*
 * XOR-popcount of word runs with the RISC-V Zbb instruction cpop (one instruction a word). Inline assembly
 * rather than __builtin_popcount, so that a build without Zbb fails here instead of silently calling libgcc's
 * __popcountsi2; two words per iteration halve the loop overhead, which otherwise dominates.
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

/** Number of set bits of a[i] ^ w[i] over the n words (n >= 0). */
static inline uint32_t bnn_xor_popcount(const uint32_t *a, const uint32_t *w, int32_t n)
{
    uint32_t total = 0;
    for (; n >= 2; n -= 2, a += 2, w += 2) {
        total += bnn_cpop(a[0] ^ w[0]) + bnn_cpop(a[1] ^ w[1]);
    }
    if (n > 0) {
        total += bnn_cpop(a[0] ^ w[0]);
    }
    return total;
}
