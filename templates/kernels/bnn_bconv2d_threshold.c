/* Output word of channels oc0 .. oc0 + n - 1 (n <= 32): bit k is 1 (-1) iff dots[k] < thresholds[oc0 + k]. */
static inline uint32_t bnn_threshold_word(const int32_t *dots, const int32_t *thresholds, int32_t n)
{
    uint32_t word = 0;
    for (int32_t k = 0; k < n; ++k) {
        word |= (uint32_t)(dots[k] < thresholds[k]) << k;
    }
    return word;
}

#if defined(BNN_BCONV_X4)
/*
 * Bits 0 .. n - 1 (n 1..4) of an output word for four channels a vector: bit j is 1 iff
 * bits - 2 * mismatches[j] < thresholds[j]. Lanes at or past n give 0 and read no threshold; where n is the
 * constant 4 no lane is predicated.
 */
BNN_ALWAYS_INLINE uint32_t bnn_threshold_bits_x4(uint32x4_t mismatches, int32_t bits, const int32_t *thresholds,
                                                 int32_t n)
{
    const uint32x4_t lane_bits = vshlq_u32(vdupq_n_u32(1u), vreinterpretq_s32_u32(vidupq_n_u32(0u, 1)));
    const int32x4_t dot = vmlasq_n_s32(vreinterpretq_s32_u32(mismatches), vdupq_n_s32(-2), bits);
    if (__builtin_constant_p(n) && n >= 4) {
        return vaddvq_u32(vpselq_u32(lane_bits, vdupq_n_u32(0u), vcmpltq_s32(dot, vld1q_s32(thresholds))));
    }
    const mve_pred16_t active = vctp32q((uint32_t)n);
    const mve_pred16_t below = vcmpltq_m_s32(dot, vldrwq_z_s32(thresholds, active), active);
    return vaddvq_u32(vpselq_u32(lane_bits, vdupq_n_u32(0u), below));
}

/* bnn_threshold_word of the n (1..32) channels whose filter rows start at w, four channels a vector. */
BNN_ALWAYS_INLINE uint32_t bnn_threshold_word_x4(const uint32_t *window4, const uint32_t *mask4, const uint32_t *w,
                                                 int32_t fw, int32_t n, int32_t bits, const int32_t *thresholds)
{
    uint32x4_t fil = bnn_filter_rows_x4(w, fw, 4);
    uint32_t word = 0;
    int32_t k = 0;
    /* Unmasked windows of the specialised filters: eight channels a pass, as far as they go. */
    if (mask4 == 0 && __builtin_constant_p(fw) && fw <= 25) {
        for (; k + 8 <= n; k += 8, fil = vaddq_n_u32(fil, (uint32_t)(32 * fw))) {
            uint32x4_t m0;
            uint32x4_t m1;
            bnn_xor_popcount_x4_pair(fil, window4, fw, &m0, &m1);
            const uint32_t high = bnn_threshold_bits_x4(m1, bits, thresholds + k + 4, 4);
            word |= ((high << 4) | bnn_threshold_bits_x4(m0, bits, thresholds + k, 4)) << k;
        }
    }
    for (; k + 4 <= n; k += 4, fil = vaddq_n_u32(fil, (uint32_t)(16 * fw))) {
        word |= bnn_threshold_bits_x4(bnn_xor_popcount_x4(fil, window4, mask4, fw), bits, thresholds + k, 4) << k;
    }
    if (k < n) {
        fil = bnn_filter_rows_x4(w + k * fw, fw, n - k);
        const uint32x4_t m = bnn_xor_popcount_x4(fil, window4, mask4, fw);
        word |= bnn_threshold_bits_x4(m, bits, thresholds + k, n - k) << k;
    }
    return word;
}
#endif

