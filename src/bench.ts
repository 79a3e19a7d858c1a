/**
 * `bnngen bench`: exact per-step instruction counts, MACs, flash and peak RAM of a model on an emulated target,
 * for the binary path (the program `compile` writes) and the float path (the same graph with binarization
 * disabled), so that the speed-up of binarization is measured on the user's own model (docs/benchmarking.md).
 *
 * Each path is built twice: as `compile` writes it (the whole-run count, flash, and the stack, measured by
 * painting) and with profile markers around every step (the per-step counts). Both builds run the same samples
 * in one QEMU process each; their outputs must be identical, and equal to the reference executor's bit for bit.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BnnError } from './errors.js';
import { writeGeneratedFiles } from './io/output-dir.js';
import { sampleSize, type Samples } from './io/samples.js';
import { stepCost, stepKind, stepLabel, type StepKind } from './lowered/cost.js';
import { emitC } from './phases/7-emit/emit.js';
import { estimateFootprint } from './phases/7-emit/footprint.js';
import { budgetProblem } from './targets/budget.js';
import { compileFile, type Compiled } from './pipeline.js';
import { ProgressCounter, type ProgressCallback } from './progress.js';
import type { Target } from './targets/target.js';
import { runModelOnTarget, type RunModelResult } from './toolchain/run-model.js';
import {
  argmax, floatOutputs, qemuTimeoutMs, referenceOutputs, sameBits, statsOf,
  type InstructionStats, type KnownOutputs, type Outputs, type ReferenceOutputs,
} from './verify.js';

export interface StepBench {
  readonly index: number;
  /** Kernel of the lowered program; binary convolutions name their epilogue (bconv2d_threshold, bconv2d_affine). */
  readonly kernel: string;
  /** The ONNX node(s) the step computes. */
  readonly origin: string;
  readonly kind: StepKind;
  readonly binaryMacs: number;
  readonly realMacs: number;
  /** Bytes of the step's weights, scales and thresholds (flash). */
  readonly constBytes: number;
  /** Instructions of the step's call, over the samples (profiling build). */
  readonly instructions: InstructionStats;
  /** Mean instructions per MAC (per binary MAC for binary steps); absent for steps without MACs. */
  readonly instructionsPerMac?: number;
}

export interface PathBench {
  readonly path: 'binary' | 'float';
  readonly steps: readonly StepBench[];
  readonly instructions: {
    /** One <name>_run call as `compile` writes it (no step markers): the number `verify` reports. */
    readonly run: InstructionStats;
    /** One <name>_run call of the profiling build (region 0): the steps plus what lies between them. */
    readonly profiledRun: InstructionStats;
    /** profiledRun minus the sum of the steps: the marker calls and <name>_run's own entry, checks and exit. */
    readonly betweenSteps: InstructionStats;
  };
  readonly macs: { readonly binary: number; readonly real: number };
  /** All binary steps together: their mean instructions per binary MAC. Absent without binary steps. */
  readonly binarySteps?: { readonly instructions: number; readonly macs: number; readonly instructionsPerMac: number };
  readonly flash: {
    /** text + data of the model's own objects (<name>.o, bnn_kernels.o) in the build `compile` describes. */
    readonly modelBytes: number;
    /** Of which weights, scales, thresholds and geometry (exact, from the program). */
    readonly constBytes: number;
  };
  readonly ram: {
    /** The activation arena the memory plan gave. */
    readonly arenaBytes: number;
    /** The liveness lower bound: no plan can use less than this. */
    readonly lowerBoundBytes: number;
    /** data + bss of the model's objects (the arena, plus any other static data). */
    readonly staticBytes: number;
    /** Deepest stack of a <name>_run call, measured by painting the stack before each run. */
    readonly stackBytes: number;
    readonly stackMethod: 'painted';
    /** The run used all the painted stack: stackBytes is a lower bound. */
    readonly stackExhausted: boolean;
    /** staticBytes + stackBytes. */
    readonly peakBytes: number;
  };
  readonly outputs: {
    readonly samples: number;
    /** Samples whose outputs equal the reference executor's (running this path's program) bit for bit. */
    readonly bitExact: number;
    /** Against the float ONNX model. */
    readonly maxAbsDiffVsFloat: number;
    readonly top1AgreeVsFloat: number;
  };
}

export interface BenchReport {
  readonly file: string;
  /** C prefix of the generated API (<name>_run). */
  readonly name: string;
  readonly target: string;
  readonly samples: number;
  readonly source: string;
  readonly binary: PathBench;
  /** Absent when the float path could not be measured; floatSkipped says why. */
  readonly float?: PathBench;
  readonly floatSkipped?: string;
  /** Mean whole-run instructions of the float path over the binary path's (builds as `compile` writes them). */
  readonly floatOverBinary?: number;
}

