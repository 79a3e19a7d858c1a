/**
 * The Thumb-2 assembly of popcount_swar.h: on Cortex-M4/M7/M33 the affine and threshold bconvs' per-pixel
 * channel loops, unrolled by the assembler for each filter length, with a different tail for odd and even word
 * counts and a flush of the weight-2 counts every three carries, and for the affine kernel's 3x3 filters whose
 * taps are whole words a loop for each edge and corner that skips the padded taps' words; on Cortex-M3 (no DSP,
 * no FPU) the run blocks that the C loops call. One program holds a chain of each kind of convolution, each chain
 * with every filter length from 1 to 11 words and 18, 20, 36 and 64 (the window buffer's limit), over full
 * windows and padded borders, and is compared bit for bit with the reference executor on each of these cores.
 * (One program, not two: compiling the specialised kernels is most of the test's time, and the two chains share
 * their shapes. Helium's loops, compiled more slowly still, are covered by targets.test.ts's sweep.)
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeGeneratedFiles } from '../../src/io/output-dir.js';
import { executeProgram } from '../../src/lowered/execute.js';
import { filterWords } from '../../src/lowered/kernels/bconv-layout.js';
import type { Program, Window } from '../../src/lowered/program.js';
import { planMemory } from '../../src/phases/6-plan/plan.js';
import { emitC } from '../../src/phases/7-emit/emit.js';
import { loadTarget } from '../../src/targets/load.js';
import { runModelOnTarget } from '../../src/toolchain/run-model.js';
import { ProgramBuilder, randomActivations, randomFloats, randomSignWeights, Rng } from '../unit/lowered-fixtures.js';

const SIZE: [number, number] = [4, 5];
const PLANE = SIZE[0] * SIZE[1];
/**
 * Input channels of the successive 3x3 convolutions: 9 * c bits make 1..11, 18, 20, 36 and 64 words; 31 and 32
 * both make 9, with taps that split words (the masked loop) and taps of whole words (the loops that skip padded
 * words, as 64 channels do for 18).
 */
const CHANNELS = [1, 4, 10, 14, 17, 21, 24, 28, 31, 32, 35, 39, 64, 71, 128, 227];
const PAD_1: Window = { kH: 3, kW: 3, strideH: 1, strideW: 1, padTop: 1, padLeft: 1, dilH: 1, dilW: 1 };
/** Output channels of the affine chain; then come two probe channels for each threshold layer. */
const AFFINE_OUT = 6;

/**
 * Thresholds for dots of up to `bits` in magnitude: mostly near 0, where about half the dots fall below, and a
 * few at the edges (+-bits, +-(bits + 1)) and the int32 extremes, where the assembly's saturating subtraction
 * must still give the sign of dot - threshold.
 */
function thresholds(r: Rng, oc: number, bits: number): Int32Array {
  const edges = [0, bits, bits + 1, -bits, -bits - 1, 1 - bits, 2147483647, -2147483648];
  const spread = Math.max(1, Math.round(Math.sqrt(bits)));
  return Int32Array.from({ length: oc }, () => (r.int(0, 7) === 0 ? r.pick(edges) : r.int(-spread, spread)));
}

/**
 * Input -> affine bconvs (each after a pack_sign) -> 6 channels, and input -> pack_sign -> threshold bconvs, the
 * last with 33 output channels (a one-channel last word). Each threshold layer's bits are read out by a 3x3
 * affine probe of two channels: one with all-zero weights, whose dot counts the window's set bits, and one with
 * random weights (a flipped bit moves both by 2). Output: the affine chain's channels, then the probes.
 */
