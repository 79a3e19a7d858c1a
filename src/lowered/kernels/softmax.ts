import type { SoftmaxF32 } from '../program.js';

/**
 * Softmax / LogSoftmax over one vector, mirror of templates/kernels/bnn_softmax_f32.c, with the C file's own
 * exp and log (no libm at run time): every float operation is rounded to float32 as the C rounds it.
 * m = max (first of equal values; `v > m` in order), e_i = exp(x_i - m), sum = e_0 + e_1 + ... in order; softmax
 * writes e_i / sum, log-softmax writes (x_i - m) - log(sum).
 */
export function softmaxF32(s: SoftmaxF32, input: Float32Array, output: Float32Array): void {
  const f = Math.fround;
  let m = input[0]!;
  for (let i = 1; i < s.size; i++) if (input[i]! > m) m = input[i]!;
  let sum = 0;
  for (let i = 0; i < s.size; i++) {
    const e = expF32(f(input[i]! - m));
    output[i] = e;
    sum = f(sum + e);
  }
  if (s.log) {
    const ls = logF32(sum);
    for (let i = 0; i < s.size; i++) output[i] = f(f(input[i]! - m) - ls);
  } else {
    for (let i = 0; i < s.size; i++) output[i] = f(output[i]! / sum);
  }
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

function fromBits(bits: number): number {
  u32[0] = bits >>> 0;
  return f32[0]!;
}

function bitsOf(v: number): number {
  f32[0] = v;
  return u32[0]!;
}

const LOG2E = Math.fround(1.4426950408889634);
/** ln 2 split so that n * LN2_HI is exact for |n| < 256 (the high part has 16 significant bits; |n| <= 151 here). */
const LN2_HI = 0.693145751953125;
const LN2_LO = Math.fround(1.428606765330187e-6);
/** Taylor coefficients 1/k! for k = 2..6, as float32. */
const EXP_C = [1 / 2, 1 / 6, 1 / 24, 1 / 120, 1 / 720].map(Math.fround);

/**
 * exp for x <= 0 (softmax arguments; NaN passes through, below -104 gives 0): x = n*ln2 + r with |r| <= ln2/2,
 * exp(r) by a degree-6 polynomial in Horner form, times 2^n built from its bits (two factors below 2^-126).
 */
export function expF32(x: number): number {
  const f = Math.fround;
  if (x !== x) return x;
  if (x < -104) return 0;
  const t = f(x * LOG2E);
  const n = Math.trunc(f(t + (t < 0 ? -0.5 : 0.5)));
  let r = f(x - f(n * LN2_HI));
  r = f(r - f(n * LN2_LO));
  let p = EXP_C[4]!;
  for (let k = 3; k >= 0; k--) p = f(f(p * r) + EXP_C[k]!);
  p = f(f(p * r) + 1);
  p = f(f(p * r) + 1);
  if (n >= -126) return f(p * fromBits((n + 127) << 23));
  return f(f(p * fromBits((-63 + 127) << 23)) * fromBits((n + 63 + 127) << 23));
}

const SQRT2 = Math.fround(Math.SQRT2);
const LOG_C = [1 / 3, 1 / 5, 1 / 7, 1 / 9].map(Math.fround);

/**
 * log for a positive normal x (a softmax sum is >= 1): x = 2^e * m with m in (sqrt(1/2), sqrt(2)], then
 * log(m) = 2s + 2s*(z/3 + z^2/5 + z^3/7 + z^4/9), s = (m-1)/(m+1), z = s^2; result e*LN2_HI + (e*LN2_LO + log m).
 */
export function logF32(x: number): number {
  const f = Math.fround;
  const bits = bitsOf(x);
  let e = (bits >>> 23) - 127;
  let m = fromBits((bits & 0x7fffff) | 0x3f800000);
  if (m > SQRT2) {
    m = f(m * 0.5);
    e += 1;
  }
  const g = f(m - 1);
  const s = f(g / f(2 + g));
  const z = f(s * s);
  let q = LOG_C[3]!;
  for (let k = 2; k >= 0; k--) q = f(f(q * z) + LOG_C[k]!);
  q = f(q * z);
  const d = f(s + s);
  const lm = f(d + f(d * q));
  return f(f(e * LN2_HI) + f(f(e * LN2_LO) + lm));
}
