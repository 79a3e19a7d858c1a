/**
 * The Thumb-2 assembly of popcount_swar.h: on Cortex-M4/M7/M33 the affine bconv's whole-pixel loop, unrolled by
 * the assembler for each filter length, with a different tail for odd and even word counts and a flush of the
 * weight-2 counts every three carries, and for 3x3 filters whose taps are whole words a loop for each edge and
 * corner that skips the padded taps' words; on Cortex-M3 (no DSP, no FPU) the run blocks that the C loops call. A
 * chain of affine convolutions gives it every filter length from 1 to 11 words and 18, 20, 36 and 64 (the
 * window buffer's limit), each over full windows and padded borders, and is compared bit for bit with the
 * reference executor on each core that takes the assembly.
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
/**
 * Input channels of the successive 3x3 convolutions: 9 * c bits make 1..11, 18, 20, 36 and 64 words; 31 and 32
 * both make 9, with taps that split words (the masked loop) and taps of whole words (the loops that skip padded
 * words, as 64 channels do for 18).
 */
const CHANNELS = [1, 4, 10, 14, 17, 21, 24, 28, 31, 32, 35, 39, 64, 71, 128, 227];
const PAD_1: Window = { kH: 3, kW: 3, strideH: 1, strideW: 1, padTop: 1, padLeft: 1, dilH: 1, dilW: 1 };

function affineChain(): { program: Program; inputs: Float32Array; samples: number } {
  const r = new Rng(20261126);
  const b = new ProgramBuilder('chain', [CHANNELS[0]!, ...SIZE]);
  let x = b.input;
  CHANNELS.forEach((c, i) => {
    const oc = CHANNELS[i + 1] ?? 6;
    const scale = Float32Array.from({ length: oc }, () => 2 ** r.int(-6, 0) * (r.int(0, 1) === 0 ? -1 : 1));
    x = b.bconv(b.packSign(x), PAD_1, SIZE, randomSignWeights(r, oc, 3, 3, c), { scale, shift: randomFloats(r, oc) });
  });
  const samples = 2;
  const inputs = randomActivations(r, samples * CHANNELS[0]! * SIZE[0] * SIZE[1]);
  return { program: planMemory(b.finish(x, 'chain.onnx')).program, inputs, samples };
}

describe('Thumb-2 assembly popcount: every filter length, full and padded windows', function () {
  const chain = affineChain();
  const inputSize = CHANNELS[0]! * SIZE[0] * SIZE[1];
  const outputSize = 6 * SIZE[0] * SIZE[1];
  const expected = new Float32Array(chain.samples * outputSize);
  for (let s = 0; s < chain.samples; s++) {
    expected.set(executeProgram(chain.program, chain.inputs.subarray(s * inputSize, (s + 1) * inputSize)), s * outputSize);
  }
  let scratch: string;
  before(() => (scratch = mkdtempSync(join(tmpdir(), 'bnngen-swar-'))));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  it('covers the filter lengths the assembly distinguishes', () => {
    const words = CHANNELS.map((c) => filterWords(c, 3, 3));
    assert.deepEqual(words, [1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 10, 11, 18, 20, 36, 64]);
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
      assert.equal(at, -1, `output ${at}: target ${run.outputs[at]} vs reference ${expected[at]}`);
    });
  }
});