export interface BenchOptions {
  /** Called as the work advances: samples through the references, builds and QEMU runs (the CLI's progress bar). */
  readonly onProgress?: ProgressCallback;
}

export interface BenchPaths {
  readonly binary: Compiled;
  /** The float path, or why it does not compile. */
  readonly float: Compiled | string;
}

/** Compiles the model as `compile` does and with binarization disabled. */
export async function compileBenchPaths(file: string): Promise<BenchPaths> {
  const binary = await compileFile(file);
  try {
    return { binary, float: await compileFile(file, { binarize: false }) };
  } catch (e) {
    if (!(e instanceof BnnError)) throw e;
    return { binary, float: `the float path does not compile: ${e.reason}` };
  }
}

/**
 * Measures `binary` and, when given as a program, `float` (else the string says why it is not measured).
 * Never checks the real part's budget: bench is a measurement; it needs only the emulated board to hold the model.
 */
export async function bench({ binary, float }: BenchPaths, target: Target, samples: Samples, opts: BenchOptions = {}): Promise<BenchReport> {
  checkBenchTarget(target);
  const binaryProblem = doesNotFitBoard(binary, target);
  if (binaryProblem) throw new BnnError(`cannot bench on ${target.name}: ${binaryProblem}`, { file: binary.file });
  let floatSkipped = typeof float === 'string' ? float : doesNotFitBoard(float, target, 'the float path');
  const dir = await mkdtemp(join(tmpdir(), 'bnngen-bench-'));
  // Progress units: each sample through the float model, then per measured path two runs and each sample again.
  const paths = typeof float !== 'string' && floatSkipped === undefined ? 2 : 1;
  const progress = new ProgressCounter(samples.count + paths * (2 + samples.count), opts.onProgress);
  try {
    // Both paths compute the same float ONNX model: one reference for both.
    progress.stage('float ONNX model');
    const reference = await floatOutputs(binary, samples, () => progress.advance());
    const b = await measurePath(binary, 'binary', target, samples, reference, join(dir, 'binary'), progress);
    const report = {
      file: binary.file, name: binary.program.name, target: target.name, samples: samples.count, source: samples.description, binary: b,
    };
    if (typeof float !== 'string' && floatSkipped === undefined) {
      try {
        const f = await measurePath(float, 'float', target, samples, reference, join(dir, 'float'), progress);
        return { ...report, float: f, floatOverBinary: f.instructions.run.mean / b.instructions.run.mean };
      } catch (e) {
        // The footprint estimate is an allowance: the link may still overflow the board. The binary path stands.
        if (!(e instanceof BnnError)) throw e;
        floatSkipped = `the float path could not be built or run: ${e.reason}`;
      }
    }
    return { ...report, floatSkipped };
  } finally {
    progress.finish();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Bench counts instructions under QEMU: the host target cannot be measured. */
export function checkBenchTarget(target: Target): void {
  if (!target.qemu) throw new BnnError(`bench needs an emulated target (exact counts come from QEMU); ${target.name} runs natively`);
}

/**
 * Why `what` (the model, or the float path) cannot run on the emulated board, or undefined. Only the board
 * matters: bench is a measurement and ignores the real part's budget.
 */
function doesNotFitBoard(c: Compiled, target: Target, what = 'the model'): string | undefined {
  const memory = target.memory;
  if (!memory) return undefined;
  const board = target.qemu?.machine ?? target.name;
  const problem = budgetProblem(estimateFootprint(c.program, target), { flash: memory.flash.size, ram: memory.ram.size },
    `the emulated board (${board})`);
  return problem === undefined ? undefined : `${what} ${problem}`;
}

/**
 * Builds and runs one path twice (as compiled, then with step markers) in `dir` and checks its outputs against
 * the reference executor running the same program, and against the float ONNX model.
 */
export async function measurePath(
  c: Compiled, path: 'binary' | 'float', target: Target, samples: Samples, floatReference: Outputs, dir: string,
  progress = new ProgressCounter(2 + samples.count), keep?: (outputs: KnownOutputs) => void,
): Promise<PathBench> {
  const p = c.program;
  const inputSize = sampleSize(p.input.shape);
  const outputSize = sampleSize(p.output.shape);
  const costs = p.steps.map((s) => stepCost(p, s));
  const macs = costs.reduce((n, s) => n + s.macs, 0);
  const common = {
    target, modelName: p.name, inputs: samples.inputs.subarray(0, samples.count * inputSize), samples: samples.count,
    inputSize, outputSize, countInstructions: true, timeoutMs: qemuTimeoutMs(p, samples.count),
  };
  const build = async (profile: boolean): Promise<RunModelResult> => {
    const sub = join(dir, profile ? 'profiled' : 'plain');
    progress.stage(`${profile ? 'profiling build' : 'build'} and QEMU run, ${path} path`);
    await writeGeneratedFiles(join(sub, 'model'), emitC(p, target, { profile }));
    const result = await runModelOnTarget({
      ...common, sourceDir: join(sub, 'model'), workDir: join(sub, 'build'),
      ...(profile ? { profiledSteps: p.steps.length } : { measureStack: true }),
    });
    progress.advance();
    return result;
  };
  const plain = await build(false);
  const profiled = await build(true);
  if (!sameBits(plain.outputs, profiled.outputs)) {
    throw new Error(`bench (${path} path): the profiling build computed other outputs than the plain build`);
  }
  const runs = plain.instructions!.perRun;
  const perStep = profiled.instructions!.perStep!;
  const profiledRuns = profiled.instructions!.perRun;
  const steps = p.steps.map((step, k): StepBench => {
    const cost = costs[k]!;
    const instructions = statsOf(perStep.map((run) => run[k]!));
    return {
      index: k, kernel: stepLabel(step), origin: step.origin, kind: stepKind(cost),
      binaryMacs: cost.binary ? cost.macs : 0, realMacs: cost.binary ? 0 : cost.macs, constBytes: cost.bytes, instructions,
      ...(cost.macs > 0 ? { instructionsPerMac: instructions.mean / cost.macs } : {}),
    };
  });
  const binarySteps = steps.filter((s) => s.kind === 'binary');
  const binaryMacs = binarySteps.reduce((n, s) => n + s.binaryMacs, 0);
  const binaryInstructions = binarySteps.reduce((n, s) => n + s.instructions.mean, 0);
  const stack = plain.stack!;
  const staticBytes = plain.model.ramBytes;
  return {
    path,
    steps,
    instructions: {
      run: statsOf(runs),
      profiledRun: statsOf(profiledRuns),
      betweenSteps: statsOf(profiledRuns.map((n, s) => n - perStep[s]!.reduce((a, b) => a + b, 0))),
    },
    macs: { binary: binaryMacs, real: macs - binaryMacs },
    ...(binaryMacs > 0 ? { binarySteps: { instructions: binaryInstructions, macs: binaryMacs, instructionsPerMac: binaryInstructions / binaryMacs } } : {}),
    flash: { modelBytes: plain.model.flashBytes, constBytes: estimateFootprint(p, target).constBytes },
    ram: {
      arenaBytes: 4 * c.arenaWords, lowerBoundBytes: 4 * c.lowerBoundWords, staticBytes,
      stackBytes: stack.bytes, stackMethod: 'painted', stackExhausted: stack.bytes >= stack.painted, peakBytes: staticBytes + stack.bytes,
    },
    outputs: await compareOutputs(c, samples, plain.outputs, floatReference, progress, path, (reference) => keep?.({
      reference, float: floatReference,
      onTarget: { values: plain.outputs, size: reference.size, flashBytes: plain.flashBytes, ramBytes: plain.ramBytes, instructions: plain.instructions },
    })),
  };
}

async function compareOutputs(
  c: Compiled, samples: Samples, onTarget: Float32Array, float: Outputs, progress: ProgressCounter, path: string,
  keep: (reference: ReferenceOutputs) => void,
): Promise<PathBench['outputs']> {
  progress.stage(`reference executor, ${path} path`);
  const reference = await referenceOutputs(c, samples, () => progress.advance());
  keep(reference);
  const size = reference.size;
  let bitExact = 0;
  let top1AgreeVsFloat = 0;
  let maxAbsDiffVsFloat = 0;
  for (let s = 0; s < samples.count; s++) {
    const row = (v: Float32Array) => v.subarray(s * size, (s + 1) * size);
    if (sameBits(row(onTarget), row(reference.values))) bitExact++;
    for (let i = s * size; i < (s + 1) * size; i++) maxAbsDiffVsFloat = Math.max(maxAbsDiffVsFloat, Math.abs(onTarget[i]! - float.values[i]!));
    if (argmax(onTarget, s * size, size) === argmax(float.values, s * size, size)) top1AgreeVsFloat++;
  }
  return { samples: samples.count, bitExact, maxAbsDiffVsFloat, top1AgreeVsFloat };
}
