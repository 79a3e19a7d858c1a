/* The bits of a float and the float of given bits (IEEE binary32), for kernels that work on the representation. */

static inline uint32_t bnn_float_bits(float x)
{
    union {
        float f;
        uint32_t u;
    } v;
    v.f = x;
    return v.u;
}

static inline float bnn_bits_float(uint32_t u)
{
    union {
        float f;
        uint32_t u;
    } v;
    v.u = u;
    return v.f;
}
