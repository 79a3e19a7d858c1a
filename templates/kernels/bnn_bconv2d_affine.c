#if defined(BNN_BCONV_X4)
/* Whether the float f is subnormal or a NaN (the inputs Helium's vector float instructions treat differently). */
static inline int bnn_subnormal_or_nan(float f)
{
    union {
        float f;
        uint32_t u;
    } v;
    v.f = f;
    const uint32_t exponent = v.u & 0x7F800000u;
    return (v.u & 0x007FFFFFu) != 0 && (exponent == 0 || exponent == 0x7F800000u);
}

/*
 * Helium's vector float instructions flush subnormal inputs and results to zero and give the default NaN; the
 * scalar FPU, whose bits the reference executor matches, does not. So the vector epilogue runs only on a layer
 * where it provably gives the same bits for every dot d in [-k, k]: no scale or shift subnormal or NaN, and no
 * result fl(fl(d * s) + h) subnormal. With |s| >= 2^-100 (and |d| <= 2^16) a result that small needs
 * |d*s + h| < 2^-126 + 2^-24 |h|, i.e. d within 0.25 of -h/s, which q = fl(-h/s) is within 0.25 of (for |q| < 2^22):
 * so only floor(q) or ceil(q), computed here with the scalar FPU. Exact zeros are the same either way.
 */
static inline int bnn_affine_vector_exact(const float *scale, const float *shift, int32_t n, int32_t k)
{
    for (int32_t c = 0; c < n; ++c) {
        const float s = scale[c];
        const float h = shift[c];
        if (bnn_subnormal_or_nan(s) || bnn_subnormal_or_nan(h)) {
            return 0;
        }
        if (s == 0.0f) {
            continue;
        }
        if (s > -0x1p-100f && s < 0x1p-100f) {
            return 0;
        }
        const float q = -h / s;
        if (!(q > -0x1p22f && q < 0x1p22f)) {
            continue; /* beyond 2^22, or infinite: every |d*s + h| is large */
        }
        /* (int32_t)q rounds toward zero: floor(q) and ceil(q) are among these three. */
        for (int32_t d = (int32_t)q - 1; d <= (int32_t)q + 1; ++d) {
            if (d >= -k && d <= k && bnn_subnormal_or_nan((float)d * s + h)) {
                return 0;
            }
        }
    }
    return 1;
}

/* One output pixel of bnn_bconv2d_affine_shape, four channels a vector (popcount_mve.h). */
BNN_ALWAYS_INLINE void bnn_bconv2d_affine_x4(const uint32_t *window4, const uint32_t *mask4, const uint32_t *weights,
                                             int32_t fw, int32_t oc_n, int32_t bits, const float *scale,
                                             const float *shift, float *out, int32_t plane)
{
    const uint32x4_t planes = vmulq_n_u32(vidupq_n_u32(0u, 1), (uint32_t)(4 * plane));
    uint32x4_t fil = bnn_filter_rows_x4(weights, fw, 4);
    int32_t oc0 = 0;
    /* Unmasked windows of the longer specialised filters: eight channels a pass, as far as they go. */
    if (mask4 == 0 && __builtin_constant_p(fw) && fw > 7 && fw <= 25) {
        for (; oc0 + 8 <= oc_n; oc0 += 8, fil = vaddq_n_u32(fil, (uint32_t)(32 * fw))) {
            uint32x4_t ms[2];
            bnn_xor_popcount_x4_pair(fil, window4, fw, &ms[0], &ms[1]);
            _Pragma("GCC unroll 2") for (int32_t g = 0; g < 2; ++g, out += 4 * plane) {
                const int32x4_t dot = vmlasq_n_s32(vreinterpretq_s32_u32(ms[g]), vdupq_n_s32(-2), bits);
                const float32x4_t prod = vmulq_f32(vcvtq_f32_s32(dot), vld1q_f32(scale + oc0 + 4 * g));
                vstrwq_scatter_offset_f32(out, planes, vaddq_f32(prod, vld1q_f32(shift + oc0 + 4 * g)));
            }
        }
    }
    for (; oc0 + 4 <= oc_n; oc0 += 4, out += 4 * plane, fil = vaddq_n_u32(fil, (uint32_t)(16 * fw))) {
        const int32x4_t m = vreinterpretq_s32_u32(bnn_xor_popcount_x4(fil, window4, mask4, fw));
        const int32x4_t dot = vmlasq_n_s32(m, vdupq_n_s32(-2), bits);
        const float32x4_t prod = vmulq_f32(vcvtq_f32_s32(dot), vld1q_f32(scale + oc0));
        vstrwq_scatter_offset_f32(out, planes, vaddq_f32(prod, vld1q_f32(shift + oc0)));
    }
    if (oc0 < oc_n) {
        const int32_t n = oc_n - oc0;
        const mve_pred16_t active = vctp32q((uint32_t)n);
        fil = bnn_filter_rows_x4(weights + oc0 * fw, fw, n);
        const int32x4_t m = vreinterpretq_s32_u32(bnn_xor_popcount_x4(fil, window4, mask4, fw));
        const int32x4_t dot = vmlasq_n_s32(m, vdupq_n_s32(-2), bits);
        const float32x4_t prod = vmulq_f32(vcvtq_f32_s32(dot), vldrwq_z_f32(scale + oc0, active));
        vstrwq_scatter_offset_p_f32(out, planes, vaddq_f32(prod, vldrwq_z_f32(shift + oc0, active)), active);
    }
}
#endif

