/** PRelu / LeakyRelu per channel: out = in * slope[c] where in < 0, else in (-0 and NaN pass through). */
void bnn_prelu_f32(const bnn_shape *s, const float *input, const float *slope, float *output)
{
    const int32_t plane = s->h * s->w;
    for (int32_t c = 0; c < s->c; ++c) {
        const float a = slope[c];
        for (int32_t i = c * plane; i < (c + 1) * plane; ++i) {
            const float v = input[i];
            output[i] = v < 0.0f ? v * a : v;
        }
    }
}
