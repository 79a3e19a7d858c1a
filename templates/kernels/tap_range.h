/*
 * In-bounds taps of a window along one axis: tap k reads input coordinate base + k*dil (base is negative inside
 * the top/left padding). The in-bounds taps form the range [*first, *end); kernels skip the others, which is
 * exact zero padding for float and binary convolutions alike.
 */
static inline void bnn_tap_range(int32_t base, int32_t dil, int32_t k, int32_t size, int32_t *first, int32_t *end)
{
    int32_t lo = 0;
    int32_t hi = k;
    /* Most windows lie wholly inside: two compares instead of the loops. */
    if (base >= 0 && base + (k - 1) * dil < size) {
        *first = 0;
        *end = k;
        return;
    }
    while (lo < k && base + lo * dil < 0) {
        ++lo;
    }
    while (hi > lo && base + (hi - 1) * dil >= size) {
        --hi;
    }
    *first = lo;
    *end = hi;
}

/* One window position: input coordinates of tap (0, 0) and the in-bounds tap ranges. */
typedef struct {
    int32_t iy0, ix0;
    int32_t ky0, ky1;
    int32_t kx0, kx1;
} bnn_taps;

static inline void bnn_taps_row(const bnn_window_geom *g, int32_t oy, bnn_taps *t)
{
    t->iy0 = oy * g->win.stride_h - g->win.pad_top;
    bnn_tap_range(t->iy0, g->win.dil_h, g->win.kh, g->in.h, &t->ky0, &t->ky1);
}

static inline void bnn_taps_col(const bnn_window_geom *g, int32_t ox, bnn_taps *t)
{
    t->ix0 = ox * g->win.stride_w - g->win.pad_left;
    bnn_tap_range(t->ix0, g->win.dil_w, g->win.kw, g->in.w, &t->kx0, &t->kx1);
}
