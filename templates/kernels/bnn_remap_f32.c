/* Output columns [*lo, *hi) whose source column x*step + start lies in [0, size). */
static inline void bnn_remap_inside(int32_t n, int32_t start, int32_t step, int32_t size, int32_t *lo, int32_t *hi)
{
    int32_t a = 0;
    int32_t b = n;
    while (a < n && a * step + start < 0) {
        ++a;
    }
    while (b > a && (b - 1) * step + start >= size) {
        --b;
    }
    *lo = a;
    *hi = b;
}

/**
 * Strided copy with constant fill: out[c][y][x] = in[c*step[0] + start[0]][y*step[1] + start[1]][x*step[2] +
 * start[2]] when that index lies inside the input, else fill (Slice, Pad, option-A shortcuts). Tensors CHW.
 */
void bnn_remap_f32(const bnn_remap_geom *g, float fill, const float *input, float *output)
{
    int32_t x0, x1;
    bnn_remap_inside(g->out.w, g->start[2], g->step[2], g->in.w, &x0, &x1);
    float *out = output;
    for (int32_t c = 0; c < g->out.c; ++c) {
        const int32_t ic = c * g->step[0] + g->start[0];
        for (int32_t y = 0; y < g->out.h; ++y) {
            const int32_t iy = y * g->step[1] + g->start[1];
            if (ic < 0 || ic >= g->in.c || iy < 0 || iy >= g->in.h) {
                for (int32_t x = 0; x < g->out.w; ++x) {
                    *out++ = fill;
                }
                continue;
            }
            int32_t x = 0;
            for (; x < x0; ++x) {
                *out++ = fill;
            }
            if (x0 < x1) {
                const float *src = input + (ic * g->in.h + iy) * g->in.w + x0 * g->step[2] + g->start[2];
                for (; x < x1; ++x) {
                    *out++ = *src;
                    src += g->step[2];
                }
            }
            for (; x < g->out.w; ++x) {
                *out++ = fill;
            }
        }
    }
}
