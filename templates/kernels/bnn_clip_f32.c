/** Clamp to [lo, hi] with two comparisons: NaN passes through, -0 stays -0 (Relu is lo = 0, hi = +inf). */
void bnn_clip_f32(int32_t size, float lo, float hi, const float *input, float *output)
{
    for (int32_t i = 0; i < size; ++i) {
        float v = input[i];
        if (v < lo) {
            v = lo;
        }
        if (v > hi) {
            v = hi;
        }
        output[i] = v;
    }
}
