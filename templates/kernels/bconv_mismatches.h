/*
 * Binary dot of one output channel at one window position: the number of sign mismatches summed over the words
 * of every in-bounds tap (tail bits past the channel count are 0 in both operands, so they never mismatch).
 * The caller turns it into dot = taps*C - 2*mismatches; padded taps are absent, i.e. contribute 0.
 */
static inline int32_t bnn_bconv_mismatches(const bnn_window_geom *g, const uint32_t *input, const uint32_t *w_oc,
                                           const bnn_taps *t)
{
    const int32_t nw = (g->in.c + 31) / 32;
    uint32_t mismatches = 0;
    for (int32_t ky = t->ky0; ky < t->ky1; ++ky) {
        const int32_t row = (t->iy0 + ky * g->win.dil_h) * g->in.w + t->ix0;
        const uint32_t *w_row = w_oc + ky * g->win.kw * nw;
        for (int32_t kx = t->kx0; kx < t->kx1; ++kx) {
            const uint32_t *a = input + (row + kx * g->win.dil_w) * nw;
            const uint32_t *w = w_row + kx * nw;
            for (int32_t j = 0; j < nw; ++j) {
                mismatches += bnn_popcount(a[j] ^ w[j]);
            }
        }
    }
    return (int32_t)mismatches;
}
