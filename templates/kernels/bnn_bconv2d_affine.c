#if defined(BNN_BCONV_X4)
/*
 * Four channels' epilogue fl(dot * mult + offset) * pow2 (fixed: their mult/offset pairs). Helium's vector float
 * flushes subnormals, but no result here is subnormal (phases/5-lower/fixed-affine.ts): the scalar FPU's bits.
 */
BNN_ALWAYS_INLINE float32x4_t bnn_dot_affine_x4(int32x4_t dot, const int32_t *fixed, const float *pow2)
{
    const int32x4x2_t q = vld2q_s32(fixed);
    return vmulq_f32(vcvtq_f32_s32(vaddq_s32(vmulq_s32(dot, q.val[0]), q.val[1])), vld1q_f32(pow2));
}

/* bnn_dot_affine_x4 for the first n (1..3) channels: the loads past them are predicated off. */
BNN_ALWAYS_INLINE float32x4_t bnn_dot_affine_x4_tail(int32x4_t dot, const int32_t *fixed, const float *pow2,
                                                   mve_pred16_t active)
{
    const uint32x4_t pairs = vidupq_n_u32(0u, 2);
    const int32x4_t mult = vldrwq_gather_shifted_offset_z_s32(fixed, pairs, active);
    const int32x4_t offset = vldrwq_gather_shifted_offset_z_s32(fixed + 1, pairs, active);
    return vmulq_f32(vcvtq_f32_s32(vaddq_s32(vmulq_s32(dot, mult), offset)), vldrwq_z_f32(pow2, active));
}

/* One output pixel of bnn_bconv2d_affine_shape, four channels a vector (popcount_mve.h). */
BNN_ALWAYS_INLINE void bnn_bconv2d_affine_x4(const uint32_t *window4, const uint32_t *mask4, const uint32_t *weights,
                                             int32_t fw, int32_t oc_n, int32_t bits, const int32_t *fixed,
                                             const float *pow2, float *out, int32_t plane)
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
                const int32_t oc = oc0 + 4 * g;
                vstrwq_scatter_offset_f32(out, planes, bnn_dot_affine_x4(dot, fixed + 2 * oc, pow2 + oc));
            }
        }
    }
    for (; oc0 + 4 <= oc_n; oc0 += 4, out += 4 * plane, fil = vaddq_n_u32(fil, (uint32_t)(16 * fw))) {
        const int32x4_t m = vreinterpretq_s32_u32(bnn_xor_popcount_x4(fil, window4, mask4, fw));
        const int32x4_t dot = vmlasq_n_s32(m, vdupq_n_s32(-2), bits);
        vstrwq_scatter_offset_f32(out, planes, bnn_dot_affine_x4(dot, fixed + 2 * oc0, pow2 + oc0));
    }
    if (oc0 < oc_n) {
        const int32_t n = oc_n - oc0;
        const mve_pred16_t active = vctp32q((uint32_t)n);
        fil = bnn_filter_rows_x4(weights + oc0 * fw, fw, n);
        const int32x4_t m = vreinterpretq_s32_u32(bnn_xor_popcount_x4(fil, window4, mask4, fw));
        const int32x4_t dot = vmlasq_n_s32(m, vdupq_n_s32(-2), bits);
        vstrwq_scatter_offset_p_f32(out, planes, bnn_dot_affine_x4_tail(dot, fixed + 2 * oc0, pow2 + oc0, active),
                                    active);
    }
}
#endif

#if defined(BNN_BCONV_PAIRS) && !defined(BNN_BCONV_X4) && !defined(BNN_SWAR_AFFINE_OUTPUTS)
/*
 * Targets with kernels.pairs, whose bconvs run these C loops (no whole-pixel block, no Helium), take two
 * horizontally adjacent windows with the same in-bounds taps a pass over the filters: each filter word is loaded
 * (and masked) once for both, and the channel's epilogue constants (bnn_affine_channel) and the loop's steps are
 * shared. A window with padded taps is 0 at them, so (a ^ w) & mask = a ^ (w & mask): the masked filter word
 * serves both windows.
 */

/** out[k * plane] for every output channel k, from one window (mask NULL: all taps in bounds). */
BNN_ALWAYS_INLINE void bnn_affine_single_loop(const uint32_t *win, const uint32_t *mask, const uint32_t *weights,
                                              int32_t oc_n, int32_t fw, int32_t bits, const int32_t *fixed,
                                              const float *pow2, float *out, int32_t plane)
{
    const uint32_t *const w_end = weights + oc_n * fw;
    for (const uint32_t *w = weights; w != w_end; w += fw, out += plane, fixed += 2) {
        const bnn_affine_channel ch = bnn_affine_channel_get(bits, fixed[0], fixed[1], *pow2++);
        *out = bnn_affine_channel_output(&ch, bnn_popcount_run(win, w, mask, fw));
    }
}