/* bnn_bconv2d_threshold for c input channels and a kh x kw kernel (see bnn_bconv2d_affine_shape). */
BNN_ALWAYS_INLINE void bnn_bconv2d_threshold_shape(const bnn_window_geom *g, const uint32_t *input,
                                               const uint32_t *weights, const int32_t *thresholds,
                                               uint32_t *output, int32_t c, int32_t kh, int32_t kw)
{
    const int32_t fw = bnn_filter_words(c, kh, kw);
#if defined(BNN_BCONV_X4)
    /* Helium gathers its windows broadcast only: longer filters go tap by tap, with no window buffer. */
    uint32_t window4[4 * BNN_WINDOW_WORDS];
    uint32_t mask4[4 * BNN_WINDOW_WORDS];
#else
    uint32_t window[BNN_WINDOW_WORDS];
    uint32_t mask[BNN_WINDOW_WORDS];
#endif
    int32_t dots[32];
#if defined(BNN_SWAR_THRESHOLD_OUTPUTS)
    /*
     * Up to 32 channels: full windows compare their mismatches with limits computed here, once (popcount_swar.h).
     * They take the place of dots, which only the C loops fill: the specialised shapes, the only ones with limits,
     * never reach those (the assembly takes every pixel, all gathered since their filters fit the window buffer).
     */
    uint32_t *const limits = (uint32_t *)dots;
    const int limited = __builtin_constant_p(fw) && g->out.c <= 32;
    if (limited) {
        bnn_swar_mismatch_limits(thresholds, g->out.c, kh * kw * c, limits);
    }
#endif
    uint32_t *out = output;
    for (int32_t oy = 0; oy < g->out.h; ++oy) {
        bnn_taps t;
        bnn_taps_row(g, oy, &t);
        for (int32_t ox = 0; ox < g->out.w; ++ox) {
            bnn_taps_col(g, ox, &t);
            const int full = t.ky1 - t.ky0 == kh && t.kx1 - t.kx0 == kw && fw <= BNN_WINDOW_WORDS;
            const int gathered = fw <= BNN_WINDOW_WORDS;
            const int32_t bits = (t.ky1 - t.ky0) * (t.kx1 - t.kx0) * c;
#if defined(BNN_BCONV_X4)
            if (full) {
                bnn_bconv_gather_x4(g, input, &t, window4, 0, c, kh, kw);
            } else if (gathered) {
                bnn_bconv_gather_x4(g, input, &t, window4, mask4, c, kh, kw);
            }
#else
            if (full) {
                bnn_bconv_gather_full(g, input, &t, window, c, kh, kw);
#if defined(BNN_SWAR_THRESHOLD_OUTPUTS)
                if (bnn_swar_threshold_outputs(window, 0, weights, thresholds, limited ? limits : 0, out, g->out.c, fw,
                                               bits)) {
                    out += (g->out.c + 31) / 32;
                    continue;
                }
#endif
            } else if (gathered) {
                bnn_bconv_gather_border(g, input, &t, window, mask, c, kh, kw);
#if defined(BNN_SWAR_THRESHOLD_OUTPUTS)
                if (bnn_swar_threshold_outputs(window, mask, weights, thresholds, 0, out, g->out.c, fw, bits)) {
                    out += (g->out.c + 31) / 32;
                    continue;
                }
#endif
            }
#endif
            const uint32_t *w_oc = weights;
            for (int32_t oc0 = 0; oc0 < g->out.c; oc0 += 32) {
                const int32_t n = g->out.c - oc0 < 32 ? g->out.c - oc0 : 32;
#if defined(BNN_BCONV_X4)
                if (gathered) {
                    *out++ = full ? bnn_threshold_word_x4(window4, 0, w_oc, fw, n, bits, thresholds + oc0)
                                  : bnn_threshold_word_x4(window4, mask4, w_oc, fw, n, bits, thresholds + oc0);
                    w_oc += n * fw;
                    continue;
                }
                for (int32_t k = 0; k < n; ++k, w_oc += fw) {
                    dots[k] = bits - 2 * bnn_bconv_mismatches_by_tap(g, input, w_oc, &t);
                }
#else
                if (full) {
                    for (int32_t k = 0; k < n; ++k, w_oc += fw) {
                        dots[k] = bits - 2 * (int32_t)bnn_xor_popcount(window, w_oc, fw);
                    }
                } else {
                    for (int32_t k = 0; k < n; ++k, w_oc += fw) {
                        const int32_t mismatches = gathered
                                                       ? (int32_t)bnn_xor_popcount_masked(window, w_oc, mask, fw)
                                                       : bnn_bconv_mismatches_by_tap(g, input, w_oc, &t);
                        dots[k] = bits - 2 * mismatches;
                    }
                }
#endif
                *out++ = bnn_threshold_word(dots, thresholds + oc0, n);
            }
        }
    }
}

/**
 * Binary convolution straight to packed signs: output bit oc is 0 (+1) iff dot >= thresholds[oc], else 1 (-1),
 * dot as in bnn_bconv2d_affine. Input and output packed HWC; tail bits of the output are 0.
 */
void bnn_bconv2d_threshold(const bnn_window_geom *g, const uint32_t *input, const uint32_t *weights,
                           const int32_t *thresholds, uint32_t *output)
{
#if defined(BNN_BCONV_X4)
    /* A local copy, kept in registers: the geometry in memory is reloaded after every asm "memory" clobber. */
    const bnn_window_geom geom = *g;
    g = &geom;
#endif
#define BNN_THRESHOLD_SHAPE(C_, KH_, KW_)                                                         \
    if (g->in.c == (C_) && g->win.kh == (KH_) && g->win.kw == (KW_)) {                            \
        bnn_bconv2d_threshold_shape(g, input, weights, thresholds, output, (C_), (KH_), (KW_));    \
        return;                                                                                \
    }
    BNN_BCONV_SHAPES(BNN_THRESHOLD_SHAPE)
#undef BNN_THRESHOLD_SHAPE
    bnn_bconv2d_threshold_shape(g, input, weights, thresholds, output, g->in.c, g->win.kh, g->win.kw);
}
