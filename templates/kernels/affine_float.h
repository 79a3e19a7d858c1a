/* The bconv affine epilogue on cores with an FPU (affine_exact.h computes the same bits in integer arithmetic). */

/** fl(d * mult + offset) * pow2: the exact int32 fixed-point value rounded to float once, scaled by 2^e exactly. */
static inline float bnn_dot_affine(int32_t d, int32_t mult, int32_t offset, float pow2)
{
    return (float)(d * mult + offset) * pow2;
}
