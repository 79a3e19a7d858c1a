/**
 * Verification: run the generated C on the target (one QEMU process for all samples) and compare it with
 * (1) the lowered reference executor — must agree bit for bit — and (2) the float ONNX reference — top-1
 * agreement and max |difference| — plus accuracy when labels are known.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluateGraph } from './graph/evaluate.js';
import { executeProgram } from './lowered/execute.js';
import { stepCost } from './lowered/cost.js';
import type { Program } from './lowered/program.js';
import type { Samples } from './io/samples.js';
import { sampleSize } from './io/samples.js';
import { writeGeneratedFiles } from './io/output-dir.js';
import { emitC } from './phases/7-emit/emit.js';
import type { Compiled } from './pipeline.js';
import type { ProgressCallback } from './progress.js';
import type { Target } from './targets/target.js';
import { runModelOnTarget, type InstructionCounts } from './toolchain/run-model.js';

export interface VerifyReport {
  readonly target: string;
  readonly samples: number;
  readonly source: string;
  /** Samples whose C outputs equal the reference executor's bit for bit. */
  readonly bitExact: number;
  /** First sample that differs, if any. */
  readonly firstMismatch?: { sample: number; index: number; c: number; reference: number };
  /** Top-1 agreement between the C outputs and the float ONNX reference. */
  readonly top1Agree: number;
  readonly maxAbsDiff: number;
  /** Accuracy when labels were given. */
  readonly accuracy?: { readonly c: number; readonly float: number };
  /** Activations that were exactly 0 at a sign point (ONNX sign(0) = 0, bnngen packs +1), over all samples. */
  readonly signTies: number;
  readonly samplesWithTies: number;
  readonly flashBytes: number;
  readonly ramBytes: number;
  /**
   * Exact instructions executed by one <model>_run call under QEMU (docs/benchmarking.md); absent on the host
   * target or when not counted. Inference is data-independent except for tiny branches, hence min/max.
   */
  readonly instructionsPerInference?: InstructionStats;
}

export interface InstructionStats {
  readonly mean: number;
  readonly min: number;
  readonly max: number;
}

export interface TargetRunOptions {
  /**
   * Count every inference's instructions with bnngen's QEMU plugin (emulated targets only). Default: false for
   * targetOutputs, true for verify (counting per translation block costs QEMU almost no time).
   */
  readonly countInstructions?: boolean;
}

export interface VerifyOptions extends TargetRunOptions {
  /** Called after each sample of both references, and when the target run ends (the CLI's progress bar). */
  readonly onProgress?: ProgressCallback;
  /** Outputs already computed for these samples (e.g. by a bench of the same program): not computed again. */
  readonly known?: KnownOutputs;
}

/** What verify would otherwise compute: the reference executor, the float model, the run on the target. */
export interface KnownOutputs {
  readonly reference?: ReferenceOutputs;
  readonly float?: Outputs;
  readonly onTarget?: TargetRunOutputs;
}

export interface Outputs {
  readonly values: Float32Array;
  readonly size: number;
}

/** Lets pending I/O (the target build and QEMU run started before) progress between samples. */
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Float ONNX reference outputs for every sample; `onSample(n)` after the n-th. */
export async function floatOutputs(c: Compiled, samples: Samples, onSample?: (done: number) => void): Promise<Outputs> {
  const inputName = c.folded.inputs[0]!;
  const shape = c.folded.values.get(inputName)!.shape;
  const size = sampleSize(shape);
  const outName = c.folded.outputs[0]!;
  let outSize = 0;
  const rows: Float32Array[] = [];
  for (let s = 0; s < samples.count; s++) {
    const input = { dtype: 'float32' as const, shape, data: samples.inputs.slice(s * size, (s + 1) * size) };
    const out = evaluateGraph(c.folded, new Map([[inputName, input]])).get(outName)!;
    outSize = out.data.length;
    rows.push(Float32Array.from(out.data));
    onSample?.(s + 1);
    await yieldToEventLoop();
  }
  const values = new Float32Array(samples.count * outSize);
  rows.forEach((r, i) => values.set(r, i * outSize));
  return { values, size: outSize };
}

/** Reference-executor outputs with the sign(0) tie counts. */
export type ReferenceOutputs = Outputs & { readonly ties: number; readonly samplesWithTies: number };

/** The generated C's outputs on a target, with what its build and run measured. */
export type TargetRunOutputs = Outputs & { readonly flashBytes: number; readonly ramBytes: number; readonly instructions?: InstructionCounts };

/** Reference-executor outputs for every sample, with sign(0) tie counts; `onSample(n)` after the n-th. */
export async function referenceOutputs(
  c: Compiled, samples: Samples, onSample?: (done: number) => void,
): Promise<ReferenceOutputs> {
  const size = sampleSize(c.program.input.shape);
  const outSize = sampleSize(c.program.output.shape);
  const values = new Float32Array(samples.count * outSize);
  let ties = 0;
  let samplesWithTies = 0;
  for (let s = 0; s < samples.count; s++) {
    const stats = { signTies: 0 };
    values.set(executeProgram(c.program, samples.inputs.subarray(s * size, (s + 1) * size), stats), s * outSize);
    ties += stats.signTies;
    if (stats.signTies > 0) samplesWithTies++;
    onSample?.(s + 1);
    await yieldToEventLoop();
  }
  return { values, size: outSize, ties, samplesWithTies };
}

