/** Per-channel affine map: out[c][i] = in[c][i] * scale[c] + shift[c] (product rounded, then sum). */
void bnn_affine_f32(const bnn_shape *s, const float *input, const float *scale, const float *shift, float *output)
{
    const int32_t plane = s->h * s->w;
    for (int32_t c = 0; c < s->c; ++c) {
        const float k = scale[c];
        const float b = shift[c];
        for (int32_t i = c * plane; i < (c + 1) * plane; ++i) {
            output[i] = input[i] * k + b;
        }
    }
}