function chains(): { program: Program; inputs: Float32Array; samples: number } {
  const r = new Rng(20261126);
  const b = new ProgramBuilder('chain', [CHANNELS[0]!, ...SIZE]);
  let x = b.input;
  CHANNELS.forEach((c, i) => {
    const oc = CHANNELS[i + 1] ?? AFFINE_OUT;
    const scale = Float32Array.from({ length: oc }, () => 2 ** r.int(-6, 0) * (r.int(0, 1) === 0 ? -1 : 1));
    x = b.bconv(b.packSign(x), PAD_1, SIZE, randomSignWeights(r, oc, 3, 3, c), { scale, shift: randomFloats(r, oc) });
  });
  let y = b.packSign(b.input);
  const probes: number[] = [];
  CHANNELS.forEach((c, i) => {
    const oc = CHANNELS[i + 1] ?? 33;
    y = b.bconv(y, PAD_1, SIZE, randomSignWeights(r, oc, 3, 3, c), { thresholds: thresholds(r, oc, 9 * c) });
    const weights = randomSignWeights(r, 2, 3, 3, oc).fill(0, 0, filterWords(oc, 3, 3));
    probes.push(b.bconv(y, PAD_1, SIZE, weights, { scale: new Float32Array(2).fill(1), shift: new Float32Array(2) }));
  });
  const samples = 2;
  const inputs = randomActivations(r, samples * CHANNELS[0]! * PLANE);
  return { program: planMemory(b.finish(b.concat([x, ...probes]), 'chain.onnx')).program, inputs, samples };
}

/** What output value i is: a channel of the affine chain or a probe of a threshold layer. */
function describeOutput(i: number, outputSize: number): string {
  const channel = Math.floor((i % outputSize) / PLANE);
  if (channel < AFFINE_OUT) return `affine chain channel ${channel}`;
  const layer = Math.floor((channel - AFFINE_OUT) / 2);
  return `probe of threshold layer ${layer} (${CHANNELS[layer]} -> ${CHANNELS[layer + 1] ?? 33} channels)`;
}

describe('Thumb-2 assembly popcount: every filter length, full and padded windows', function () {
  const chain = chains();
  const inputSize = CHANNELS[0]! * PLANE;
  const outputSize = (AFFINE_OUT + 2 * CHANNELS.length) * PLANE;
  const expected = new Float32Array(chain.samples * outputSize);
  for (let s = 0; s < chain.samples; s++) {
    expected.set(executeProgram(chain.program, chain.inputs.subarray(s * inputSize, (s + 1) * inputSize)), s * outputSize);
  }
  let scratch: string;
  before(() => (scratch = mkdtempSync(join(tmpdir(), 'bnngen-swar-'))));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  it('covers the filter lengths the assembly distinguishes, partial and multiple output words', () => {
    const words = CHANNELS.map((c) => filterWords(c, 3, 3));
    assert.deepEqual(words, [1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 10, 11, 18, 20, 36, 64]);
    const outputs = [...CHANNELS.slice(1), 33];
    assert.ok(outputs.some((c) => c > 32 && c % 32 === 1) && outputs.some((c) => c > 64 && c % 32 !== 0));
  });

  it('threshold layers whose bits vary: between 10 % and 90 % set in the full windows', () => {
    CHANNELS.forEach((_, layer) => {
      const oc = CHANNELS[layer + 1] ?? 33;
      let set = 0;
      let total = 0;
      for (let s = 0; s < chain.samples; s++) {
        const counts = expected.subarray(s * outputSize + (AFFINE_OUT + 2 * layer) * PLANE).subarray(0, PLANE);
        for (let oy = 1; oy < SIZE[0] - 1; oy++) {
          for (let ox = 1; ox < SIZE[1] - 1; ox++) {
            set += (9 * oc - counts[oy * SIZE[1] + ox]!) / 2; // dot = bits - 2 * set bits (all-zero weights)
            total += 9 * oc;
          }
        }
      }
      assert.ok(set > 0.1 * total && set < 0.9 * total, `threshold layer ${layer}: ${set} of ${total} bits set`);
    });
  });

  for (const name of ['cortex-m3', 'cortex-m4', 'cortex-m7', 'cortex-m33']) {
    it(`${name}: bit-exact with the reference executor`, async () => {
      const target = loadTarget(name);
      const src = join(scratch, name);
      await writeGeneratedFiles(src, emitC(chain.program, target));
      const run = await runModelOnTarget({
        target, sourceDir: src, modelName: 'chain', inputs: chain.inputs, samples: chain.samples, inputSize, outputSize,
      });
      const got = new Uint32Array(run.outputs.buffer, run.outputs.byteOffset, run.outputs.length);
      const want = new Uint32Array(expected.buffer);
      const at = got.findIndex((v, i) => v !== want[i]);
      assert.equal(at, -1, `output ${at} (${describeOutput(at, outputSize)}): target ${run.outputs[at]} vs reference ${expected[at]}`);
    });
  }
});
