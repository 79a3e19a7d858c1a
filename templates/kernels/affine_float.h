/* The bconv affine epilogue on cores with an FPU: the float expression itself (affine_exact.h emulates it). */

/** (float)d * s + h: the product rounded to float, then the sum. */
static inline float bnn_dot_affine(int32_t d, float s, float h)
{
    return (float)d * s + h;
}
