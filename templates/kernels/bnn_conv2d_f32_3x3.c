/* One input channel of a 3x3 window inside the input: acc + k*x (bnn_fmac) over the rows and columns in order. */
static inline float bnn_conv3x3_channel(float acc, const float *p, int32_t iw, float k0, float k1, float k2, float k3,
                                        float k4, float k5, float k6, float k7, float k8)
{
    const float *r1 = p + iw;
    const float *r2 = r1 + iw;
    acc = bnn_fmac(acc, k0, p[0]);
    acc = bnn_fmac(acc, k1, p[1]);
    acc = bnn_fmac(acc, k2, p[2]);
    acc = bnn_fmac(acc, k3, r1[0]);
    acc = bnn_fmac(acc, k4, r1[1]);
    acc = bnn_fmac(acc, k5, r1[2]);
    acc = bnn_fmac(acc, k6, r2[0]);
    acc = bnn_fmac(acc, k7, r2[1]);
    acc = bnn_fmac(acc, k8, r2[2]);
    return acc;
}

/*
 * n consecutive outputs whose windows lie inside the input; p is the first window's top-left input value. The
 * filter of one output channel (ic * 9 <= 27 floats) is held in locals, hence in registers on an FPU core (32
 * single-precision registers on Cortex-M4F); the channels a smaller ic lacks read channel 0's weights, unused.
 */
static inline void bnn_conv3x3_interior(const float *p, int32_t n, int32_t iw, int32_t plane, const float *w, float bias,
                                        float *out, const int32_t ic)
{
    const float a0 = w[0], a1 = w[1], a2 = w[2], a3 = w[3], a4 = w[4], a5 = w[5], a6 = w[6], a7 = w[7], a8 = w[8];
    const float *wb = w + (ic > 1 ? 9 : 0);
    const float b0 = wb[0], b1 = wb[1], b2 = wb[2], b3 = wb[3], b4 = wb[4], b5 = wb[5], b6 = wb[6], b7 = wb[7], b8 = wb[8];
    const float *wc = w + (ic > 2 ? 18 : 0);
    const float c0 = wc[0], c1 = wc[1], c2 = wc[2], c3 = wc[3], c4 = wc[4], c5 = wc[5], c6 = wc[6], c7 = wc[7], c8 = wc[8];
    for (int32_t i = 0; i < n; ++i) {
        float acc = bnn_conv3x3_channel(bias, p + i, iw, a0, a1, a2, a3, a4, a5, a6, a7, a8);
        if (ic > 1) {
            acc = bnn_conv3x3_channel(acc, p + plane + i, iw, b0, b1, b2, b3, b4, b5, b6, b7, b8);
        }
        if (ic > 2) {
            acc = bnn_conv3x3_channel(acc, p + 2 * plane + i, iw, c0, c1, c2, c3, c4, c5, c6, c7, c8);
        }
        out[i] = acc;
    }
}

/*
 * One output whose window reaches into the padding: the in-bounds taps of t, in (ic, ky, kx) order, with the
 * column ranges that padding 1 gives unrolled.
 */
static float bnn_conv3x3_taps(const bnn_window_geom *g, const bnn_taps *t, const float *input, const float *w, float acc)
{
    const int32_t iw = g->in.w;
    const int32_t plane = g->in.h * iw;
    /* The column ranges of a 3-wide window with padding 1: all three, or the left or right one cut off. */
    const int32_t full = t->kx0 == 0 && t->kx1 == 3;
    const int32_t left = t->kx0 == 1 && t->kx1 == 3;
    const int32_t right = t->kx0 == 0 && t->kx1 == 2;
    for (int32_t ic = 0; ic < g->in.c; ++ic) {
        for (int32_t ky = t->ky0; ky < t->ky1; ++ky) {
            const float *row = input + ic * plane + (t->iy0 + ky) * iw;
            const float *w_row = w + ic * 9 + ky * 3;
            const int32_t x = t->ix0;
            if (full) {
                acc = bnn_fmac(acc, w_row[0], row[x]);
                acc = bnn_fmac(acc, w_row[1], row[x + 1]);
                acc = bnn_fmac(acc, w_row[2], row[x + 2]);
            } else if (left) {
                acc = bnn_fmac(acc, w_row[1], row[x + 1]);
                acc = bnn_fmac(acc, w_row[2], row[x + 2]);
            } else if (right) {
                acc = bnn_fmac(acc, w_row[0], row[x]);
                acc = bnn_fmac(acc, w_row[1], row[x + 1]);
            } else {
                for (int32_t kx = t->kx0; kx < t->kx1; ++kx) {
                    acc = bnn_fmac(acc, w_row[kx], row[x + kx]);
                }
            }
        }
    }
    return acc;
}

