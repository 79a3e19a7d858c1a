/**
 * Binary convolution with a float epilogue: out[oc][oy][ox] = (float)dot * scale[oc] + shift[oc] (product rounded,
 * then sum), dot = sum over in-bounds taps of (C - 2*popcount(a ^ w)). Input packed HWC, weights
 * [oc][kh][kw][ceil(C/32)], output CHW.
 */
void bnn_bconv2d_affine(const bnn_window_geom *g, const uint32_t *input, const uint32_t *weights, const float *scale,
                        const float *shift, float *output)
{
    const int32_t w_per_oc = g->win.kh * g->win.kw * ((g->in.c + 31) / 32);
    const int32_t plane = g->out.h * g->out.w;
    uint32_t window[BNN_WINDOW_WORDS];
    for (int32_t oy = 0; oy < g->out.h; ++oy) {
        bnn_taps t;
        bnn_taps_row(g, oy, &t);
        for (int32_t ox = 0; ox < g->out.w; ++ox) {
            bnn_taps_col(g, ox, &t);
            const int32_t real_bits = (t.ky1 - t.ky0) * (t.kx1 - t.kx0) * g->in.c;
            const int gathered = bnn_gather_window(g, input, &t, window);
            float *out = output + oy * g->out.w + ox;
            for (int32_t oc = 0; oc < g->out.c; ++oc) {
                const uint32_t *w_oc = weights + oc * w_per_oc;
                const int32_t mismatches = gathered ? (int32_t)bnn_xor_popcount(window, w_oc, w_per_oc)
                                                    : bnn_bconv_mismatches(g, input, w_oc, &t);
                const int32_t dot = real_bits - 2 * mismatches;
                out[oc * plane] = (float)dot * scale[oc] + shift[oc];
            }
        }
    }
}
