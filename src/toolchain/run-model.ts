import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BnnError } from '../errors.js';
import { alignedBuffer, bytesOf } from '../io/bytes.js';
import type { Target } from '../targets/target.js';
import { buildFirmware } from './build.js';
import { writeHarness } from './harness.js';
import { ensureIcountPlugin } from './icount-plugin.js';
import { findProfileMarkers, icountQemuArgs, readIcountReport, type IcountReport } from './icount.js';
import { runFirmware } from './run.js';
import type { Footprint } from './size.js';

/** BNN_PROFILE_ID_RUN of templates/harness/bnn_profile.h. */
const PROFILE_ID_RUN = 0;

export interface RunModelOptions {
  readonly target: Target;
  /** Folder with the generated model (<modelName>.h/.c and its kernels). */
  readonly sourceDir: string;
  readonly modelName: string;
  /** samples × inputSize float32 values, sample after sample. */
  readonly inputs: Float32Array;
  readonly samples: number;
  readonly inputSize: number;
  readonly outputSize: number;
  /** Keep the build and the data files here; without it a temporary folder is used and removed. */
  readonly workDir?: string;
  /** Default: one minute plus 100 ms per sample, generous for a loaded machine. */
  readonly timeoutMs?: number;
  /**
   * Count the instructions of every <modelName>_run call exactly, with bnngen's QEMU plugin (docs/benchmarking.md).
   * Emulated targets only: on the host target the result has no `instructions`.
   */
  readonly countInstructions?: boolean;
  /**
   * The model in sourceDir is a profiling build (emitC's `profile` option) with this many steps: each step k is
   * counted as region k + 1 (needs countInstructions). Default 0: only whole runs.
   */
  readonly profiledSteps?: number;
  /** Measure the deepest stack of the <modelName>_run calls by painting (emulated targets only). */
  readonly measureStack?: boolean;
}

/** Exact instruction counts of the <modelName>_run calls, from QEMU's instruction-count plugin. */
export interface InstructionCounts {
  /** All runs together. */
  readonly total: number;
  /** Number of measured regions (runs); equals the number of samples. */
  readonly regions: number;
  /** One count per run, in sample order. */
  readonly perRun: readonly number[];
  /** With profiledSteps: perStep[sample][step], the instructions of each step's call in each run. */
  readonly perStep?: readonly (readonly number[])[];
}

/** The deepest stack below the harness's stack pointer that any <modelName>_run call used. */
export interface PaintedStack {
  readonly bytes: number;
  /** Bytes that were painted; bytes === painted means the runs used all of it (or more). */
  readonly painted: number;
}

export interface RunModelResult {
  /** samples × outputSize float32 values, exactly as the target computed them. */
  readonly outputs: Float32Array;
  /** Footprint of the whole test program (model + harness + C library). */
  readonly flashBytes: number;
  readonly ramBytes: number;
  /** Footprint of the model's own objects (see BuildResult.model). */
  readonly model: Footprint;
  /** Present when countInstructions was asked for on an emulated target. */
  readonly instructions?: InstructionCounts;
  /** Present when measureStack was asked for on an emulated target. */
  readonly stack?: PaintedStack;
}

const INPUT_FILE = 'inputs.f32';
const OUTPUT_FILE = 'outputs.f32';
const ICOUNT_FILE = 'icount.txt';

/**
 * Stack reserved by a stack-measuring build: picolibc's default 2 KiB is tight for measuring, so up to 64 KiB,
 * at most an eighth of the emulated board's RAM.
 */
export function measuredStackReserve(target: Target): number {
  return Math.max(0x800, Math.min(0x10000, Math.floor((target.memory?.ram.size ?? 0) / 8 / 4) * 4));
}

/**
 * Builds the model with the harness for `target` and runs all samples in ONE program run (one QEMU process):
 * inputs go in through a file, outputs come back through another.
 */
