/*
 * Binary dot of one output channel at one window position: the number of sign mismatches summed over the words
 * of every in-bounds tap (tail bits past the channel count are 0 in both operands, so they never mismatch).
 * The caller turns it into dot = taps*C - 2*mismatches; padded taps are absent, i.e. contribute 0.
 * Without column dilation the in-bounds taps of one kernel row are adjacent pixels, so their words form one run
 * in the input and in the weights alike: one bnn_xor_popcount call per kernel row lets the target's popcount
 * variant amortise its work over (kx1 - kx0) * ceil(C/32) words instead of one tap's words.
 */
static inline int32_t bnn_bconv_mismatches(const bnn_window_geom *g, const uint32_t *input, const uint32_t *w_oc,
                                           const bnn_taps *t)
{
    const int32_t nw = (g->in.c + 31) / 32;
    uint32_t mismatches = 0;
    for (int32_t ky = t->ky0; ky < t->ky1; ++ky) {
        const int32_t row = (t->iy0 + ky * g->win.dil_h) * g->in.w + t->ix0;
        const uint32_t *w_row = w_oc + ky * g->win.kw * nw;
        if (g->win.dil_w == 1) {
            mismatches += bnn_xor_popcount(input + (row + t->kx0) * nw, w_row + t->kx0 * nw, (t->kx1 - t->kx0) * nw);
        } else {
            for (int32_t kx = t->kx0; kx < t->kx1; ++kx) {
                mismatches += bnn_xor_popcount(input + (row + kx * g->win.dil_w) * nw, w_row + kx * nw, nw);
            }
        }
    }
    return (int32_t)mismatches;
}

/* Capacity of the per-call window buffer: 72 words (288 bytes of stack) hold a 3x3 window of 256 channels. */
#define BNN_WINDOW_WORDS 72

/*
 * When every tap of the window is in bounds and its kh*kw*ceil(C/32) words fit BNN_WINDOW_WORDS, copies them to
 * `buf` in the weights' [kh][kw][word] order and returns 1: each output channel's mismatches are then a single
 * bnn_xor_popcount run over the whole window, the copy being shared by all output channels. Otherwise (padding
 * taps, large windows) returns 0 and copies nothing; bnn_bconv_mismatches handles those positions.
 */
static inline int bnn_gather_window(const bnn_window_geom *g, const uint32_t *input, const bnn_taps *t,
                                    uint32_t *buf)
{
    const int32_t nw = (g->in.c + 31) / 32;
    if (t->ky1 - t->ky0 != g->win.kh || t->kx1 - t->kx0 != g->win.kw ||
        g->win.kh * g->win.kw * nw > BNN_WINDOW_WORDS) {
        return 0;
    }
    for (int32_t ky = 0; ky < g->win.kh; ++ky) {
        const int32_t row = (t->iy0 + ky * g->win.dil_h) * g->in.w + t->ix0;
        for (int32_t kx = 0; kx < g->win.kw; ++kx) {
            const uint32_t *a = input + (row + kx * g->win.dil_w) * nw;
            for (int32_t j = 0; j < nw; ++j) {
                *buf++ = a[j];
            }
        }
    }
    return 1;
}
