/*
 * XOR-popcount of word runs with Arm Helium (MVE), four words per vector. MVE has no popcount instruction, so
 * the SWAR steps run on the sixteen bytes of a vector at once (each byte ends with its own count, at most 8)
 * and VADDVA.U8 adds the sixteen counts into the scalar total. The last, partial vector is tail-predicated
 * (VCTP): inactive lanes are neither loaded nor counted, so no scalar tail loop is needed and nothing past the
 * run is read.
 */
#if !defined(__ARM_FEATURE_MVE)
#error "popcount variant 'mve' needs Helium (e.g. -mcpu=cortex-m55 -mfloat-abi=hard)"
#endif

#include <arm_mve.h>

/** Number of set bits of a[i] ^ w[i] over the n words (n >= 0). */
static inline uint32_t bnn_xor_popcount(const uint32_t *a, const uint32_t *w, int32_t n)
{
    const uint8x16_t m1 = vdupq_n_u8(0x55);
    const uint8x16_t m2 = vdupq_n_u8(0x33);
    const uint8x16_t m4 = vdupq_n_u8(0x0F);
    uint32_t total = 0;
    for (; n > 0; n -= 4, a += 4, w += 4) {
        const mve_pred16_t active = vctp32q((uint32_t)n);
        uint8x16_t x = vreinterpretq_u8_u32(veorq_u32(vldrwq_z_u32(a, active), vldrwq_z_u32(w, active)));
        x = vsubq_u8(x, vandq_u8(vshrq_n_u8(x, 1), m1));
        x = vaddq_u8(vandq_u8(x, m2), vandq_u8(vshrq_n_u8(x, 2), m2));
        x = vandq_u8(vaddq_u8(x, vshrq_n_u8(x, 4)), m4);
        total = vaddvaq_u8(total, x);
    }
    return total;
}
