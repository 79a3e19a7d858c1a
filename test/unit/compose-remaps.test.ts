/**
 * composeRemaps (5-lower): chains of remaps become one exactly when that gives the same values. Checked on random
 * chains against the reference executor running the chain step by step, bit for bit (fills include -0).
 */
import assert from 'node:assert/strict';
import { executeProgram } from '../../src/lowered/execute.js';
import type { Program, Shape3 } from '../../src/lowered/program.js';
import { validateProgram } from '../../src/lowered/validate.js';
import { composeRemaps } from '../../src/phases/5-lower/compose-remaps.js';
import { firstBitDifference } from './lowered-host.js';
import { ProgramBuilder, randomActivations, Rng } from './lowered-fixtures.js';

function randomChain(r: Rng, name: string): Program {
  const b = new ProgramBuilder(name, [r.int(1, 6), r.int(1, 7), r.int(1, 7)]);
  let x = b.input;
  const links = r.int(2, 3);
  for (let i = 0; i < links; i++) {
    const [c, h, w] = b.shape(x);
    const outShape: Shape3 = [r.int(1, c + 3), r.int(1, h + 2), r.int(1, w + 2)];
    const start: Shape3 = [r.int(-2, 1), r.int(-2, 1), r.int(-1, 1)];
    const step: Shape3 = [r.pick([1, 2]), r.pick([1, 2]), r.pick([1, 2])];
    x = b.remap(x, outShape, start, step, r.pick([0, -0, 1.5]));
  }
  return b.finish(x);
}

describe('composeRemaps', () => {
  it('an option-A shortcut (Slice H, Slice W, Pad C) becomes one strided copy with channel padding', () => {
    const b = new ProgramBuilder('optionA', [16, 8, 8]);
    const h = b.remap(b.input, [16, 4, 8], [0, 0, 0], [1, 2, 1], 0);
    const w = b.remap(h, [16, 4, 4], [0, 0, 0], [1, 1, 2], 0);
    const p = b.finish(b.remap(w, [32, 4, 4], [-8, 0, 0], [1, 1, 1], 0));
    const composed = composeRemaps(p);
    validateProgram(composed);
    assert.equal(composed.steps.length, 1);
    const s = composed.steps[0]!;
    assert.ok(s.kernel === 'remap_f32');
    assert.deepEqual([s.start, s.step, s.outShape, s.inShape], [[-8, 0, 0], [1, 2, 2], [32, 4, 4], [16, 8, 8]]);
    assert.equal(composed.buffers.length, 2);
    assert.equal(composed.output.buffer, 1);
  });

  it('a remap read twice stays', () => {
    const b = new ProgramBuilder('shared', [4, 5, 5]);
    const x = b.remap(b.input, [4, 3, 3], [0, 1, 1], [1, 1, 1], 0);
    const y = b.remap(x, [4, 3, 3], [0, 0, 0], [1, 1, 1], 0);
    const p = b.finish(b.add(x, y));
    assert.equal(composeRemaps(p), p);
  });

  it('random chains: the composed program computes the same bits; many chains compose', () => {
    const r = new Rng(7);
    let composedSteps = 0;
    for (let i = 0; i < 300; i++) {
      const p = randomChain(r, `chain${i}`);
      const q = composeRemaps(p);
      validateProgram(q);
      composedSteps += p.steps.length - q.steps.length;
      for (let s = 0; s < 2; s++) {
        const x = randomActivations(r, p.input.shape.reduce((a, d) => a * d, 1));
        const at = firstBitDifference(executeProgram(p, x), executeProgram(q, x));
        assert.equal(at, -1, `${p.name}: output[${at}] differs after composing ${p.steps.length - q.steps.length} remap(s)`);
      }
    }
    assert.ok(composedSteps > 50, `only ${composedSteps} remaps composed`);
  });
});