/** out[k * plane] and out[k * plane + 1] for every output channel k, from two windows with the same mask. */
BNN_ALWAYS_INLINE void bnn_affine_pair_loop(const uint32_t *win0, const uint32_t *win1, const uint32_t *mask,
                                            const uint32_t *weights, int32_t oc_n, int32_t fw, int32_t bits,
                                            const int32_t *fixed, const float *pow2, float *out, int32_t plane)
{
    const uint32_t *const w_end = weights + oc_n * fw;
    uint32_t masked[BNN_WINDOW_WORDS];
    for (const uint32_t *w = weights; w != w_end; w += fw, out += plane, fixed += 2) {
        const bnn_affine_channel ch = bnn_affine_channel_get(bits, fixed[0], fixed[1], *pow2++);
        const uint32_t *f = w;
        if (mask != 0) {
            BNN_UNROLLED(fw, for (int32_t i = 0; i < fw; ++i) { masked[i] = w[i] & mask[i]; })
            f = masked;
        }
        const uint32_t m0 = bnn_popcount_run(win0, f, 0, fw);
        const uint32_t m1 = bnn_popcount_run(win1, f, 0, fw);
        out[0] = bnn_affine_channel_output(&ch, m0);
        out[1] = bnn_affine_channel_output(&ch, m1);
    }
}

/*
 * The outputs of every channel at one window (win1 NULL) or two, for filters of fw words; mask NULL when all taps
 * are in bounds. Each case a loop of its own, with mask and win1 constants in it.
 */
BNN_ALWAYS_INLINE void bnn_affine_outputs(const uint32_t *win0, const uint32_t *win1, const uint32_t *mask,
                                          const uint32_t *weights, int32_t oc_n, int32_t fw, int32_t bits,
                                          const int32_t *fixed, const float *pow2, float *out, int32_t plane)
{
    if (win1 == 0) {
        if (mask == 0) {
            bnn_affine_single_loop(win0, 0, weights, oc_n, fw, bits, fixed, pow2, out, plane);
        } else {
            bnn_affine_single_loop(win0, mask, weights, oc_n, fw, bits, fixed, pow2, out, plane);
        }
    } else if (mask == 0) {
        bnn_affine_pair_loop(win0, win1, 0, weights, oc_n, fw, bits, fixed, pow2, out, plane);
    } else {
        bnn_affine_pair_loop(win0, win1, mask, weights, oc_n, fw, bits, fixed, pow2, out, plane);
    }
}

/*
 * bnn_affine_outputs in a function of its own for each listed shape (fw a constant, the runs unrolled) and one
 * for any other: called once per pixel or pair, each channel loop gets the registers to itself instead of
 * sharing them with the pixel loops around it (which spilled its end, stride and window words).
 */
#if defined(__GNUC__)
#define BNN_AFFINE_OUTPUTS_FUNCTION static __attribute__((noinline)) void
#else
#define BNN_AFFINE_OUTPUTS_FUNCTION static void
#endif
#define BNN_AFFINE_OUTPUTS_PARAMS                                                                                 \
    const uint32_t *win0, const uint32_t *win1, const uint32_t *mask, const uint32_t *weights, int32_t oc_n,     \
        int32_t bits, const int32_t *fixed, const float *pow2, float *out, int32_t plane
#define BNN_AFFINE_OUTPUTS_ARGS win0, win1, mask, weights, oc_n, bits, fixed, pow2, out, plane
#define BNN_AFFINE_OUTPUTS_DEFINE(C_, KH_, KW_)                                                                   \
    BNN_AFFINE_OUTPUTS_FUNCTION bnn_affine_outputs_##C_##x##KH_##x##KW_(BNN_AFFINE_OUTPUTS_PARAMS)                \
    {                                                                                                            \
        bnn_affine_outputs(win0, win1, mask, weights, oc_n, bnn_filter_words((C_), (KH_), (KW_)), bits, fixed,   \
                           pow2, out, plane);                                                                    \
    }
BNN_BCONV_SHAPES(BNN_AFFINE_OUTPUTS_DEFINE)

BNN_AFFINE_OUTPUTS_FUNCTION bnn_affine_outputs_any(BNN_AFFINE_OUTPUTS_PARAMS, int32_t fw)
{
    bnn_affine_outputs(win0, win1, mask, weights, oc_n, fw, bits, fixed, pow2, out, plane);
}

