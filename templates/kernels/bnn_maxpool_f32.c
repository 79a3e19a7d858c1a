/** Max pool: the largest in-bounds tap (padded taps ignored; -inf for a window with none), tensors CHW. */
void bnn_maxpool_f32(const bnn_window_geom *g, const float *input, float *output)
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
                float m = -HUGE_VALF;
                for (int32_t ky = t.ky0; ky < t.ky1; ++ky) {
                    const int32_t row = (t.iy0 + ky * g->win.dil_h) * g->in.w + t.ix0;
                    for (int32_t kx = t.kx0; kx < t.kx1; ++kx) {
                        const float v = in_c[row + kx * g->win.dil_w];
                        if (v > m) {
                            m = v;
                        }
                    }
                }
                *out++ = m;
            }
        }
    }
}
