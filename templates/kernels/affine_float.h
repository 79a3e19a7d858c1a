/* The bconv affine epilogue on cores with an FPU (affine_exact.h computes the same bits in integer arithmetic). */

/** fl(d * mult + offset) * pow2: the exact int32 fixed-point value rounded to float once, scaled by 2^e exactly. */
static inline float bnn_dot_affine(int32_t d, int32_t mult, int32_t offset, float pow2)
{
    return (float)(d * mult + offset) * pow2;
}

/*
 * One output channel's epilogue for windows of a given number of in-bounds bits, taken once for several outputs
 * (as affine_exact.h's): d * mult + offset = base - step * mismatches, unsigned as step * mismatches alone may
 * pass 2^31.
 */
typedef struct {
    uint32_t base;
    uint32_t step;
    float pow2;
} bnn_affine_channel;

static inline bnn_affine_channel bnn_affine_channel_get(int32_t bits, int32_t mult, int32_t offset, float pow2)
{
    const bnn_affine_channel ch = { (uint32_t)(bits * mult + offset), 2u * (uint32_t)mult, pow2 };
    return ch;
}

/** bnn_dot_affine(bits - 2 * mismatches, mult, offset, pow2) for the channel's constants. */
static inline float bnn_affine_channel_output(const bnn_affine_channel *ch, uint32_t mismatches)
{
    return (float)(int32_t)(ch->base - ch->step * mismatches) * ch->pow2;
}
