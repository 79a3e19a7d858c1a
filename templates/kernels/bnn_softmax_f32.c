/* exp and log for bnn_softmax_f32, float operations only (no libm); src/lowered/kernels/softmax.ts mirrors them. */
static float bnn_pow2_f32(int32_t n)
{
    return bnn_bits_float((uint32_t)(n + 127) << 23);
}

/* exp(x) for x <= 0: x = n*ln2 + r, exp(r) by a degree-6 polynomial, times 2^n (two factors below 2^-126). */
static float bnn_softmax_exp(float x)
{
    if (x != x) {
        return x;
    }
    if (x < -104.0f) {
        return 0.0f;
    }
    const float t = x * 0x1.715476p+0f;
    const int32_t n = (int32_t)(t + (t < 0.0f ? -0.5f : 0.5f));
    const float nf = (float)n;
    float r = x - nf * 0x1.62e4p-1f;
    r = r - nf * 0x1.7f7d1cp-20f;
    float p = 0x1.6c16c2p-10f;
    p = p * r + 0x1.111112p-7f;
    p = p * r + 0x1.555556p-5f;
    p = p * r + 0x1.555556p-3f;
    p = p * r + 0x1p-1f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    if (n >= -126) {
        return p * bnn_pow2_f32(n);
    }
    return p * bnn_pow2_f32(-63) * bnn_pow2_f32(n + 63);
}

/* log(x) for a positive normal x: x = 2^e * m, m in (sqrt(1/2), sqrt(2)], log(m) by the atanh series in s. */
static float bnn_softmax_log(float x)
{
    const uint32_t u = bnn_float_bits(x);
    int32_t e = (int32_t)(u >> 23) - 127;
    float m = bnn_bits_float((u & 0x7fffffu) | 0x3f800000u);
    if (m > 0x1.6a09e6p+0f) {
        m = m * 0.5f;
        e += 1;
    }
    const float g = m - 1.0f;
    const float s = g / (2.0f + g);
    const float z = s * s;
    float q = 0x1.c71c72p-4f;
    q = q * z + 0x1.24924ap-3f;
    q = q * z + 0x1.99999ap-3f;
    q = q * z + 0x1.555556p-2f;
    q = q * z;
    const float d = s + s;
    const float lm = d + d * q;
    const float ef = (float)e;
    return ef * 0x1.62e4p-1f + (ef * 0x1.7f7d1cp-20f + lm);
}

/**
 * Softmax (log_softmax = 0) or LogSoftmax (log_softmax = 1) over `size` floats: m = the first largest value,
 * e_i = exp(x_i - m), sum = e_0 + e_1 + ... in order; writes e_i / sum, or (x_i - m) - log(sum).
 */
void bnn_softmax_f32(int32_t size, int32_t log_softmax, const float *input, float *output)
{
    float m = input[0];
    for (int32_t i = 1; i < size; ++i) {
        if (input[i] > m) {
            m = input[i];
        }
    }
    float sum = 0.0f;
    for (int32_t i = 0; i < size; ++i) {
        const float e = bnn_softmax_exp(input[i] - m);
        output[i] = e;
        sum = sum + e;
    }
    if (log_softmax) {
        const float ls = bnn_softmax_log(sum);
        for (int32_t i = 0; i < size; ++i) {
            output[i] = (input[i] - m) - ls;
        }
    } else {
        for (int32_t i = 0; i < size; ++i) {
            output[i] = output[i] / sum;
        }
    }
}
