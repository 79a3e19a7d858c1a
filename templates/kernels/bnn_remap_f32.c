/**
 * Strided copy with constant fill: out[c][y][x] = in[c*step[0] + start[0]][y*step[1] + start[1]][x*step[2] +
 * start[2]] when that index lies inside the input, else fill (Slice, Pad, option-A shortcuts). Tensors CHW.
 */
void bnn_remap_f32(const bnn_remap_geom *g, float fill, const float *input, float *output)
{
    float *out = output;
    for (int32_t c = 0; c < g->out.c; ++c) {
        const int32_t ic = c * g->step[0] + g->start[0];
        for (int32_t y = 0; y < g->out.h; ++y) {
            const int32_t iy = y * g->step[1] + g->start[1];
            const int32_t row_inside = ic >= 0 && ic < g->in.c && iy >= 0 && iy < g->in.h;
            for (int32_t x = 0; x < g->out.w; ++x) {
                const int32_t ix = x * g->step[2] + g->start[2];
                *out++ = row_inside && ix >= 0 && ix < g->in.w ? input[(ic * g->in.h + iy) * g->in.w + ix] : fill;
            }
        }
    }
}