/*
 * bnn_bconv2d_affine for c input channels and a kh x kw kernel: compile-time constants in the specialised calls
 * below, so the gathers and each filter's XOR-popcount run unroll.
 */
BNN_ALWAYS_INLINE void bnn_bconv2d_affine_shape(const bnn_window_geom *g, const uint32_t *input,
                                               const uint32_t *weights, const float *scale, const float *shift,
                                               float *output, int32_t c, int32_t kh, int32_t kw,
                                               int vector_epilogue)
{
    const int32_t fw = bnn_filter_words(c, kh, kw);
    const int32_t plane = g->out.h * g->out.w;
    const uint32_t *const w_end = weights + g->out.c * fw;
    uint32_t window[BNN_WINDOW_WORDS];
    uint32_t mask[BNN_WINDOW_WORDS];
#if defined(BNN_BCONV_X4)
    uint32_t window4[4 * BNN_WINDOW_WORDS];
    uint32_t mask4[4 * BNN_WINDOW_WORDS];
#else
    (void)vector_epilogue; /* Helium's (popcount_mve.h): always 0 here */
#endif
    for (int32_t oy = 0; oy < g->out.h; ++oy) {
        bnn_taps t;
        bnn_taps_row(g, oy, &t);
        for (int32_t ox = 0; ox < g->out.w; ++ox) {
            bnn_taps_col(g, ox, &t);
            const uint32_t *w_oc = weights;
            float *out = output + oy * g->out.w + ox;
            if (t.ky1 - t.ky0 == kh && t.kx1 - t.kx0 == kw && fw <= BNN_WINDOW_WORDS) {
                const int32_t bits = kh * kw * c;
                const float *sc = scale;
                const float *sh = shift;
#if defined(BNN_BCONV_X4)
                if (vector_epilogue) {
                    bnn_bconv_gather_x4(g, input, &t, window4, 0, c, kh, kw);
                    bnn_bconv2d_affine_x4(window4, 0, weights, fw, g->out.c, bits, scale, shift, out, plane);
                    continue;
                }
#endif
                bnn_bconv_gather_full(g, input, &t, window, c, kh, kw);
#if defined(BNN_SWAR_AFFINE_OUTPUTS)
                if (bnn_swar_affine_outputs(window, 0, weights, w_end, scale, shift, out, plane, fw, bits)) {
                    continue;
                }
#endif
                for (; w_oc != w_end; w_oc += fw, out += plane) {
                    const int32_t mismatches = (int32_t)bnn_xor_popcount(window, w_oc, fw);
                    *out = bnn_dot_affine(bits - 2 * mismatches, *sc++, *sh++);
                }
                continue;
            }
            const int32_t bits = (t.ky1 - t.ky0) * (t.kx1 - t.kx0) * c;
            const int gathered = fw <= BNN_WINDOW_WORDS;
            if (gathered) {
#if defined(BNN_BCONV_X4)
                if (vector_epilogue) {
                    bnn_bconv_gather_x4(g, input, &t, window4, mask4, c, kh, kw);
                    bnn_bconv2d_affine_x4(window4, mask4, weights, fw, g->out.c, bits, scale, shift, out, plane);
                    continue;
                }
#endif
                bnn_bconv_gather_border(g, input, &t, window, mask, c, kh, kw);
#if defined(BNN_SWAR_AFFINE_OUTPUTS)
                if (bnn_swar_affine_outputs(window, mask, weights, w_end, scale, shift, out, plane, fw, bits)) {
                    continue;
                }
#endif
            }
            for (int32_t oc = 0; oc < g->out.c; ++oc, w_oc += fw, out += plane) {
                const int32_t mismatches = gathered ? (int32_t)bnn_xor_popcount_masked(window, w_oc, mask, fw)
                                                    : bnn_bconv_mismatches_by_tap(g, input, w_oc, &t);
                *out = bnn_dot_affine(bits - 2 * mismatches, scale[oc], shift[oc]);
            }
        }
    }
}