/* bnn_affine_outputs for c channels and a kh x kw kernel: a direct call where they are constants. */
#define BNN_AFFINE_OUTPUTS_CALL(C_, KH_, KW_)                                                                     \
    if (c == (C_) && kh == (KH_) && kw == (KW_)) {                                                               \
        bnn_affine_outputs_##C_##x##KH_##x##KW_(BNN_AFFINE_OUTPUTS_ARGS);                                        \
        return;                                                                                                  \
    }
BNN_ALWAYS_INLINE void bnn_affine_outputs_shape(int32_t c, int32_t kh, int32_t kw, BNN_AFFINE_OUTPUTS_PARAMS)
{
    BNN_BCONV_SHAPES(BNN_AFFINE_OUTPUTS_CALL)
    bnn_affine_outputs_any(BNN_AFFINE_OUTPUTS_ARGS, bnn_filter_words(c, kh, kw));
}
#undef BNN_AFFINE_OUTPUTS_CALL
#undef BNN_AFFINE_OUTPUTS_DEFINE
#undef BNN_AFFINE_OUTPUTS_ARGS
#undef BNN_AFFINE_OUTPUTS_PARAMS
#undef BNN_AFFINE_OUTPUTS_FUNCTION

/*
 * bnn_bconv2d_affine for c input channels and a kh x kw kernel: compile-time constants in the specialised calls
 * below, so the gathers unroll and the channel loops are the shape's own. Pixels go in pairs where the next one
 * has the same in-bounds taps (all of a row but its ends).
 */
BNN_ALWAYS_INLINE void bnn_bconv2d_affine_shape(const bnn_window_geom *g, const uint32_t *input,
                                               const uint32_t *weights, const int32_t *fixed, const float *pow2,
                                               float *output, int32_t c, int32_t kh, int32_t kw)
{
    const int32_t fw = bnn_filter_words(c, kh, kw);
    const int32_t plane = g->out.h * g->out.w;
    uint32_t window0[BNN_WINDOW_WORDS];
    uint32_t window1[BNN_WINDOW_WORDS];
    uint32_t mask[BNN_WINDOW_WORDS];
    for (int32_t oy = 0; oy < g->out.h; ++oy) {
        bnn_taps t;
        bnn_taps_row(g, oy, &t);
        for (int32_t ox = 0; ox < g->out.w; ++ox) {
            bnn_taps_col(g, ox, &t);
            float *out = output + oy * g->out.w + ox;
            const int32_t bits = (t.ky1 - t.ky0) * (t.kx1 - t.kx0) * c;
            if (fw > BNN_WINDOW_WORDS) {
                const uint32_t *w_oc = weights;
                for (int32_t oc = 0; oc < g->out.c; ++oc, w_oc += fw, out += plane) {
                    const int32_t mismatches = bnn_bconv_mismatches_by_tap(g, input, w_oc, &t);
                    *out = bnn_dot_affine(bits - 2 * mismatches, fixed[2 * oc], fixed[2 * oc + 1], pow2[oc]);
                }
                continue;
            }
            const int full = t.ky1 - t.ky0 == kh && t.kx1 - t.kx0 == kw;
            bnn_taps t1 = t;
            int pair = 0;
            if (ox + 1 < g->out.w) {
                bnn_taps_col(g, ox + 1, &t1);
                pair = t1.kx0 == t.kx0 && t1.kx1 == t.kx1;
            }
            if (full) {
                bnn_bconv_gather_full(g, input, &t, window0, c, kh, kw);
                if (pair) {
                    bnn_bconv_gather_full(g, input, &t1, window1, c, kh, kw);
                }
            } else {
                bnn_bconv_gather_border(g, input, &t, window0, mask, c, kh, kw);
                if (pair) {
                    /* The same taps: the same mask again. */
                    bnn_bconv_gather_border(g, input, &t1, window1, mask, c, kh, kw);
                }
            }
            bnn_affine_outputs_shape(c, kh, kw, window0, pair ? window1 : 0, full ? 0 : mask, weights, g->out.c, bits,
                                     fixed, pow2, out, plane);
            ox += pair;
        }
    }
}
#else
/*
 * bnn_bconv2d_affine for c input channels and a kh x kw kernel: compile-time constants in the specialised calls
 * below, so the gathers and each filter's XOR-popcount run unroll.
 */
