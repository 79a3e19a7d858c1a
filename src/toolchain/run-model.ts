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
}

/** Exact instruction counts of the <modelName>_run calls, from QEMU's instruction-count plugin. */
export interface InstructionCounts {
  /** All runs together. */
  readonly total: number;
  /** Number of measured regions (runs); equals the number of samples. */
  readonly regions: number;
  /** One count per run, in sample order. */
  readonly perRun: readonly number[];
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
}

const INPUT_FILE = 'inputs.f32';
const OUTPUT_FILE = 'outputs.f32';
const ICOUNT_FILE = 'icount.txt';

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
    const harness = await writeHarness(opts.modelName, dir);
    const build = await buildFirmware({ target, sourceDir: opts.sourceDir, extraSources: harness, outDir: dir });
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
      throw new BnnError(`harness for ${opts.modelName} on ${target.name} exited with status ${run.exitCode}: ${lastLine || '(no output)'}`);
    }
    if (!run.stdout.split('\n').some((l) => l.trim() === `done ${samples}`)) {
      throw new BnnError(`harness for ${opts.modelName} on ${target.name} did not report 'done ${samples}' (last line: ${lastLine || '(none)'})`);
    }
    const outputs = fromLittleEndianBytes(await readFile(join(dir, OUTPUT_FILE)));
    if (outputs.length !== samples * outputSize) {
      throw new BnnError(`output file has ${outputs.length} values, expected ${samples} samples × ${outputSize}`);
    }
    const instructions = counting ? runCounts(await readIcountReport(join(dir, ICOUNT_FILE)), samples) : undefined;
    return { outputs, flashBytes: build.flashBytes, ramBytes: build.ramBytes, model: build.model, instructions };
  } finally {
    if (!opts.workDir) await rm(dir, { recursive: true, force: true });
  }
}

/** The harness makes one BNN_PROFILE_ID_RUN region per sample and no other region. */
function runCounts(report: IcountReport, samples: number): InstructionCounts {
  const perRun = report.regions.filter((r) => r.id === PROFILE_ID_RUN).map((r) => r.instructions);
  if (perRun.length !== samples || report.regions.length !== samples) {
    throw new BnnError(`instruction count: ${report.regions.length} regions, ${perRun.length} of them runs, for ${samples} samples`);
  }
  return { total: report.total, regions: perRun.length, perRun };
}

function fromLittleEndianBytes(bytes: Uint8Array): Float32Array {
  if (bytes.length % 4 !== 0) throw new BnnError(`output file length ${bytes.length} is not a multiple of 4 bytes`);
  return new Float32Array(alignedBuffer(bytes));
}