/** Builds and runs the generated C for all samples on the target. */
export async function targetOutputs(
  c: Compiled, target: Target, samples: Samples, opts: TargetRunOptions = {},
): Promise<TargetRunOutputs> {
  const dir = await mkdtemp(join(tmpdir(), 'bnngen-verify-'));
  try {
    const src = join(dir, 'model');
    await writeGeneratedFiles(src, emitC(c.program, target));
    const inputSize = sampleSize(c.program.input.shape);
    const outputSize = sampleSize(c.program.output.shape);
    const run = await runModelOnTarget({
      target, sourceDir: src, modelName: c.program.name, inputs: samples.inputs.subarray(0, samples.count * inputSize),
      samples: samples.count, inputSize, outputSize, workDir: join(dir, 'build'), countInstructions: opts.countInstructions,
      timeoutMs: qemuTimeoutMs(c.program, samples.count),
    });
    return { values: run.outputs, size: outputSize, flashBytes: run.flashBytes, ramBytes: run.ramBytes, instructions: run.instructions };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * A hang guard, not a deadline: one minute plus a pessimistic time per sample from the program's work (QEMU runs
 * tens to hundreds of millions of guest instructions per second; soft-float cores spend ~200 per real MAC).
 */
export function qemuTimeoutMs(program: Program, samples: number): number {
  let binary = 0;
  let real = 0;
  for (const step of program.steps) {
    const cost = stepCost(program, step);
    if (cost.binary) binary += cost.macs;
    else real += cost.macs;
  }
  const instructions = 2 * binary + 200 * real + 1e6;
  return 60_000 + samples * Math.max(100, (instructions / 20e6) * 1000);
}

export function argmax(v: Float32Array, offset: number, size: number): number {
  let best = 0;
  for (let i = 1; i < size; i++) if (v[offset + i]! > v[offset + best]!) best = i;
  return best;
}

/** Mean, min and max of instruction counts (at least one). */
export function statsOf(values: readonly number[]): InstructionStats {
  if (values.length === 0) throw new Error('no runs were counted');
  const min = values.reduce((a, b) => Math.min(a, b));
  const max = values.reduce((a, b) => Math.max(a, b));
  return { mean: values.reduce((a, b) => a + b, 0) / values.length, min, max };
}

/** Statistics of the per-run counts; undefined without runs. */
export function instructionStats(counts: InstructionCounts | undefined): InstructionStats | undefined {
  return counts && counts.perRun.length > 0 ? statsOf(counts.perRun) : undefined;
}

/** Whether two float arrays hold the same bits (NaN payloads and the sign of zero included). */
export function sameBits(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  return ua.every((v, i) => v === ub[i]);
}

export async function verify(c: Compiled, target: Target, samples: Samples, opts: VerifyOptions = {}): Promise<VerifyReport> {
  const known = opts.known ?? {};
  // The target build and QEMU run in other processes while this one computes both references.
  const pending = known.onTarget
    ? Promise.resolve(known.onTarget)
    : targetOutputs(c, target, samples, { countInstructions: opts.countInstructions ?? true });
  pending.catch(() => undefined); // awaited below; keeps an early failure from being reported as unhandled
  // Progress units: each sample through each reference, then the target run as one.
  const total = 2 * samples.count + 1;
  const progress = (done: number, stage: string) => opts.onProgress?.({ done, total, stage });
  const reference = known.reference ?? await referenceOutputs(c, samples, (n) => progress(n, 'reference executor'));
  const float = known.float ?? await floatOutputs(c, samples, (n) => progress(samples.count + n, 'float ONNX model'));
  progress(2 * samples.count, `waiting for the run on ${target.name}`);
  const onTarget = await pending;
  progress(total, 'done');
  const size = reference.size;
  const cBits = new Uint32Array(onTarget.values.buffer, onTarget.values.byteOffset, onTarget.values.length);
  const refBits = new Uint32Array(reference.values.buffer, reference.values.byteOffset, reference.values.length);
  let bitExact = 0;
  let firstMismatch: VerifyReport['firstMismatch'];
  let top1Agree = 0;
  let maxAbsDiff = 0;
  let correctC = 0;
  let correctFloat = 0;
  for (let s = 0; s < samples.count; s++) {
    let same = true;
    for (let i = 0; i < size; i++) {
      const k = s * size + i;
      if (cBits[k] !== refBits[k]) {
        same = false;
        firstMismatch ??= { sample: s, index: i, c: onTarget.values[k]!, reference: reference.values[k]! };
      }
      maxAbsDiff = Math.max(maxAbsDiff, Math.abs(onTarget.values[k]! - float.values[k]!));
    }
    if (same) bitExact++;
    const predC = argmax(onTarget.values, s * size, size);
    const predF = argmax(float.values, s * size, size);
    if (predC === predF) top1Agree++;
    if (samples.labels) {
      if (predC === samples.labels[s]) correctC++;
      if (predF === samples.labels[s]) correctFloat++;
    }
  }
  return {
    target: target.name, samples: samples.count, source: samples.description, bitExact, firstMismatch, top1Agree, maxAbsDiff,
    accuracy: samples.labels ? { c: correctC / samples.count, float: correctFloat / samples.count } : undefined,
    signTies: reference.ties, samplesWithTies: reference.samplesWithTies,
    flashBytes: onTarget.flashBytes, ramBytes: onTarget.ramBytes,
    instructionsPerInference: instructionStats(onTarget.instructions),
  };
}