BNN_ALWAYS_INLINE void bnn_bconv2d_affine_shape(const bnn_window_geom *g, const uint32_t *input,
                                               const uint32_t *weights, const int32_t *fixed, const float *pow2,
                                               float *output, int32_t c, int32_t kh, int32_t kw)
{
    const int32_t fw = bnn_filter_words(c, kh, kw);
    const int32_t plane = g->out.h * g->out.w;
    const uint32_t *const w_end = weights + g->out.c * fw;
    uint32_t window[BNN_WINDOW_WORDS];
    uint32_t mask[BNN_WINDOW_WORDS];
#if defined(BNN_BCONV_X4)
    uint32_t window4[4 * BNN_WINDOW_WORDS];
    uint32_t mask4[4 * BNN_WINDOW_WORDS];
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
#if defined(BNN_BCONV_X4)
                bnn_bconv_gather_x4(g, input, &t, window4, 0, c, kh, kw);
                bnn_bconv2d_affine_x4(window4, 0, weights, fw, g->out.c, bits, fixed, pow2, out, plane);
                continue;
#endif
                bnn_bconv_gather_full(g, input, &t, window, c, kh, kw);
#if defined(BNN_SWAR_AFFINE_OUTPUTS)
                if (bnn_swar_affine_outputs(window, 0, weights, w_end, fixed, pow2, out, plane, fw, bits)) {
                    continue;
                }
#endif
                const int32_t *fx = fixed;
                const float *p2 = pow2;
                for (; w_oc != w_end; w_oc += fw, out += plane, fx += 2) {
                    const int32_t mismatches = (int32_t)bnn_xor_popcount(window, w_oc, fw);
                    *out = bnn_dot_affine(bits - 2 * mismatches, fx[0], fx[1], *p2++);
                }
                continue;
            }
            const int32_t bits = (t.ky1 - t.ky0) * (t.kx1 - t.kx0) * c;
            const int gathered = fw <= BNN_WINDOW_WORDS;
            if (gathered) {
#if defined(BNN_BCONV_X4)
                bnn_bconv_gather_x4(g, input, &t, window4, mask4, c, kh, kw);
                bnn_bconv2d_affine_x4(window4, mask4, weights, fw, g->out.c, bits, fixed, pow2, out, plane);
                continue;
#endif
                bnn_bconv_gather_border(g, input, &t, window, mask, c, kh, kw);
#if defined(BNN_SWAR_AFFINE_OUTPUTS)
                if (bnn_swar_affine_outputs(window, mask, weights, w_end, fixed, pow2, out, plane, fw, bits)) {
                    continue;
                }
#endif
            }
            for (int32_t oc = 0; oc < g->out.c; ++oc, w_oc += fw, out += plane) {
                const int32_t mismatches = gathered ? (int32_t)bnn_xor_popcount_masked(window, w_oc, mask, fw)
                                                    : bnn_bconv_mismatches_by_tap(g, input, w_oc, &t);
                *out = bnn_dot_affine(bits - 2 * mismatches, fixed[2 * oc], fixed[2 * oc + 1], pow2[oc]);
            }
        }
    }
}
#endif

/* The shape dispatch of bnn_bconv2d_affine: a specialised call for each listed shape. */
#define BNN_AFFINE_SHAPE(C_, KH_, KW_)                                                         \
    if (g->in.c == (C_) && g->win.kh == (KH_) && g->win.kw == (KW_)) {                         \
        bnn_bconv2d_affine_shape(g, input, weights, fixed, pow2, output, (C_), (KH_), (KW_));  \
        return;                                                                                 \
    }

/**
 * Binary convolution with a float epilogue: out[oc][oy][ox] = (float)(dot * mult[oc] + offset[oc]) * pow2[oc]
 * (fixed: mult/offset pairs; the int32 sum exact, one rounding, pow2 a power of two), dot = sum over in-bounds
 * taps of (C - 2*popcount(a ^ w)). Input packed HWC, weights [oc][ceil(kh*kw*C/32)] (one bit string per filter,
 * tap-major), output CHW.
 */
void bnn_bconv2d_affine(const bnn_window_geom *g, const uint32_t *input, const uint32_t *weights, const int32_t *fixed,
                        const float *pow2, float *output)
{
#if defined(BNN_BCONV_X4)
    /* A local copy, kept in registers: the geometry in memory is reloaded after every asm "memory" clobber. */
    const bnn_window_geom geom = *g;
    g = &geom;
#endif
    BNN_BCONV_SHAPES(BNN_AFFINE_SHAPE)
    bnn_bconv2d_affine_shape(g, input, weights, fixed, pow2, output, g->in.c, g->win.kh, g->win.kw);
}
#undef BNN_AFFINE_SHAPE
