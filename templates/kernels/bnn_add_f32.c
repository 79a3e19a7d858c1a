/** Elementwise sum of two float tensors of `size` values. */
void bnn_add_f32(int32_t size, const float *a, const float *b, float *output)
{
    for (int32_t i = 0; i < size; ++i) {
        output[i] = a[i] + b[i];
    }
}
