/** Global average pool: per channel, the sum of its H*W values in order from 0, divided by H*W. Output [C]. */
void bnn_global_avgpool_f32(const bnn_shape *s, const float *input, float *output)
{
    const int32_t plane = s->h * s->w;
    for (int32_t c = 0; c < s->c; ++c) {
        const float *in_c = input + c * plane;
        float sum = 0.0f;
        for (int32_t i = 0; i < plane; ++i) {
            sum += in_c[i];
        }
        output[c] = sum / (float)plane;
    }
}
