/**
 * templates/kernels/fmac_exact.h: the float convolutions' multiply-accumulate acc + w * x in integer arithmetic,
 * for cores without an FPU. It must give the float expression's bits for every input. The helper is compiled on
 * the host in all four of its configurations (clz instruction or not, 32x32->64 multiply or not) and compared bit
 * for bit with the host's float expression (SSE: IEEE binary32, no FMA under -ffp-contract=off) and with the
 * reference executor's arithmetic (Math.fround), on random bit patterns, on convolution-like chains (weights
 * ~N(0, 0.1), activations in [0, 1] with exact zeros), on the special values, on cancellations and subnormal or
 * overflowing results, and on constructed halfway cases of both roundings. Float convolution programs (the 3x3
 * stem kernel and the general one) are also run end to end with the exact multiply-accumulate.
 */
import assert from 'node:assert/strict';
import type { Window } from '../../src/lowered/program.js';
import type { Target } from '../../src/targets/target.js';
import { planMemory } from '../../src/phases/6-plan/plan.js';
import { emitC } from '../../src/phases/7-emit/emit.js';
import { loadTarget, parseTarget } from '../../src/targets/load.js';
import { bitsOf, CONFIGS, floatOf, hex, isNaNBits, runTriples } from './softfloat-harness.js';
import { assertHostBitExact, HOST_TARGET } from './lowered-host.js';
import { ProgramBuilder, randomActivations, Rng } from './lowered-fixtures.js';

/** One multiply-accumulate: the bit patterns of acc, w and x. */
interface Case {
  readonly acc: number;
  readonly w: number;
  readonly x: number;
}

/** The harness: reads (acc, w, x) bit triples, writes the helper's result bits and the float expression's. */
const HARNESS = `#include <stdint.h>
#include <stdio.h>
#define BNN_ALWAYS_INLINE static inline __attribute__((always_inline))
#include "float_bits.h"
#include "softfloat_exact.h"
#include "fmac_exact.h"

static float plain(float acc, float w, float x)
{
    acc += w * x;
    return acc;
}

int main(void)
{
    uint32_t in[3];
    while (fread(in, sizeof in, 1, stdin) == 1) {
        const float acc = bnn_bits_float(in[0]), w = bnn_bits_float(in[1]), x = bnn_bits_float(in[2]);
        const uint32_t out[2] = { bnn_float_bits(bnn_fmac(acc, w, x)), bnn_float_bits(plain(acc, w, x)) };
        fwrite(out, sizeof out, 1, stdout);
    }
    return 0;
}
`;

/** Runs the helper compiled with `defines` on the cases: [helper bits, float expression bits] per case. */
function runHelper(cases: readonly Case[], defines: readonly string[]): Uint32Array {
  const input = new Uint32Array(cases.length * 3);
  cases.forEach((c, i) => input.set([c.acc >>> 0, c.w >>> 0, c.x >>> 0], i * 3));
  return runTriples(['float_bits.h', 'softfloat_exact.h', 'fmac_exact.h'], HARNESS, input, defines);
}

/** The reference executor's arithmetic: the product exact in double (24 x 24 bits), rounded, summed, rounded. */
function reference(c: Case): number {
  return bitsOf(Math.fround(floatOf(c.acc) + Math.fround(floatOf(c.w) * floatOf(c.x))));
}

/**
 * Asserts, in every configuration, helper == float expression == reference, bit for bit; a NaN result must be a
 * NaN (which operand's payload SSE propagates depends on gcc's operand order, and libgcc has rules of its own).
 */
function assertExact(cases: readonly Case[]): void {
  for (const defines of CONFIGS) {
    const out = runHelper(cases, defines);
    cases.forEach((c, i) => {
      const [got, want] = [out[2 * i]!, out[2 * i + 1]!];
      const what = `${defines.join(' ')}: acc=${hex(c.acc)} w=${hex(c.w)} x=${hex(c.x)}`;
      if (isNaNBits(want)) assert.ok(isNaNBits(got), `${what}: helper ${hex(got)} vs float expression NaN`);
      else assert.equal(hex(got), hex(want), `${what}: helper vs float expression`);
      const ref = reference(c);
      assert.ok(isNaNBits(ref) ? isNaNBits(want) : ref === want, `${what}: float expression ${hex(want)} vs reference ${hex(ref)}`);
    });
  }
}

