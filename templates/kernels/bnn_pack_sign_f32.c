/*
 * All ones when the float with bits u is < 0, else 0, computed on the bits (no float compare, which is a library
 * call on cores without an FPU): x < 0 exactly when u lies in 0x80000001..0xFF800000 (negative, not -0, not a
 * NaN). Both (u - 0xFF800001) and (0x80000000 - u) have their top bit set exactly in that range.
 */
static inline uint32_t bnn_negative_mask(float x)
{
    const uint32_t u = bnn_float_bits(x);
    return (uint32_t)((int32_t)((u - 0xFF800001u) & (0x80000000u - u)) >> 31);
}

/**
 * Binarize floats (CHW) into packed signs (HWC, ceil(C/32) words per pixel): bit (c % 32) of word c/32 is 1 iff
 * x < 0, so 0, -0 and NaN give bit 0 (+1). Tail bits past C are 0.
 */
void bnn_pack_sign_f32(const bnn_shape *s, const float *input, uint32_t *output)
{
    const int32_t plane = s->h * s->w;
    const int32_t nw = (s->c + 31) / 32;
    for (int32_t j = 0; j < nw; ++j) {
        const int32_t c0 = j * 32;
        const int32_t n = s->c - c0 < 32 ? s->c - c0 : 32;
        const float *last = input + (c0 + n - 1) * plane;
        uint32_t *out = output + j;
        for (int32_t p = 0; p < plane; ++p) {
            /* From the word's last channel down, shifting left: channel c lands on bit c - c0. */
            const float *x = last + p;
            uint32_t word = 0;
            int32_t k = n;
            for (; k & 3; --k) {
                word = (word << 1) - bnn_negative_mask(*x);
                x -= plane;
            }
            for (; k > 0; k -= 4) {
                word = (word << 1) - bnn_negative_mask(x[0]);
                word = (word << 1) - bnn_negative_mask(x[-plane]);
                word = (word << 1) - bnn_negative_mask(x[-2 * plane]);
                word = (word << 1) - bnn_negative_mask(x[-3 * plane]);
                x -= 4 * plane;
            }
            *out = word;
            out += nw;
        }
    }
}
