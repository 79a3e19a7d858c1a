/**
 * templates/kernels/affine_exact.h: the bconv epilogue (float)d * s + h in integer arithmetic, for cores without
 * an FPU. It must give the float expression's bits for every input. The helper is compiled on the host in all four
 * of its configurations (clz instruction or not, 32x32->64 multiply or not) and compared bit for bit with the
 * host's float expression (SSE: IEEE binary32, no FMA under -ffp-contract=off) and with the reference executor's
 * arithmetic (Math.fround), on every d in [-2048, 2048] with many s and h, on the special values, and on
 * constructed halfway cases of both roundings. A bconv program is also run end to end with the exact epilogue.
 */
import assert from 'node:assert/strict';
import { executeProgram } from '../../src/lowered/execute.js';
import type { Target } from '../../src/targets/target.js';
import { planMemory } from '../../src/phases/6-plan/plan.js';
import { emitC } from '../../src/phases/7-emit/emit.js';
import { bitsOf, CONFIGS, floatOf, hex, isNaNBits, runTriples } from './softfloat-harness.js';
import { buildAndRun, firstBitDifference, HOST_TARGET, SANITIZE_CFLAGS } from './lowered-host.js';
import { ProgramBuilder, randomActivations, randomSignWeights, Rng } from './lowered-fixtures.js';

/** One input of the epilogue: the dot and the bit patterns of scale and shift. */
interface Case {
  readonly d: number;
  readonly s: number;
  readonly h: number;
}

/** The harness: reads (d, s bits, h bits) triples, writes the helper's result bits and the float expression's. */
const HARNESS = `#include <stdint.h>
#include <stdio.h>
#define BNN_ALWAYS_INLINE static inline __attribute__((always_inline))
#include "softfloat_exact.h"
#include "affine_exact.h"

static float plain(int32_t d, float s, float h)
{
    return (float)d * s + h;
}

int main(void)
{
    int32_t in[3];
    while (fread(in, sizeof in, 1, stdin) == 1) {
        const float s = bnn_bits_float((uint32_t)in[1]);
        const float h = bnn_bits_float((uint32_t)in[2]);
        const uint32_t out[2] = { bnn_float_bits(bnn_dot_affine(in[0], s, h)), bnn_float_bits(plain(in[0], s, h)) };
        fwrite(out, sizeof out, 1, stdout);
    }
    return 0;
}
`;

/** Runs the helper compiled with `defines` on the cases: [helper bits, float expression bits] per case. */
function runHelper(cases: readonly Case[], defines: readonly string[]): Uint32Array {
  const input = new Uint32Array(cases.length * 3);
  cases.forEach((c, i) => input.set([c.d >>> 0, c.s >>> 0, c.h >>> 0], i * 3));
  return runTriples(['softfloat_exact.h', 'affine_exact.h'], HARNESS, input, defines);
}

/** The reference executor's arithmetic: exact product in double (|d| <= 2^16), rounded, summed, rounded. */
function reference(c: Case): number {
  return bitsOf(Math.fround(Math.fround(c.d * floatOf(c.s)) + floatOf(c.h)));
}

/** Asserts, in every configuration, helper == float expression (bits, NaN payloads included) == reference. */
function assertExact(cases: readonly Case[]): void {
  for (const defines of CONFIGS) {
    const out = runHelper(cases, defines);
    cases.forEach((c, i) => {
      const [got, want] = [out[2 * i]!, out[2 * i + 1]!];
      const what = `${defines.join(' ')}: d=${c.d} s=${hex(c.s)} h=${hex(c.h)}`;
      assert.equal(hex(got), hex(want), `${what}: helper vs float expression`);
      if (Math.abs(c.d) <= 65536) {
        const ref = reference(c);
        assert.ok(isNaNBits(ref) ? isNaNBits(want) : ref === want, `${what}: float expression ${hex(want)} vs reference ${hex(ref)}`);
      }
    });
  }
}

/** A BatchNorm-like float: magnitude 2^-8..2^4, either sign, full random significand. */
function bnLike(r: Rng): number {
  return bitsOf(Math.fround((r.next() < 0.5 ? -1 : 1) * (1 + r.next()) * 2 ** r.int(-8, 4)));
}

