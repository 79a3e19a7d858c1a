/**
 * Float convolution (group 1): out[oc][oy][ox] = bias[oc] + sum of w*x over ic, kh, kw in that order, each
 * product and sum rounded to float; padded taps are skipped. Weights [oc][ic][kh][kw], tensors CHW.
 */
void bnn_conv2d_f32(const bnn_window_geom *g, const float *input, const float *weights, const float *bias,
                    float *output)
{
    const int32_t plane = g->in.h * g->in.w;
    const int32_t taps = g->win.kh * g->win.kw;
    float *out = output;
    for (int32_t oc = 0; oc < g->out.c; ++oc) {
        const float *w_oc = weights + oc * g->in.c * taps;
        for (int32_t oy = 0; oy < g->out.h; ++oy) {
            bnn_taps t;
            bnn_taps_row(g, oy, &t);
            for (int32_t ox = 0; ox < g->out.w; ++ox) {
                bnn_taps_col(g, ox, &t);
                float acc = bias[oc];
                for (int32_t ic = 0; ic < g->in.c; ++ic) {
                    const float *in_c = input + ic * plane;
                    const float *w_c = w_oc + ic * taps;
                    for (int32_t ky = t.ky0; ky < t.ky1; ++ky) {
                        const int32_t row = (t.iy0 + ky * g->win.dil_h) * g->in.w + t.ix0;
                        const float *w_row = w_c + ky * g->win.kw;
                        for (int32_t kx = t.kx0; kx < t.kx1; ++kx) {
                            acc = bnn_fmac(acc, w_row[kx], in_c[row + kx * g->win.dil_w]);
                        }
                    }
                }
                *out++ = acc;
            }
        }
    }
}
