/*
 * Binary convolution windows as bit strings (docs/numerics.md): a filter is its receptive field's bits, tap-major
 * and channel-minor (bit (ky*kw + kx)*C + c), in ceil(kh*kw*C/32) words; bits past kh*kw*C are 0. Per output
 * pixel the kernels gather the input window into the same string once, for all output channels, so each output
 * channel's mismatches are one XOR-popcount run over the filter's words. Padded taps gather as 0 bits; at such a
 * pixel a mask string (1 = in bounds) removes them, so they contribute exactly 0 to the dot.
 */

/*
 * The popcount header of the target (popcount_swar.h, popcount_cpop.h or popcount_mve.h, included before this)
 * provides bnn_popcount_run(a, w, mask, n): the set bits of (a[i] ^ w[i]) & mask[i] over n words, no mask if NULL.
 */

/** Number of set bits of a[i] ^ w[i] over the n words (n >= 0). */
static inline uint32_t bnn_xor_popcount(const uint32_t *a, const uint32_t *w, int32_t n)
{
    return bnn_popcount_run(a, w, 0, n);
}

/** Number of set bits of (a[i] ^ w[i]) & m[i] over the n words (n >= 0). */
static inline uint32_t bnn_xor_popcount_masked(const uint32_t *a, const uint32_t *w, const uint32_t *m, int32_t n)
{
    return bnn_popcount_run(a, w, m, n);
}

/*
 * BNN_WINDOW_WORDS, the capacity of the window and mask buffers (on the stack), is defined above with the
 * program's shapes: the longest filter among them, at most 64 words (src/phases/7-emit/kernel-files.ts).
 */

/** Appends bit runs to consecutive words; `acc` holds the `fill` (0..31) bits not yet stored. */
typedef struct {
    uint32_t *out;
    uint32_t acc;
    int32_t fill;
} bnn_bit_writer;

/** Appends the n (1..32) low bits of v; bits of v above n must be 0. */
static inline void bnn_bits_put(bnn_bit_writer *s, uint32_t v, int32_t n)
{
    s->acc |= v << s->fill;
    s->fill += n;
    if (s->fill >= 32) {
        *s->out++ = s->acc;
        s->fill -= 32;
        s->acc = s->fill > 0 ? v >> (n - s->fill) : 0u;
    }
}

/** Stores the last, partial word (its unused high bits 0). */
static inline void bnn_bits_flush(bnn_bit_writer *s)
{
    if (s->fill > 0) {
        *s->out = s->acc;
    }
}

/** Low n (1..32) bits set. */
static inline uint32_t bnn_low_bits(int32_t n)
{
    return n >= 32 ? 0xFFFFFFFFu : ((uint32_t)1 << n) - 1u;
}

/** Words of a filter's bit string for c input channels and a kh x kw kernel. */
static inline int32_t bnn_filter_words(int32_t c, int32_t kh, int32_t kw)
{
    return (kh * kw * c + 31) / 32;
}

/** Appends the c bits of the pixel at a (ceil(c/32) words, tail bits 0). */
static inline void bnn_bits_put_pixel(bnn_bit_writer *s, const uint32_t *a, int32_t c)
{
    const int32_t nw = (c + 31) / 32;
    BNN_UNROLLED(nw, for (int32_t j = 0; j < nw; ++j) {
        const int32_t n = j < nw - 1 ? 32 : c - 32 * (nw - 1);
        if (s->fill == 0 && n == 32) {
            *s->out++ = a[j];
        } else {
            bnn_bits_put(s, a[j], n);
        }
    })
}

/** Appends c bits, all equal to `bit` (0 or 1). */
static inline void bnn_bits_put_run(bnn_bit_writer *s, uint32_t bit, int32_t c)
{
    const int32_t nw = (c + 31) / 32;
    for (int32_t j = 0; j < nw; ++j) {
        const int32_t n = j < nw - 1 ? 32 : c - 32 * (nw - 1);
        bnn_bits_put(s, bit * bnn_low_bits(n), n);
    }
}

/*
 * Gathers the window whose taps are all in bounds into `window` (bnn_filter_words words). c, kh and kw are the
 * geometry's; the kernels pass them as compile-time constants for the shapes the program uses, so these loops
 * unroll into straight loads, shifts and stores.
 */
BNN_ALWAYS_INLINE void bnn_bconv_gather_full(const bnn_window_geom *g, const uint32_t *input, const bnn_taps *t,
                                            uint32_t *window, int32_t c, int32_t kh, int32_t kw)
{
    const int32_t nw = (c + 31) / 32;
    bnn_bit_writer wb = { window, 0u, 0 };
    int32_t ky = 0;
    int32_t kx = 0;
    /* One loop over the taps (counters, not k / kw: Cortex-M0 has no divide), so one pragma unrolls all of it. */
    BNN_UNROLLED(kh * kw, for (int32_t k = 0; k < kh * kw; ++k) {
        const int32_t pixel = (t->iy0 + ky * g->win.dil_h) * g->in.w + t->ix0 + kx * g->win.dil_w;
        bnn_bits_put_pixel(&wb, input + pixel * nw, c);
        if (++kx == kw) {
            kx = 0;
            ++ky;
        }
    })
    bnn_bits_flush(&wb);
}

/*
 * Gathers a window with padded taps: their bits are 0 in `window`, and `mask` has 1 exactly at the in-bounds
 * bits, so a filter's mismatches are popcount((window ^ filter) & mask).
 */
