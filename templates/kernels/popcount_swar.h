/*
 * Population count, plain C SWAR (no __builtin_popcount: on Cortex-M and rv32imc gcc turns that into a call to
 * libgcc's __popcountsi2). Bit pairs, then nibbles, then bytes; the multiply sums the four byte counts into the
 * top byte. On cores with a popcount instruction (e.g. Zbb cpop) gcc recognises this idiom and uses it.
 */
static inline uint32_t bnn_popcount(uint32_t x)
{
    x = x - ((x >> 1) & 0x55555555u);
    x = (x & 0x33333333u) + ((x >> 2) & 0x33333333u);
    x = (x + (x >> 4)) & 0x0F0F0F0Fu;
    return (x * 0x01010101u) >> 24;
}
