/** `bnngen verify <model.onnx> --target T`: build, run under QEMU, compare with both references. */
import type { Command } from 'commander';
import { BnnError } from '../errors.js';
import { loadSamples } from '../io/samples.js';
import { estimateFootprint } from '../phases/7-emit/footprint.js';
import { compileFile } from '../pipeline.js';
import { checkBudget } from '../targets/budget.js';
import { loadTarget } from '../targets/load.js';
import { verify, type InstructionStats, type VerifyReport } from '../verify.js';
import { action, EXIT, percent, thousands } from './common.js';
import { Output, type OutputOptions, type Styles } from './output.js';
import { programSummary } from './summary.js';

interface VerifyOptions extends OutputOptions {
  target: string;
  input?: string;
  labels?: string;
  dataset?: string;
  samples?: string;
  json?: boolean;
  ignoreBudget?: boolean;
  /** commander's negatable --no-count-instructions: true unless given. */
  countInstructions: boolean;
}

export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description('run the generated C under QEMU and compare with the reference executor and the float model')
    .argument('<model>', 'ONNX model file')
    .requiredOption('-t, --target <name>', 'target (see `bnngen targets`)')
    .option('--input <file.npy>', 'inputs, float32, batch as the first axis (default: seeded random in [0, 1))')
    .option('--labels <file.npy>', 'integer labels, one per sample, for accuracy')
    .option('--dataset <name>', 'use a dataset from a Debian package instead of --input (fashion-mnist)')
    .option('--samples <n>', 'number of samples (default: all given, 1000 for a dataset, 100 random)')
    .option('--no-count-instructions', 'skip the exact instruction count per inference (QEMU plugin built with the host gcc)')
    .option('--json', 'one JSON document on stdout (schema bnngen.verify/1, docs/cli.md)')
    .option('--ignore-budget', "verify even when the model exceeds the target's flash or RAM budget (the emulated board may have more)")
    .action(
      action(async (model: string, opts: VerifyOptions) => {
        const target = loadTarget(opts.target);
        const compiled = await compileFile(model);
        if (!opts.ignoreBudget) checkBudget(estimateFootprint(compiled.program, target), target, 'verify', model);
        const count = opts.samples !== undefined ? parseCount(opts.samples) : opts.dataset ? 1000 : undefined;
        const samples = await loadSamples({ input: opts.input, labels: opts.labels, dataset: opts.dataset, samples: count }, compiled.program.input.shape);
        const out = new Output(opts);
        out.print(`${programSummary(compiled)}\nrunning ${samples.count} samples (${samples.description}) on ${target.name}...`);
        const bar = out.progress('verify');
        let report: VerifyReport;
        try {
          report = await verify(compiled, target, samples, { countInstructions: opts.countInstructions, onProgress: bar.update });
        } finally {
          bar.stop();
        }
        if (opts.json) out.json(verifyJson(model, report));
        else out.print(formatReport(report, out.style));
        if (opts.quiet && !passed(report)) out.warn(`verification failed: ${report.bitExact}/${report.samples} samples bit-exact`);
        return passed(report) ? EXIT.ok : EXIT.mismatch;
      }),
    );
}

/** Verification passes when every sample's C output equals the reference executor's bit for bit. */
export function passed(r: VerifyReport): boolean {
  return r.bitExact === r.samples;
}

/** The --json document: the report with a schema tag, the model file and the verdict first (docs/cli.md). */
export function verifyJson(file: string, r: VerifyReport): { schema: string; file: string; pass: boolean } & VerifyReport {
  return { schema: 'bnngen.verify/1', file, pass: passed(r), ...r };
}

export function parseCount(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n <= 0) throw new BnnError(`--samples must be a positive integer, got '${text}'`);
  return n;
}

/** "instructions per inference on cortex-m4: 12,345,678 (exact, QEMU TCG plugin)", with the range if runs differ. */
export function formatInstructions(target: string, s: InstructionStats): string {
  const count = s.min === s.max ? thousands(s.min) : `mean ${thousands(s.mean)} (min ${thousands(s.min)}, max ${thousands(s.max)})`;
  return `instructions per inference on ${target}: ${count} (exact, QEMU TCG plugin)`;
}

export function formatReport(r: VerifyReport, style?: Styles): string {
  const lines = [
    `bit-exact vs lowered reference: ${r.bitExact}/${r.samples} samples (${percent(r.bitExact, r.samples)})`,
    `top-1 agreement vs float ONNX:  ${r.top1Agree}/${r.samples} (${percent(r.top1Agree, r.samples)}), max |diff| ${r.maxAbsDiff.toExponential(3)}`,
  ];
  if (r.accuracy) lines.push(`accuracy: C on ${r.target} ${(100 * r.accuracy.c).toFixed(2)} %, float ONNX ${(100 * r.accuracy.float).toFixed(2)} %`);
  lines.push(`sign(0) ties: ${r.signTies} exact zeros at sign points, in ${r.samplesWithTies} of ${r.samples} samples`);
  lines.push(`test program on ${r.target}: flash ${thousands(r.flashBytes)} bytes, static RAM ${thousands(r.ramBytes)} bytes`);
  if (r.instructionsPerInference) lines.push(formatInstructions(r.target, r.instructionsPerInference));
  if (r.firstMismatch) {
    const m = r.firstMismatch;
    lines.push(`FIRST MISMATCH: sample ${m.sample}, output ${m.index}: C ${m.c}, reference ${m.reference}`);
  }
  lines.push(passed(r) ? (style?.pass ?? String)('PASS') : (style?.fail ?? String)('FAIL: the C output differs from the reference executor'));
  return lines.join('\n');
}