static inline void bnn_bconv_gather_border(const bnn_window_geom *g, const uint32_t *input, const bnn_taps *t,
                                           uint32_t *window, uint32_t *mask, int32_t c, int32_t kh, int32_t kw)
{
    const int32_t nw = (c + 31) / 32;
    bnn_bit_writer wb = { window, 0u, 0 };
    bnn_bit_writer mb = { mask, 0u, 0 };
    for (int32_t ky = 0; ky < kh; ++ky) {
        const int row_in = ky >= t->ky0 && ky < t->ky1;
        const int32_t row = (t->iy0 + ky * g->win.dil_h) * g->in.w + t->ix0;
        for (int32_t kx = 0; kx < kw; ++kx) {
            const int in = row_in && kx >= t->kx0 && kx < t->kx1;
            if (in) {
                bnn_bits_put_pixel(&wb, input + (row + kx * g->win.dil_w) * nw, c);
            } else {
                bnn_bits_put_run(&wb, 0u, c);
            }
            bnn_bits_put_run(&mb, in ? 1u : 0u, c);
        }
    }
    bnn_bits_flush(&wb);
    bnn_bits_flush(&mb);
}

#if defined(BNN_BCONV_X4)
/* bnn_bits_put for a string stored broadcast, each word k in words 4k .. 4k + 3 (a whole vector). */
BNN_ALWAYS_INLINE void bnn_bits_put_x4(bnn_bit_writer *s, uint32_t v, int32_t n)
{
    s->acc |= v << s->fill;
    s->fill += n;
    if (s->fill >= 32) {
        vst1q_u32(s->out, vdupq_n_u32(s->acc));
        s->out += 4;
        s->fill -= 32;
        s->acc = s->fill > 0 ? v >> (n - s->fill) : 0u;
    }
}

/*
 * The window (and, unless mask4 is NULL, the mask of a window with padded taps) as bnn_bconv_gather_full /
 * bnn_bconv_gather_border would gather them, but stored broadcast (bnn_bits_put_x4) for the four-channel
 * kernels, and unrolled over all taps for the specialised shapes: a padded tap reads nothing and appends 0 bits
 * to the window and to the mask.
 */
BNN_ALWAYS_INLINE void bnn_bconv_gather_x4(const bnn_window_geom *g, const uint32_t *input, const bnn_taps *t,
                                          uint32_t *window4, uint32_t *mask4, int32_t c, int32_t kh, int32_t kw)
{
    const int32_t nw = (c + 31) / 32;
    bnn_bit_writer wb = { window4, 0u, 0 };
    bnn_bit_writer mb = { mask4, 0u, 0 };
    int32_t ky = 0;
    int32_t kx = 0;
    BNN_UNROLLED(kh * kw, for (int32_t k = 0; k < kh * kw; ++k) {
        const int in = mask4 == 0 || (ky >= t->ky0 && ky < t->ky1 && kx >= t->kx0 && kx < t->kx1);
        const int32_t pixel = (t->iy0 + ky * g->win.dil_h) * g->in.w + t->ix0 + kx * g->win.dil_w;
        BNN_UNROLLED(nw, for (int32_t j = 0; j < nw; ++j) {
            const int32_t n = j < nw - 1 ? 32 : c - 32 * (nw - 1);
            uint32_t v = 0u;
            if (in) {
                v = input[pixel * nw + j];
            }
            bnn_bits_put_x4(&wb, v, n);
            if (mask4 != 0) {
                bnn_bits_put_x4(&mb, in ? bnn_low_bits(n) : 0u, n);
            }
        })
        if (++kx == kw) {
            kx = 0;
            ++ky;
        }
    })
    if (wb.fill > 0) {
        vst1q_u32(wb.out, vdupq_n_u32(wb.acc));
    }
    if (mask4 != 0 && mb.fill > 0) {
        vst1q_u32(mb.out, vdupq_n_u32(mb.acc));
    }
}
#endif

/** Bits [pos, pos + n) of the bit string w (n in 1..32, the string at least pos + n bits long), low-aligned. */
static inline uint32_t bnn_bits_get(const uint32_t *w, int32_t pos, int32_t n)
{
    const int32_t q = pos / 32;
    const int32_t r = pos % 32;
    uint32_t v = w[q] >> r;
    if (r > 0 && r + n > 32) {
        v |= w[q + 1] << (32 - r);
    }
    return v & bnn_low_bits(n);
}

/**
 * Mismatches of one filter at one pixel, tap by tap, for windows larger than BNN_WINDOW_WORDS: each in-bounds
 * tap's words are XORed with the filter's bits of that tap, cut out of its string.
 */
static inline int32_t bnn_bconv_mismatches_by_tap(const bnn_window_geom *g, const uint32_t *input,
                                                  const uint32_t *w_oc, const bnn_taps *t)
{
    const int32_t c = g->in.c;
    const int32_t nw = (c + 31) / 32;
    uint32_t x[1];
    uint32_t mismatches = 0;
    for (int32_t ky = t->ky0; ky < t->ky1; ++ky) {
        const int32_t row = (t->iy0 + ky * g->win.dil_h) * g->in.w + t->ix0;
        for (int32_t kx = t->kx0; kx < t->kx1; ++kx) {
            const uint32_t *a = input + (row + kx * g->win.dil_w) * nw;
            const int32_t pos = (ky * g->win.kw + kx) * c;
            for (int32_t j = 0; j < nw; ++j) {
                const int32_t n = j < nw - 1 ? 32 : c - 32 * j;
                x[0] = bnn_bits_get(w_oc, pos + 32 * j, n);
                mismatches += bnn_xor_popcount(a + j, x, 1);
            }
        }
    }
    return (int32_t)mismatches;
}