/** The float just above b's magnitude (same sign), or just below. */
const neighbour = (b: number, step: 1 | -1): number => (b + step) >>> 0;

/** Magnitude of the unit in the last place of the float x (normal). */
const ulp = (x: number): number => 2 ** (Math.floor(Math.log2(Math.abs(x))) - 23);

describe('exact integer bconv epilogue (affine_exact.h)', function () {
  this.timeout(300_000);

  it('equals the float expression for every d in [-2048, 2048] with random and BatchNorm-like s, h, and every |d| < 2^16', () => {
    const r = new Rng(2026);
    const cases: Case[] = [];
    for (let d = -2048; d <= 2048; d++) {
      for (let k = 0; k < 64; k++) {
        const kind = k % 4;
        // Random bit patterns (any exponent, NaNs, infinities); BN-like; and h near -d*s for cancellations.
        const s = kind === 0 ? r.u32() : bnLike(r);
        const h = kind === 0 ? r.u32() : kind === 3 ? bitsOf(Math.fround(-d * floatOf(s) * (1 + r.float(2 ** -r.int(1, 30))))) : bnLike(r);
        cases.push({ d, s, h });
      }
    }
    // Every |d| the fast path takes (up to 2^16 - 1, so every normalising shift of d), once each sign.
    for (let a = 2049; a < 65536; a++) cases.push({ d: a, s: bnLike(r), h: bnLike(r) }, { d: -a, s: bnLike(r), h: bnLike(r) });
    assertExact(cases);
  });

  it('equals the float expression on zeros, subnormals, infinities, NaNs, overflow and subnormal results', () => {
    const magnitudes = [0, 1, 0x7fffff, 0x800000, 0x800001, 0x3f800000, 0x3f7fffff, 0x4b800000, 0x7f7fffff, 0x7f800000, 0x7f800001, 0x7fc00000, 0x7fc12345, 0x00400000];
    const specials = magnitudes.flatMap((m) => [m, (m | 0x80000000) >>> 0]);
    const ds = [0, 1, -1, 2, -2, 3, -3, 255, -256, 65535, -65535, 65536, -65536, 65537, 2147483647, -2147483648];
    const cases: Case[] = [];
    for (const d of ds) for (const s of specials) for (const h of specials) cases.push({ d, s, h });
    // Cancellation to +0 (either sign of the product), results just above, at and below the smallest normal.
    const r = new Rng(7);
    for (let i = 0; i < 2000; i++) {
      const d = r.int(-3000, 3000) || 1;
      const s = r.next() < 0.5 ? bnLike(r) : bitsOf(Math.fround((1 + r.next()) * 2 ** r.int(-130, -110)));
      const p = Math.fround(d * floatOf(s));
      const h = bitsOf(-p);
      cases.push({ d, s, h }, { d, s, h: neighbour(h, 1) }, { d, s, h: neighbour(h, -1) });
      // |d * s| near FLT_MAX: the product or the sum overflows.
      const big = bitsOf(Math.fround(3.4e38 / Math.abs(d) * (1 + r.float(0.01))));
      cases.push({ d, s: big, h: bitsOf(Math.fround(3.4e38 * r.float(0.02))) });
    }
    assertExact(cases);
  });

  it('rounds halfway cases of the product and of the sum to even', () => {
    const r = new Rng(11);
    const cases: Case[] = [];
    const hits = { product: 0, sum: 0 };
    for (let i = 0; i < 20000; i++) {
      // Product: a = |d| odd and s's significand chosen mod 2^c so that a * significand ends in 1 followed by
      // c - 1 zeros, c = the bits below the 24 kept (the inverse of a mod 2^c exists for odd a).
      const a = 2 * r.int(0, 2000) + 1;
      const d = r.next() < 0.5 ? -a : a;
      let sig = 0x800000 + r.int(0, 0x7fffff);
      const c = Math.max(1, Math.ceil(Math.log2(a * sig + 1)) - 24);
      const mod = 2 ** c;
      let inv = 1n;
      for (let k = 0; k < 6; k++) inv = (((inv * (2n - BigInt(a) * inv)) % BigInt(mod)) + BigInt(mod)) % BigInt(mod);
      sig = sig - (sig % mod) + Number((BigInt(mod / 2) * inv) % BigInt(mod));
      const exp = r.int(100, 150);
      const s = ((r.next() < 0.5 ? 0x80000000 : 0) | (exp << 23) | (sig & 0x7fffff)) >>> 0;
      const exact = BigInt(a) * BigInt(sig);
      const cut = BigInt(Math.max(0, exact.toString(2).length - 24));
      if (cut > 0n && exact % (1n << cut) === 1n << (cut - 1n)) hits.product++;
      cases.push({ d, s, h: bnLike(r) }, { d, s, h: bitsOf(Math.fround(floatOf(s) * 2 ** r.int(-30, 30))) });
      // Sum: h = an odd multiple of half an ulp of p (so p + h is a tie), and its neighbours (just off the tie).
      const s2 = bnLike(r);
      const p = Math.fround(d * floatOf(s2));
      const odd = 2 * r.int(0, 2 ** r.int(0, 22)) + 1;
      const h = bitsOf(Math.fround((r.next() < 0.5 ? -1 : 1) * odd * ulp(p) / 2));
      if (floatOf(h) === (floatOf(h) < 0 ? -1 : 1) * odd * ulp(p) / 2) hits.sum++;
      cases.push({ d, s: s2, h }, { d, s: s2, h: neighbour(h, 1) }, { d, s: s2, h: neighbour(h, -1) });
      // And the other way round: p an odd multiple of half an ulp of h (d a power of two keeps p exact).
      const hb = bnLike(r);
      const j = r.int(0, 10);
      const sp = Math.fround((r.next() < 0.5 ? -1 : 1) * odd * ulp(floatOf(hb)) / 2 / 2 ** j);
      cases.push({ d: (r.next() < 0.5 ? -1 : 1) * 2 ** j, s: bitsOf(sp), h: hb });
    }
    assert.ok(hits.product > 15000, `${hits.product} product ties constructed`);
    assert.ok(hits.sum > 15000, `${hits.sum} sum ties constructed`);
    assertExact(cases);
  });

  it('is what the bconv kernel uses on FPU-less targets only, and keeps a bconv program bit-exact there', () => {
    const noFpu: Target = { ...HOST_TARGET, name: 'host-nofpu', fpu: false };
    const r = new Rng(3);
    const b = new ProgramBuilder('bnaffine', [24, 7, 7]);
    const oc = 20;
    // BatchNorm-like scales and shifts: full significands, so the product and the sum both round.
    const scale = Float32Array.from({ length: oc }, () => floatOf(bnLike(r)));
    const shift = Float32Array.from({ length: oc }, () => floatOf(bnLike(r)));
    const window = { kH: 3, kW: 3, strideH: 1, strideW: 1, padTop: 1, padLeft: 1, dilH: 1, dilW: 1 };
    const bits = b.packSign(b.input);
    const p = planMemory(b.finish(b.bconv(bits, window, [7, 7], randomSignWeights(r, oc, 3, 3, 24), { scale, shift }))).program;
    const kernelSource = (t: Target) => emitC(p, t).get('bnn_kernels.c')!;
    assert.match(kernelSource(noFpu), /bnn_product_bits/);
    assert.doesNotMatch(kernelSource(HOST_TARGET), /bnn_product_bits/);
    const files = new Map([...emitC(p, noFpu)].filter(([name]) => /\.[ch]$/.test(name)));
    const samples = [[0, 1, 2].map(() => randomActivations(r, 24 * 7 * 7))];
    for (const flags of [[], SANITIZE_CFLAGS]) {
      const out = buildAndRun(files, [p], samples, flags);
      samples[0]!.forEach((x, i) => {
        const want = executeProgram(p, x);
        const at = firstBitDifference(want, out[0]![i]!);
        assert.equal(at, -1, `sample ${i}: output[${at}] C ${out[0]![i]![at]} vs reference ${want[at]}`);
      });
    }
  });
});
