/**
 * Average pool: sum of the in-bounds taps from 0 in (kh, kw) order, then one division by kh*kw
 * (count_include_pad != 0) or by the number of in-bounds taps. Tensors CHW.
 */
void bnn_avgpool_f32(const bnn_window_geom *g, int32_t count_include_pad, const float *input, float *output)
{
    const int32_t plane = g->in.h * g->in.w;
    float *out = output;
    for (int32_t c = 0; c < g->out.c; ++c) {
        const float *in_c = input + c * plane;
        for (int32_t oy = 0; oy < g->out.h; ++oy) {
            bnn_taps t;
            bnn_taps_row(g, oy, &t);
            for (int32_t ox = 0; ox < g->out.w; ++ox) {
                bnn_taps_col(g, ox, &t);
                float sum = 0.0f;
                for (int32_t ky = t.ky0; ky < t.ky1; ++ky) {
                    const int32_t row = (t.iy0 + ky * g->win.dil_h) * g->in.w + t.ix0;
                    for (int32_t kx = t.kx0; kx < t.kx1; ++kx) {
                        sum += in_c[row + kx * g->win.dil_w];
                    }
                }
                const int32_t count = count_include_pad ? g->win.kh * g->win.kw : (t.ky1 - t.ky0) * (t.kx1 - t.kx0);
                *out++ = sum / (float)count;
            }
        }
    }
}