/** A standard normal sample (Box-Muller). */
function gaussian(r: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - r.next())) * Math.cos(2 * Math.PI * r.next());
}

/** A float with a full random significand, either sign, magnitude 2^lo..2^hi. */
function wide(r: Rng, lo: number, hi: number): number {
  return bitsOf(Math.fround((r.next() < 0.5 ? -1 : 1) * (1 + r.next()) * 2 ** r.int(lo, hi)));
}

/** The float just above b's magnitude (same sign), or just below. */
const neighbour = (b: number, step: 1 | -1): number => (b + step) >>> 0;

/** Magnitude of the unit in the last place of the float x (normal). */
const ulp = (x: number): number => 2 ** (Math.floor(Math.log2(Math.abs(x))) - 23);

/** The float conv kernels' source as emitted for `target`. */
function convKernels(target: Target): string {
  const b = new ProgramBuilder('conv', [3, 6, 6]);
  const window: Window = { kH: 3, kW: 3, strideH: 1, strideW: 1, padTop: 1, padLeft: 1, dilH: 1, dilW: 1 };
  const stem = b.conv2d(b.input, window, [6, 6], new Float32Array(2 * 27), new Float32Array(2));
  const general = b.conv2d(stem, { ...window, kH: 2, kW: 2 }, [5, 5], new Float32Array(2 * 2 * 4), new Float32Array(2));
  return emitC(planMemory(b.finish(general)).program, target).get('bnn_kernels.c')!;
}

