/**
 * phases/5-lower/fixed-affine.ts: the quantisation of a bconv's float epilogue (scale s, shift h) into the
 * fixed-point constants of its kernel. The properties the C relies on (no int32 overflow for any dot of the layer,
 * a power of two whose results are never subnormal) and the precision the docs promise are checked on random and
 * extreme BatchNorm parameters; models it cannot represent are refused with a reason.
 */
import assert from 'node:assert/strict';
import { fixedAffine } from '../../src/phases/5-lower/fixed-affine.js';
import { fixedAffineOutput } from '../../src/lowered/kernels/bconv2d.js';
import { Rng } from './lowered-fixtures.js';

const f32 = (values: number[]) => Float32Array.from(values);

describe('fixed-point bconv epilogue constants (fixed-affine.ts)', () => {
  it('never overflows int32, keeps every result normal or zero, and errs by at most (maxDot + 1) / 2 units of 2^e', () => {
    const r = new Rng(5);
    for (let layer = 0; layer < 300; layer++) {
      const maxDot = r.pick([9, 27, 144, 288, 576, 4608, 36864]);
      const oc = 16;
      const draw = () => (r.next() < 0.1 ? 0 : Math.fround((r.next() < 0.5 ? -1 : 1) * (1 + r.next()) * 2 ** r.int(-60, 60)));
      const scale = Float32Array.from({ length: oc }, draw);
      const shift = Float32Array.from({ length: oc }, draw);
      const q = fixedAffine(scale, shift, maxDot);
      assert.notEqual(typeof q, 'string', String(q));
      if (typeof q === 'string') return;
      for (let c = 0; c < oc; c++) {
        const [mult, offset, pow2] = [q.fixed[2 * c]!, q.fixed[2 * c + 1]!, q.pow2[c]!];
        assert.ok(Math.abs(mult) * maxDot + Math.abs(offset) < 2 ** 31, `layer ${layer} channel ${c}: int32 overflow`);
        const e = Math.log2(pow2);
        assert.ok(Number.isInteger(e) && e >= -126 && e <= 96, `channel ${c}: pow2 ${pow2}`);
        // The unit 2^e is at most 2^-29 of the channel's output range: the error is (maxDot + 1) * 2^-30 of it at most.
        const span = maxDot * Math.abs(scale[c]!) + Math.abs(shift[c]!);
        assert.ok(pow2 <= Math.max(span * 2 ** -29, 2 ** -126), `channel ${c}: unit ${pow2} for range ${span}`);
        for (const d of [-maxDot, -1, 0, 1, maxDot - 1, maxDot]) {
          const y = fixedAffineOutput(d, mult, offset, pow2);
          assert.ok(y === 0 || Math.abs(y) >= 2 ** -126, `channel ${c} dot ${d}: ${y} is subnormal`);
          const exact = d * scale[c]! + shift[c]!;
          const bound = ((maxDot + 1) / 2) * pow2 + Math.abs(exact) * 2 ** -23;
          assert.ok(Math.abs(y - exact) <= bound, `channel ${c} dot ${d}: ${y} vs ${exact} (unit ${pow2})`);
        }
      }
    }
  });

  it('represents zero channels, tiny parameters and the largest finite ones', () => {
    const q = fixedAffine(f32([0, 2 ** -149, 1e-30, 8e37]), f32([0, 0, -1e-30, 0]), 1);
    assert.notEqual(typeof q, 'string');
    if (typeof q === 'string') return;
    assert.deepEqual([q.fixed[0], q.fixed[1]], [0, 0]);
    assert.equal(fixedAffineOutput(1, q.fixed[0]!, q.fixed[1]!, q.pow2[0]!), 0);
    assert.equal(q.pow2[1], 2 ** -126, 'the smallest normal power: a subnormal scale rounds to 0 * 2^-126');
    assert.equal(fixedAffineOutput(1, q.fixed[6]!, q.fixed[7]!, q.pow2[3]!), Math.fround(8e37));
  });

  it('refuses non-finite parameters and outputs beyond the float range, naming the channel', () => {
    assert.match(String(fixedAffine(f32([1, Number.NaN]), f32([0, 0]), 9)), /^channel 1: scale NaN and shift 0 must be finite/);
    assert.match(String(fixedAffine(f32([1]), f32([Number.POSITIVE_INFINITY]), 9)), /^channel 0: .*must be finite/);
    assert.match(String(fixedAffine(f32([3e38]), f32([3e38]), 576)), /^channel 0: outputs up to .* exceed the float range/);
  });
});
