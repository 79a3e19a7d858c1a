/**
 * Convolution of a real input with 1-bit weights (1w32a): per output channel the filter is one bit string in
 * ONNX order, bit (ic*kh + ky)*kw + kx of words [oc][ceil(ic*kh*kw/32)] (bit 1 = weight -1). acc = +0, then
 * over ic, kh, kw (in-bounds taps only) acc - x for a set bit, acc + x otherwise, each rounded to float; then
 * out[oc][oy][ox] = acc * scale[oc] + shift[oc] (product rounded, then sum). Tensors CHW.
 */
void bnn_bwconv2d_f32(const bnn_window_geom *g, const float *input, const uint32_t *weights, const float *scale,
                      const float *shift, float *output)
{
    const int32_t plane = g->in.h * g->in.w;
    const int32_t words = (g->in.c * g->win.kh * g->win.kw + 31) / 32;
    float *out = output;
    for (int32_t oc = 0; oc < g->out.c; ++oc) {
        const uint32_t *w_oc = weights + oc * words;
        for (int32_t oy = 0; oy < g->out.h; ++oy) {
            bnn_taps t;
            bnn_taps_row(g, oy, &t);
            for (int32_t ox = 0; ox < g->out.w; ++ox) {
                bnn_taps_col(g, ox, &t);
                float acc = 0.0f;
                for (int32_t ic = 0; ic < g->in.c; ++ic) {
                    const float *in_c = input + ic * plane;
                    for (int32_t ky = t.ky0; ky < t.ky1; ++ky) {
                        const float *in_row = in_c + (t.iy0 + ky * g->win.dil_h) * g->in.w + t.ix0;
                        const int32_t bit_row = (ic * g->win.kh + ky) * g->win.kw;
                        for (int32_t kx = t.kx0; kx < t.kx1; ++kx) {
                            const int32_t bit = bit_row + kx;
                            const float x = in_row[kx * g->win.dil_w];
                            if ((w_oc[bit >> 5] >> (bit & 31)) & 1u) {
                                acc = acc - x;
                            } else {
                                acc = acc + x;
                            }
                        }
                    }
                }
                *out++ = acc * scale[oc] + shift[oc];
            }
        }
    }
}