describe('exact integer float multiply-accumulate (fmac_exact.h)', function () {
  this.timeout(300_000);

  it('equals the float expression on random bit patterns and on wide-range normal operands', () => {
    const r = new Rng(2027);
    const cases: Case[] = [];
    for (let i = 0; i < 40000; i++) cases.push({ acc: r.u32(), w: r.u32(), x: r.u32() });
    // Normal operands over the whole exponent range: products and sums that overflow, underflow or stay normal.
    for (let i = 0; i < 40000; i++) cases.push({ acc: wide(r, -126, 127), w: wide(r, -126, 127), x: wide(r, -126, 127) });
    // Exponents near each other, so the aligned add keeps most bits (and subtractions cancel many).
    for (let i = 0; i < 40000; i++) {
      const w = wide(r, -10, 10);
      const x = wide(r, -10, 10);
      const p = Math.fround(floatOf(w) * floatOf(x));
      cases.push({ acc: bitsOf(Math.fround(p * (r.next() < 0.5 ? -1 : 1) * (1 + r.float(2 ** -r.int(0, 26))) * 2 ** r.int(-3, 3))), w, x });
    }
    assertExact(cases);
  });

  it('equals the float expression on convolution-like chains: weights ~N(0, 0.1), activations in [0, 1] and zeros', () => {
    const r = new Rng(5);
    const cases: Case[] = [];
    let zeroProducts = 0;
    for (let out = 0; out < 4000; out++) {
      let acc = bitsOf(Math.fround(gaussian(r) * 0.1));
      for (let tap = 0; tap < 27; tap++) {
        const w = bitsOf(Math.fround(gaussian(r) * 0.1));
        const u = r.next();
        const x = u < 0.3 ? 0 : u < 0.32 ? 0x80000000 : bitsOf(Math.fround(r.next()));
        if ((x & 0x7fffffff) === 0) zeroProducts++;
        const c = { acc, w, x };
        cases.push(c);
        acc = reference(c);
      }
    }
    assert.ok(zeroProducts > 30000, `${zeroProducts} zero activations`);
    assertExact(cases);
  });

  it('equals the float expression on zeros, subnormals, infinities, NaNs, cancellations and subnormal results', () => {
    const magnitudes = [0, 1, 0x7fffff, 0x800000, 0x800001, 0x00400000, 0x3f800000, 0x3f7fffff, 0x3dcccccd, 0x1f800000, 0x5f800000, 0x7f7fffff, 0x7f800000, 0x7f800001, 0x7fc00000, 0x7fc12345];
    const specials = magnitudes.flatMap((m) => [m, (m | 0x80000000) >>> 0]);
    const cases: Case[] = [];
    for (const acc of specials) for (const w of specials) for (const x of specials) cases.push({ acc, w, x });
    const r = new Rng(7);
    for (let i = 0; i < 5000; i++) {
      // acc = -p and its neighbours: exact cancellation to +0, and results a few ulps from zero.
      const w = wide(r, -40, 20);
      const x = r.next() < 0.5 ? wide(r, -40, 20) : wide(r, -100, -80);
      const p = bitsOf(Math.fround(floatOf(w) * floatOf(x)));
      const acc = (p ^ 0x80000000) >>> 0;
      cases.push({ acc, w, x }, { acc: neighbour(acc, 1), w, x }, { acc: neighbour(acc, -1), w, x });
      // Products just above and below the smallest normal (2^-126), with small accumulators.
      const e = r.int(-126, -1);
      const wt = wide(r, e, e);
      const xt = wide(r, -126 - e - 1, -126 - e);
      cases.push({ acc: 0, w: wt, x: xt }, { acc: wide(r, -127, -120), w: wt, x: xt }, { acc: r.int(0, 0xffffff), w: wt, x: xt });
      // Products and sums near FLT_MAX.
      const eb = r.int(1, 126);
      const wb = wide(r, eb, eb);
      const xb = wide(r, 127 - eb - 1, 127 - eb);
      cases.push({ acc: wide(r, 126, 127), w: wb, x: xb }, { acc: wide(r, 100, 127), w: wb, x: xb });
    }
    assertExact(cases);
  });

  it('rounds halfway cases of the product and of the sum to even', () => {
    const r = new Rng(11);
    const cases: Case[] = [];
    const hits = { product: 0, sum: 0 };
    const sig = (b: number) => (b & 0x7fffff) | 0x800000;
    for (let i = 0; i < 20000; i++) {
      // Product: w's significand odd, x's chosen mod 2^23 so that the 48-bit product ends in 1 followed by 22
      // zeros: a tie when the product has 47 bits (cut 23), an exact quarter when it has 48.
      const sw = sig(r.u32()) | 1;
      let inv = 1n;
      for (let k = 0; k < 6; k++) inv = (inv * (2n - BigInt(sw) * inv)) & 0x7fffffn;
      const sx = 0x800000 | Number(((1n << 22n) * inv) & 0x7fffffn);
      const exact = BigInt(sw) * BigInt(sx);
      const cut = BigInt(exact.toString(2).length - 24);
      if (exact % (1n << cut) === 1n << (cut - 1n)) hits.product++;
      const w = ((r.next() < 0.5 ? 0x80000000 : 0) | (r.int(100, 150) << 23) | (sw & 0x7fffff)) >>> 0;
      const x = ((r.next() < 0.5 ? 0x80000000 : 0) | (r.int(100, 150) << 23) | (sx & 0x7fffff)) >>> 0;
      const p = Math.fround(floatOf(w) * floatOf(x));
      cases.push({ acc: 0, w, x }, { acc: wide(r, -30, 30), w, x }, { acc: bitsOf(Math.fround(p * 2 ** r.int(-30, 30))), w, x });
      // Sum: acc an odd multiple of half an ulp of p (so acc + p is a tie), and its neighbours.
      const w2 = wide(r, -5, 5);
      const x2 = wide(r, -5, 5);
      const p2 = Math.fround(floatOf(w2) * floatOf(x2));
      const odd = 2 * r.int(0, 2 ** r.int(0, 22)) + 1;
      const acc = bitsOf(Math.fround((r.next() < 0.5 ? -1 : 1) * odd * ulp(p2) / 2));
      if (floatOf(acc) === (floatOf(acc) < 0 ? -1 : 1) * odd * ulp(p2) / 2) hits.sum++;
      cases.push({ acc, w: w2, x: x2 }, { acc: neighbour(acc, 1), w: w2, x: x2 }, { acc: neighbour(acc, -1), w: w2, x: x2 });
      // And the other way round: p an odd multiple of half an ulp of acc (x a power of two keeps p exact).
      const accb = wide(r, -8, 4);
      const j = r.int(0, 10);
      const wp = Math.fround((r.next() < 0.5 ? -1 : 1) * odd * ulp(floatOf(accb)) / 2 / 2 ** j);
      cases.push({ acc: accb, w: bitsOf(wp), x: bitsOf((r.next() < 0.5 ? -1 : 1) * 2 ** j) });
    }
    assert.ok(hits.product > 5000, `${hits.product} product ties constructed`);
    assert.ok(hits.sum > 15000, `${hits.sum} sum ties constructed`);
    assertExact(cases);
  });

  it('is what the float convolutions use on FPU-less targets with kernels.fmac only, and keeps them bit-exact there', () => {
    const noFpu: Target = { ...HOST_TARGET, name: 'host-nofpu', fpu: false, kernels: { popcount: 'swar', fmac: 'exact' } };
    const exact = convKernels(noFpu);
    assert.match(exact, /acc = bnn_fmac\(acc, k0, p\[0\]\);/);
    assert.match(exact, /acc = bnn_fmac\(acc, w_row\[kx\], in_c\[row \+ kx \* g->win\.dil_w\]\);/);
    assert.match(exact, /bnn_round_bits/);
    assert.doesNotMatch(exact, /#define bnn_fmac/);
    for (const target of [HOST_TARGET, { ...noFpu, kernels: { popcount: 'swar' } }]) {
      const float = convKernels(target);
      assert.doesNotMatch(float, /bnn_round_bits/, target.name);
      assert.match(float, /acc = bnn_fmac\(acc, k0, p\[0\]\);/);
      assert.match(float, /#define bnn_fmac\(acc, w, x\) \(\(acc\) \+ \(w\) \* \(x\)\)/, `${target.name}: fmac_float.h`);
    }

    // The targets that set kernels.fmac, and only where it is allowed.
    assert.deepEqual(['rv32imc', 'rv32imc_zbb', 'cortex-m0', 'cortex-m3', 'cortex-m4'].map((t) => loadTarget(t).kernels.fmac), ['exact', 'exact', 'exact', undefined, undefined]);
    const json = (fpu: boolean, fmac: string) => ({ ...noFpu, fpu, kernels: { popcount: 'swar', fmac } });
    assert.throws(() => parseTarget(json(true, 'exact'), 'fpu.json'), /kernels.fmac 'exact' is for targets without an FPU/);
    assert.throws(() => parseTarget(json(false, 'fast'), 'typo.json'), /kernels.fmac must be 'exact'/);
    assert.equal(parseTarget(json(false, 'exact'), 'ok.json').kernels.fmac, 'exact');

    // The 3x3 stem kernel (1 to 3 input channels, padding 0 to 2) and the general kernel (strides, dilation).
    const r = new Rng(3);
    const b = new ProgramBuilder('fconv', [3, 9, 8]);
    const stem = (pad: number, ic: number, from: number): number => {
      const window: Window = { kH: 3, kW: 3, strideH: 1, strideW: 1, padTop: pad, padLeft: pad, dilH: 1, dilW: 1 };
      const out: [number, number] = [b.shape(from)[1] + 2 * pad - 2, b.shape(from)[2] + 2 * pad - 2];
      const oc = ic === 3 ? 2 : ic;
      const weights = Float32Array.from({ length: oc * ic * 9 }, () => Math.fround(gaussian(r) * 0.1));
      return b.conv2d(from, window, out, weights, Float32Array.from({ length: oc }, () => Math.fround(gaussian(r) * 0.1)));
    };
    const s1 = stem(1, 3, b.input);
    const s2 = stem(2, 2, s1);
    const s3 = stem(0, 2, s2);
    const window: Window = { kH: 3, kW: 2, strideH: 2, strideW: 1, padTop: 1, padLeft: 0, dilH: 1, dilW: 2 };
    const [h, w] = [b.shape(s3)[1], b.shape(s3)[2]];
    const last = b.conv2d(s3, window, [Math.floor((h + 2 - 3) / 2) + 1, w - 2], Float32Array.from({ length: 4 * 2 * 6 }, () => r.float(0.3)), new Float32Array(4));
    const p = planMemory(b.finish(last)).program;
    assert.match(emitC(p, noFpu).get('bnn_kernels.c')!, /bnn_conv2d_f32_3x3\(/);
    // Activations with zeros of both signs and subnormals (randomActivations), and ReLU-like ones in [0, 1].
    const relu = Float32Array.from({ length: 3 * 9 * 8 }, () => (r.next() < 0.4 ? 0 : Math.fround(r.next())));
    assertHostBitExact(p, noFpu, [randomActivations(r, 3 * 9 * 8), randomActivations(r, 3 * 9 * 8), relu]);
  });
});