/* Outputs [ox0, ox1) of row t->iy0 whose windows reach into the left or right padding. */
static void bnn_conv3x3_edge(const bnn_window_geom *g, bnn_taps *t, int32_t ox0, int32_t ox1, const float *input,
                             const float *w, float bias, float *out)
{
    for (int32_t ox = ox0; ox < ox1; ++ox) {
        bnn_taps_col(g, ox, t);
        *out++ = bnn_conv3x3_taps(g, t, input, w, bias);
    }
}

/* Outputs [x0, x1) of a row whose windows reach into the top or bottom padding only: all three columns in bounds. */
static void bnn_conv3x3_edge_row(const bnn_window_geom *g, bnn_taps *t, int32_t x0, int32_t x1, const float *input,
                                 const float *w, float bias, float *out)
{
    t->kx0 = 0;
    t->kx1 = 3;
    for (int32_t ox = x0; ox < x1; ++ox) {
        t->ix0 = ox - g->win.pad_left;
        *out++ = bnn_conv3x3_taps(g, t, input, w, bias);
    }
}

/**
 * Float 3x3 convolution, stride 1, no dilation, at most 3 input channels (an image stem): the same arithmetic as
 * bnn_conv2d_f32 (bias, then w*x over ic, kh, kw in that order, each product and sum rounded to float, padded
 * taps skipped). Outputs whose window lies inside the input run a loop with the filter in registers and no tap
 * bookkeeping; the border outputs take the general path. Weights [oc][ic][3][3], tensors CHW.
 */
void bnn_conv2d_f32_3x3(const bnn_window_geom *g, const float *input, const float *weights, const float *bias,
                        float *output)
{
    const int32_t oh = g->out.h, ow = g->out.w, iw = g->in.w, plane = g->in.h * g->in.w, ic = g->in.c;
    /* Interior outputs: rows [y0, y1) and columns [x0, x1), where the window's 3 rows and columns are inside. */
    const int32_t y0 = g->win.pad_top < oh ? g->win.pad_top : oh;
    const int32_t y1 = g->in.h - 2 + g->win.pad_top < y0 ? y0 : (g->in.h - 2 + g->win.pad_top < oh ? g->in.h - 2 + g->win.pad_top : oh);
    const int32_t x0 = g->win.pad_left < ow ? g->win.pad_left : ow;
    const int32_t x1 = iw - 2 + g->win.pad_left < x0 ? x0 : (iw - 2 + g->win.pad_left < ow ? iw - 2 + g->win.pad_left : ow);
    float *out = output;
    for (int32_t oc = 0; oc < g->out.c; ++oc) {
        const float *w = weights + oc * ic * 9;
        for (int32_t oy = 0; oy < oh; ++oy) {
            bnn_taps t;
            bnn_taps_row(g, oy, &t);
            bnn_conv3x3_edge(g, &t, 0, x0, input, w, bias[oc], out);
            if (oy < y0 || oy >= y1) {
                bnn_conv3x3_edge_row(g, &t, x0, x1, input, w, bias[oc], out + x0);
                bnn_conv3x3_edge(g, &t, x1, ow, input, w, bias[oc], out + x1);
                out += ow;
                continue;
            }
            const float *p = input + t.iy0 * iw + (x0 - g->win.pad_left);
            if (ic == 1) {
                bnn_conv3x3_interior(p, x1 - x0, iw, plane, w, bias[oc], out + x0, 1);
            } else if (ic == 2) {
                bnn_conv3x3_interior(p, x1 - x0, iw, plane, w, bias[oc], out + x0, 2);
            } else {
                bnn_conv3x3_interior(p, x1 - x0, iw, plane, w, bias[oc], out + x0, 3);
            }
            bnn_conv3x3_edge(g, &t, x1, ow, input, w, bias[oc], out + x1);
            out += ow;
        }
    }
}
