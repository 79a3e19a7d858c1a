/** Channel concatenation of CHW tensors with equal H and W: the `count` inputs copied one after the other. */
void bnn_concat_f32(int32_t count, const float *const *inputs, const int32_t *sizes, float *output)
{
    float *out = output;
    for (int32_t k = 0; k < count; ++k) {
        for (int32_t i = 0; i < sizes[k]; ++i) {
            *out++ = inputs[k][i];
        }
    }
}