export async function runModelOnTarget(opts: RunModelOptions): Promise<RunModelResult> {
  const { target, samples, inputSize, outputSize } = opts;
  for (const [what, n] of [['samples', samples], ['inputSize', inputSize], ['outputSize', outputSize]] as const) {
    if (!Number.isSafeInteger(n) || n < 0 || (n === 0 && what !== 'samples')) {
      throw new BnnError(`${what} must be a ${what === 'samples' ? 'non-negative' : 'positive'} integer, got ${n}`);
    }
  }
  if (opts.inputs.length !== samples * inputSize) {
    throw new BnnError(`${opts.inputs.length} input values given, expected ${samples} samples × ${inputSize}`);
  }
  if (opts.workDir && resolve(opts.workDir) === resolve(opts.sourceDir)) {
    throw new BnnError('workDir must differ from sourceDir: the harness written there would count as model source');
  }
  const dir = opts.workDir ? resolve(opts.workDir) : await mkdtemp(join(tmpdir(), 'bnngen-run-'));
  await mkdir(dir, { recursive: true });
  try {
    const steps = opts.profiledSteps ?? 0;
    const measuringStack = opts.measureStack === true && target.qemu !== undefined;
    const harness = await writeHarness(opts.modelName, dir);
    const build = await buildFirmware({
      target, sourceDir: opts.sourceDir, extraSources: harness, outDir: dir,
      extraCflags: [
        // A profiling build of the model includes bnn_profile.h, which lies next to the harness.
        ...(steps > 0 ? ['-I', dir] : []),
        // Step k is region k + 1: more than 255 steps need a larger id table.
        ...(steps + 1 > 256 ? [`-DBNN_PROFILE_MAX_IDS=${steps + 1}u`] : []),
        ...(measuringStack ? ['-DBNN_MEASURE_STACK'] : []),
      ],
      extraLdflags: measuringStack ? stackReserveLdflags(measuredStackReserve(target)) : [],
    });
    await writeFile(join(dir, INPUT_FILE), bytesOf(opts.inputs));
    // Stale files from an earlier run must not pass as this run's results.
    await rm(join(dir, OUTPUT_FILE), { force: true });
    await rm(join(dir, ICOUNT_FILE), { force: true });
    const counting = opts.countInstructions === true && target.qemu !== undefined;
    const run = await runFirmware({
      target,
      elf: build.elf,
      args: [INPUT_FILE, OUTPUT_FILE, String(samples), String(inputSize), String(outputSize)],
      cwd: dir,
      timeoutMs: opts.timeoutMs ?? 60_000 + 100 * samples,
      qemuOptions: counting
        ? icountQemuArgs(await ensureIcountPlugin(), await findProfileMarkers(target, build.elf), join(dir, ICOUNT_FILE))
        : undefined,
    });
    const lastLine = run.stdout.trim().split('\n').pop() ?? '';
    if (run.exitCode !== 0) {
      const why = sanitizerReport(run.stderr) ?? (lastLine || '(no output)');
      throw new BnnError(`harness for ${opts.modelName} on ${target.name} exited with status ${run.exitCode}: ${why}`);
    }
    if (!run.stdout.split('\n').some((l) => l.trim() === `done ${samples}`)) {
      throw new BnnError(`harness for ${opts.modelName} on ${target.name} did not report 'done ${samples}' (last line: ${lastLine || '(none)'})`);
    }
    const outputs = fromLittleEndianBytes(await readFile(join(dir, OUTPUT_FILE)));
    if (outputs.length !== samples * outputSize) {
      throw new BnnError(`output file has ${outputs.length} values, expected ${samples} samples × ${outputSize}`);
    }
    const instructions = counting ? runCounts(await readIcountReport(join(dir, ICOUNT_FILE)), samples, steps) : undefined;
    const stack = measuringStack ? stackLine(run.stdout) : undefined;
    return { outputs, flashBytes: build.flashBytes, ramBytes: build.ramBytes, model: build.model, instructions, stack };
  } finally {
    if (!opts.workDir) await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The harness makes one BNN_PROFILE_ID_RUN region per sample; a profiling build adds regions 1..steps inside
 * each run, which close before the run's region does.
 */
function runCounts(report: IcountReport, samples: number, steps: number): InstructionCounts {
  const perRun: number[] = [];
  const perStep: number[][] = [];
  let current: number[] = [];
  for (const r of report.regions) {
    if (r.id === PROFILE_ID_RUN) {
      const closed = current.filter(() => true).length; // filter skips the holes of steps that never closed
      if (closed !== steps) throw new BnnError(`instruction count: run ${perRun.length} has ${closed} of ${steps} step regions`);
      perRun.push(r.instructions);
      perStep.push(current);
      current = [];
    } else if (r.id <= steps && current[r.id - 1] === undefined) {
      current[r.id - 1] = r.instructions;
    } else {
      throw new BnnError(`instruction count: unexpected region ${r.id} in run ${perRun.length} (${steps} profiled steps)`);
    }
  }
  if (perRun.length !== samples || current.length > 0) {
    throw new BnnError(`instruction count: ${report.regions.length} regions, ${perRun.length} of them runs, for ${samples} samples`);
  }
  const total = perRun.reduce((a, b) => a + b, 0);
  return { total, regions: perRun.length, perRun, ...(steps > 0 ? { perStep } : {}) };
}

/**
 * The first line of an AddressSanitizer or UndefinedBehaviorSanitizer report (a build with -fsanitize, e.g. the
 * host-asan target): "model.c:12:5: runtime error: ..." or "ERROR: AddressSanitizer: global-buffer-overflow ...".
 */
function sanitizerReport(stderr: string): string | undefined {
  return /^.*(?:runtime error: |ERROR: \w+Sanitizer).*$/m.exec(stderr)?.[0].replace(/^=+\d+=+/, '').trim();
}

/**
 * Linker flags that move picolibc's heap end `bytes` below the stack top, where the harness starts painting.
 * picolibc.ld computes __heap_end from DEFINED(__stack_size), but gcc puts the specs' -T script before every
 * -Wl option, so a --defsym of __stack_size comes too late for that test and the region stayed 2 KiB:
 * __heap_end itself has to be defined (its PROVIDE then stands back).
 */
function stackReserveLdflags(bytes: number): string[] {
  const hex = `0x${bytes.toString(16)}`;
  return [`-Wl,--defsym=__stack_size=${hex}`, `-Wl,--defsym=__heap_end=__stack-${hex}`];
}

/** The harness's "stack USED PAINTED" line. */
function stackLine(stdout: string): PaintedStack {
  const m = /^stack (\d+) (\d+)$/m.exec(stdout);
  if (!m) throw new BnnError('the stack-measuring harness printed no stack line');
  return { bytes: Number(m[1]), painted: Number(m[2]) };
}

function fromLittleEndianBytes(bytes: Uint8Array): Float32Array {
  if (bytes.length % 4 !== 0) throw new BnnError(`output file length ${bytes.length} is not a multiple of 4 bytes`);
  return new Float32Array(alignedBuffer(bytes));
}