/* The shape dispatch of bnn_bconv2d_affine: a specialised call for each listed shape, `vector` a constant. */
#define BNN_AFFINE_SHAPE(C_, KH_, KW_)                                                                  \
    if (g->in.c == (C_) && g->win.kh == (KH_) && g->win.kw == (KW_)) {                                  \
        bnn_bconv2d_affine_shape(g, input, weights, scale, shift, output, (C_), (KH_), (KW_), vector);  \
        return;                                                                                          \
    }

#if defined(BNN_BCONV_X4)
/*
 * The scalar epilogue's loops, for layers bnn_affine_vector_exact refuses, in a function of their own: compiled
 * next to the vector loops, they made gcc spill in the channel loop.
 */
static __attribute__((noinline)) void bnn_bconv2d_affine_scalar(const bnn_window_geom *g, const uint32_t *input,
                                                                const uint32_t *weights, const float *scale,
                                                                const float *shift, float *output)
{
    const int vector = 0;
    BNN_BCONV_SHAPES(BNN_AFFINE_SHAPE)
    bnn_bconv2d_affine_shape(g, input, weights, scale, shift, output, g->in.c, g->win.kh, g->win.kw, vector);
}
#endif

/**
 * Binary convolution with a float epilogue: out[oc][oy][ox] = (float)dot * scale[oc] + shift[oc] (product rounded,
 * then sum), dot = sum over in-bounds taps of (C - 2*popcount(a ^ w)). Input packed HWC, weights
 * [oc][ceil(kh*kw*C/32)] (one bit string per filter, tap-major), output CHW.
 */
void bnn_bconv2d_affine(const bnn_window_geom *g, const uint32_t *input, const uint32_t *weights, const float *scale,
                        const float *shift, float *output)
{
#if defined(BNN_BCONV_X4)
    if (!bnn_affine_vector_exact(scale, shift, g->out.c, g->win.kh * g->win.kw * g->in.c)) {
        bnn_bconv2d_affine_scalar(g, input, weights, scale, shift, output);
        return;
    }
    /* A local copy, kept in registers: the geometry in memory is reloaded after every asm "memory" clobber. */
    const bnn_window_geom geom = *g;
    g = &geom;
    const int vector = 1;
#else
    const int vector = 0;
#endif
    BNN_BCONV_SHAPES(BNN_AFFINE_SHAPE)
    bnn_bconv2d_affine_shape(g, input, weights, scale, shift, output, g->in.c, g->win.kh, g->win.kw, vector);
}
#undef BNN_AFFINE_SHAPE
