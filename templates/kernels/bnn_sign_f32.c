/**
 * ONNX Sign on `size` floats: +1 for x > 0, -1 for x < 0; +0, -0 and NaN fail both comparisons and pass through
 * unchanged. Only the float path (binarization disabled) calls it; binary layers pack signs instead.
 */
void bnn_sign_f32(int32_t size, const float *input, float *output)
{
    for (int32_t i = 0; i < size; ++i) {
        const float v = input[i];
        output[i] = v > 0.0f ? 1.0f : (v < 0.0f ? -1.0f : v);
    }
}
