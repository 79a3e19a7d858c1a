/**
 * templates/kernels/affine_exact.h: the fixed-point bconv epilogue fl(d * mult + offset) * pow2 in integer
 * arithmetic, for cores without an FPU. It must give the float expression's bits (affine_float.h) for every int32
 * value and every power of two the compiler chooses (phases/5-lower/fixed-affine.ts: 2^-126..2^96). The helper is
 * compiled on the host with and without a clz instruction and compared bit for bit with the host's float expression
 * (SSE, IEEE binary32) and with the reference executor's arithmetic (Math.fround): on every |value| < 2^18, on
 * random values over the whole int32 range, on constructed halfway cases and their neighbours, and at the extremes.
 * A bconv program is also run end to end with the exact epilogue.
 */
import assert from 'node:assert/strict';
import { fixedAffineOutput } from '../../src/lowered/kernels/bconv2d.js';
import type { Target } from '../../src/targets/target.js';
import { planMemory } from '../../src/phases/6-plan/plan.js';
import { emitC } from '../../src/phases/7-emit/emit.js';
import { bitsOf, CONFIGS, floatOf, hex, runTriples } from './softfloat-harness.js';
import { assertHostBitExact, HOST_TARGET } from './lowered-host.js';
import { ProgramBuilder, randomActivations, randomSignWeights, Rng } from './lowered-fixtures.js';

/** One input of the epilogue: the int32 value d * mult + offset (as d, with mult 1 and offset 0) and the exponent. */
interface Case {
  readonly t: number;
  readonly e: number;
}

/** The harness: reads (t, pow2 bits, unused) triples, writes the helper's result bits and the float expression's. */
const HARNESS = `#include <stdint.h>
#include <stdio.h>
#define BNN_ALWAYS_INLINE static inline __attribute__((always_inline))
#include "float_bits.h"
#include "softfloat_exact.h"
#include "affine_exact.h"

static float plain(int32_t t, float pow2)
{
    return (float)t * pow2;
}

int main(void)
{
    int32_t in[3];
    while (fread(in, sizeof in, 1, stdin) == 1) {
        const float pow2 = bnn_bits_float((uint32_t)in[1]);
        const uint32_t out[2] = { bnn_float_bits(bnn_dot_affine(in[0], 1, 0, pow2)), bnn_float_bits(plain(in[0], pow2)) };
        fwrite(out, sizeof out, 1, stdout);
    }
    return 0;
}
`;

const pow2Bits = (e: number): number => ((127 + e) << 23) >>> 0;

/** Asserts, with and without a clz instruction, helper == float expression == reference, bit for bit. */
function assertExact(cases: readonly Case[]): void {
  const input = new Uint32Array(cases.length * 3);
  cases.forEach((c, i) => input.set([c.t >>> 0, pow2Bits(c.e), 0], i * 3));
  for (const defines of CONFIGS.filter((d) => d.includes('-DBNN_WIDE_MULTIPLY=1'))) {
    const out = runTriples(['float_bits.h', 'softfloat_exact.h', 'affine_exact.h'], HARNESS, input, defines);
    cases.forEach((c, i) => {
      const [got, want] = [out[2 * i]!, out[2 * i + 1]!];
      const what = `${defines.join(' ')}: t=${c.t} e=${c.e}`;
      assert.equal(hex(got), hex(want), `${what}: helper vs float expression`);
      assert.equal(hex(bitsOf(fixedAffineOutput(c.t, 1, 0, floatOf(pow2Bits(c.e))))), hex(want), `${what}: reference vs float expression`);
    });
  }
}

/** The exponents the compiler can choose, both ends included. */
const exponent = (r: Rng): number => r.pick([-126, 96, 0, r.int(-126, 96), r.int(-40, 10)]);

describe('exact integer bconv epilogue (affine_exact.h)', function () {
  this.timeout(300_000);

  it('equals the float expression for every |value| < 2^18 and for random values over the whole int32 range', () => {
    const r = new Rng(2026);
    const cases: Case[] = [];
    for (let t = -(2 ** 18) + 1; t < 2 ** 18; t++) cases.push({ t, e: exponent(r) });
    for (let i = 0; i < 300_000; i++) {
      // Every bit length, so every normalising shift, and full random low bits.
      const bits = r.int(1, 31);
      const t = (r.u32() >>> (32 - bits)) | 0;
      cases.push({ t: r.next() < 0.5 ? t : -t, e: exponent(r) });
    }
    assertExact(cases);
  });

  it('rounds halfway values to even, and their neighbours to nearest, at every bit length above 24', () => {
    const r = new Rng(11);
    const cases: Case[] = [];
    for (let length = 25; length <= 31; length++) {
      const cut = length - 24;
      for (let i = 0; i < 4000; i++) {
        // A 24-bit significand (odd or even) followed by exactly one half of its last place.
        const significand = 2 ** 23 + r.int(0, 2 ** 23 - 1);
        const tie = significand * 2 ** cut + 2 ** (cut - 1);
        if (tie >= 2 ** 31) continue;
        for (const t of [tie, tie - 1, tie + 1]) {
          if (t < 2 ** 31) cases.push({ t, e: exponent(r) }, { t: -t, e: exponent(r) });
        }
      }
    }
    assert.ok(cases.length > 150_000, `${cases.length} cases constructed`);
    assertExact(cases);
  });

  it('is exact at the extremes: zero, one, the largest values, and the exponent range ends', () => {
    const ts = [0, 1, -1, 2 ** 24 - 1, 2 ** 24, 2 ** 24 + 1, 2 ** 24 + 3, 2 ** 30, -(2 ** 30), 2 ** 31 - 1, -(2 ** 31 - 1), 2 ** 31 - 64, 2 ** 31 - 65];
    const cases = ts.flatMap((t) => [-126, -125, -1, 0, 1, 95, 96].map((e) => ({ t, e })));
    assertExact(cases);
  });

  it('is what the bconv kernel uses on FPU-less targets only, and keeps a bconv program bit-exact there', () => {
    const noFpu: Target = { ...HOST_TARGET, name: 'host-nofpu', fpu: false };
    const r = new Rng(3);
    const b = new ProgramBuilder('bnaffine', [24, 7, 7]);
    const oc = 20;
    // BatchNorm-like scales and shifts of both signs and of very different sizes.
    const bnLike = () => Math.fround((r.next() < 0.5 ? -1 : 1) * (1 + r.next()) * 2 ** r.int(-8, 4));
    const scale = Float32Array.from({ length: oc }, bnLike);
    const shift = Float32Array.from({ length: oc }, bnLike);
    const window = { kH: 3, kW: 3, strideH: 1, strideW: 1, padTop: 1, padLeft: 1, dilH: 1, dilW: 1 };
    const bits = b.packSign(b.input);
    const p = planMemory(b.finish(b.bconv(bits, window, [7, 7], randomSignWeights(r, oc, 3, 3, 24), { scale, shift }))).program;
    const kernelSource = (t: Target) => emitC(p, t).get('bnn_kernels.c')!;
    assert.match(kernelSource(noFpu), /bnn_normalize_shift\(a\)/);
    assert.doesNotMatch(kernelSource(HOST_TARGET), /bnn_normalize_shift/);
    assertHostBitExact(p, noFpu, [0, 1, 2].map(() => randomActivations(r, 24 * 7 * 7)));
  });
});
