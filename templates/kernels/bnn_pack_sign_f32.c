/**
 * Binarize floats (CHW) into packed signs (HWC, ceil(C/32) words per pixel): bit (c % 32) of word c/32 is 1 iff
 * x < 0, so 0, -0 and NaN give bit 0 (+1). Tail bits past C are 0.
 */
void bnn_pack_sign_f32(const bnn_shape *s, const float *input, uint32_t *output)
{
    const int32_t plane = s->h * s->w;
    const int32_t nw = (s->c + 31) / 32;
    uint32_t *out = output;
    for (int32_t p = 0; p < plane; ++p) {
        for (int32_t j = 0; j < nw; ++j) {
            const int32_t c0 = j * 32;
            const int32_t c1 = c0 + 32 < s->c ? c0 + 32 : s->c;
            uint32_t word = 0;
            for (int32_t c = c0; c < c1; ++c) {
                if (input[c * plane + p] < 0.0f) {
                    word |= (uint32_t)1 << (c - c0);
                }
            }
            *out++ = word;
        }
    }
}
