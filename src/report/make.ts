/**
 * Making a report: optionally measure the binary path under QEMU (bench's per-step profile) and verify it, then
 * write the page. `bnngen report` measures by default on emulated targets; `compile --report` never runs
 * anything; `bench --report` passes the bench it has just made.
 */
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { measurePath, type BenchReport } from '../bench.js';
import { BnnError } from '../errors.js';
import type { Samples } from '../io/samples.js';
import type { Compiled } from '../pipeline.js';
import { ProgressCounter, type ProgressCallback } from '../progress.js';
import type { Target } from '../targets/target.js';
import { floatOutputs, verify, type KnownOutputs } from '../verify.js';
import { buildReportData, type ReportData, type ReportInputs } from './model.js';
import { renderReport } from './render.js';

export interface MakeReportOptions {
  /** Count instructions per step under QEMU (emulated targets only). */
  readonly run: boolean;
  readonly verify: boolean;
  /** The samples of the run and of the verification. */
  readonly samples: Samples;
  /** Progress of the run and of the verification (the CLI's bars). */
  readonly onRunProgress?: ProgressCallback;
  readonly onVerifyProgress?: ProgressCallback;
}

export async function makeReportData(compiled: Compiled, target: Target, o: MakeReportOptions): Promise<ReportData> {
  const notMeasured = !o.run ? 'made with --no-run'
    : !target.qemu ? `${target.name} runs natively, and instruction counts come from QEMU` : undefined;
  let known: KnownOutputs | undefined;
  const bench = notMeasured === undefined
    ? await measureBinaryPath(compiled, target, o.samples, o.onRunProgress, (k) => (known = k))
    : undefined;
  // With a bench, verify reuses its run and both references instead of building and computing them again.
  const verification = o.verify
    ? await verify(compiled, target, o.samples, { countInstructions: target.qemu !== undefined, onProgress: o.onVerifyProgress, known })
    : undefined;
  return buildReportData({ compiled, target, bench, notMeasured, verification });
}

/** Bench of the binary path only: the per-step profile the report charts (the float path is `bench`'s job). */
async function measureBinaryPath(
  c: Compiled, target: Target, samples: Samples, onProgress: ProgressCallback | undefined, keep: (outputs: KnownOutputs) => void,
): Promise<BenchReport> {
  const dir = await mkdtemp(join(tmpdir(), 'bnngen-report-'));
  // Units as bench counts them: each sample through the float model, two QEMU runs, each sample again.
  const progress = new ProgressCounter(2 * samples.count + 2, onProgress);
  try {
    progress.stage('float ONNX model');
    const reference = await floatOutputs(c, samples, () => progress.advance());
    const binary = await measurePath(c, 'binary', target, samples, reference, dir, progress, keep);
    return { file: c.file, name: c.program.name, target: target.name, samples: samples.count, source: samples.description, binary };
  } finally {
    progress.finish();
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Refuses, before any long run, a report path that is a directory or lies in a missing one (one line, exit 2).
 * writeReport still catches what only the write can tell (permissions, a full disk).
 */
export async function checkReportPath(path: string): Promise<void> {
  const folder = dirname(resolve(path));
  if (!(await stat(folder).catch(() => undefined))?.isDirectory()) throw new BnnError(`cannot write the report to ${path}: no folder ${folder}`);
  if ((await stat(path).catch(() => undefined))?.isDirectory()) throw new BnnError(`cannot write the report to ${path}: it is a folder`);
}

/** Renders and writes the page; a path that cannot be written is bad input (one line, exit 2). */
export async function writeReport(path: string, data: ReportData): Promise<void> {
  try {
    await writeFile(path, renderReport(data));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === undefined) throw e;
    throw new BnnError(`cannot write the report to ${path} (${code})`);
  }
}

/** `compile --report` and `bench --report`: the report of what the command has just made; returns the line to print. */
export async function writeReportFor(path: string, inputs: ReportInputs): Promise<string> {
  await writeReport(path, buildReportData(inputs));
  return `wrote the HTML report to ${path}`;
}
