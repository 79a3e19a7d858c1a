/**
 * Binary convolution straight to packed signs: output bit oc is 0 (+1) iff dot >= thresholds[oc], else 1 (-1),
 * dot as in bnn_bconv2d_affine. Input and output packed HWC; tail bits of the output are 0.
 */
void bnn_bconv2d_threshold(const bnn_window_geom *g, const uint32_t *input, const uint32_t *weights,
                           const int32_t *thresholds, uint32_t *output)
{
    const int32_t w_per_oc = g->win.kh * g->win.kw * ((g->in.c + 31) / 32);
    const int32_t out_words = (g->out.c + 31) / 32;
    uint32_t window[BNN_WINDOW_WORDS];
    uint32_t *out = output;
    for (int32_t oy = 0; oy < g->out.h; ++oy) {
        bnn_taps t;
        bnn_taps_row(g, oy, &t);
        for (int32_t ox = 0; ox < g->out.w; ++ox) {
            bnn_taps_col(g, ox, &t);
            const int32_t real_bits = (t.ky1 - t.ky0) * (t.kx1 - t.kx0) * g->in.c;
            const int gathered = bnn_gather_window(g, input, &t, window);
            for (int32_t j = 0; j < out_words; ++j) {
                const int32_t oc0 = j * 32;
                const int32_t oc1 = oc0 + 32 < g->out.c ? oc0 + 32 : g->out.c;
                uint32_t word = 0;
                for (int32_t oc = oc0; oc < oc1; ++oc) {
                    const uint32_t *w_oc = weights + oc * w_per_oc;
                    const int32_t mismatches = gathered ? (int32_t)bnn_xor_popcount(window, w_oc, w_per_oc)
                                                        : bnn_bconv_mismatches(g, input, w_oc, &t);
                    const int32_t dot = real_bits - 2 * mismatches;
                    if (dot < thresholds[oc]) {
                        word |= (uint32_t)1 << (oc - oc0);
                    }
                }
                *out++ = word;
            }
        }
    }
}
