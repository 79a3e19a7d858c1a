/**
 * Max pool of packed signs (HWC, bit 1 = -1) after a threshold layer, windows inside the input (no padding). Per
 * output pixel and word: the AND of the kh*kw taps' words (+1 iff any tap is +1) for channels whose sign rises
 * with the pooled value, the OR (-1 iff any tap is -1) for the channels set in or_mask (negative BN scale).
 */
void bnn_maxpool_bits(const bnn_window_geom *g, const uint32_t *or_mask, const uint32_t *input, uint32_t *output)
{
    const int32_t nw = (g->in.c + 31) / 32;
    uint32_t *out = output;
    for (int32_t oy = 0; oy < g->out.h; ++oy) {
        for (int32_t ox = 0; ox < g->out.w; ++ox) {
            for (int32_t w = 0; w < nw; ++w) {
                uint32_t all = 0xffffffffu;
                uint32_t any = 0u;
                for (int32_t ky = 0; ky < g->win.kh; ++ky) {
                    const int32_t row = (oy * g->win.stride_h + ky * g->win.dil_h) * g->in.w + ox * g->win.stride_w;
                    for (int32_t kx = 0; kx < g->win.kw; ++kx) {
                        const uint32_t v = input[(row + kx * g->win.dil_w) * nw + w];
                        all &= v;
                        any |= v;
                    }
                }
                *out++ = (all & ~or_mask[w]) | (any & or_mask[w]);
            }
        }
    }
}
