/** `bnngen bench <model.onnx> --target T`: exact per-step instruction counts, flash and RAM, binary vs float path. */
import type { Command } from 'commander';
import { bench, checkBenchTarget, compileBenchPaths, type BenchReport, type PathBench } from '../bench.js';
import { loadSamples } from '../io/samples.js';
import { checkReportPath, writeReportFor } from '../report/make.js';
import { loadTarget } from '../targets/load.js';
import type { InstructionStats } from '../verify.js';
import { action, formatTable, thousands } from './common.js';
import { Output, type OutputOptions } from './output.js';
import { programSummary } from './summary.js';
import { parseCount } from './verify.js';

interface BenchOptions extends OutputOptions {
  target: string;
  input?: string;
  dataset?: string;
  samples?: string;
  json?: boolean;
  report?: string;
}

export function registerBench(program: Command): void {
  program
    .command('bench')
    .description('exact instructions per step under QEMU, MACs, flash and peak RAM; the binary path against the float path')
    .argument('<model>', 'ONNX model file')
    .requiredOption('-t, --target <name>', 'an emulated target (see `bnngen targets`)')
    .option('--input <file.npy>', 'inputs, float32, batch as the first axis (default: seeded random in [0, 1))')
    .option('--dataset <name>', 'use a dataset from a Debian package instead of --input (fashion-mnist)')
    .option('--samples <n>', 'number of samples to run', '1')
    .option('--json', 'one JSON document on stdout (schema bnngen.bench/1, docs/cli.md)')
    .option('--report <file.html>', 'also write an HTML report with the per-step counts of the binary path')
    .action(
      action(async (model: string, opts: BenchOptions) => {
        const target = loadTarget(opts.target);
        checkBenchTarget(target);
        if (opts.report) await checkReportPath(opts.report);
        const count = parseCount(opts.samples ?? '1');
        const paths = await compileBenchPaths(model);
        const samples = await loadSamples({ input: opts.input, dataset: opts.dataset, samples: count }, paths.binary.program.input.shape, count);
        const out = new Output(opts);
        out.print(`${programSummary(paths.binary)}\nbuilding and running both paths on ${target.name}...`);
        const bar = out.progress('bench');
        let report: BenchReport;
        try {
          report = await bench(paths, target, samples, { onProgress: bar.update });
        } finally {
          bar.stop();
        }
        if (opts.json) out.json({ schema: 'bnngen.bench/1', ...report });
        else out.print(formatBench(report));
        // The text report says it too; a quiet or JSON run would otherwise not show it to a person.
        if (report.floatSkipped !== undefined && (opts.quiet || opts.json)) out.warn(`float path not measured: ${report.floatSkipped}`);
        if (opts.report) {
          const line = await writeReportFor(opts.report, { compiled: paths.binary, target, bench: report });
          out.print(line);
        }
      }),
    );
}

const fixed = (v: number, digits: number) => v.toFixed(digits);

/** "1,234" when every sample gave the same count, else "1,234 (1,200-1,300)". */
function count(s: InstructionStats): string {
  return s.min === s.max ? thousands(s.min) : `${thousands(s.mean)} (${thousands(s.min)}-${thousands(s.max)})`;
}

function stepTable(p: PathBench): string {
  const run = p.instructions.profiledRun.mean;
  const header = ['#', 'kernel', 'node(s)', 'kind', 'MACs', 'instructions', 'per MAC', 'share', 'const bytes'];
  const rows = p.steps.map((s) => [
    String(s.index), s.kernel, s.origin, s.kind, thousands(s.binaryMacs + s.realMacs), count(s.instructions),
    s.instructionsPerMac === undefined ? '' : fixed(s.instructionsPerMac, s.instructionsPerMac < 10 ? 3 : 1),
    `${fixed((100 * s.instructions.mean) / run, 1)} %`, thousands(s.constBytes),
  ]);
  return formatTable(header, rows, new Set([0, 4, 5, 6, 7, 8]));
}

function pathSummary(p: PathBench, name: string): string[] {
  const i = p.instructions;
  const stepsTotal = p.steps.reduce((n, s) => n + s.instructions.mean, 0);
  const lines = [
    `steps: ${thousands(stepsTotal)} instructions; between them ${count(i.betweenSteps)} (marker calls, ${name}_run's entry and exit)`,
    `one ${name}_run call: ${count(i.run)} instructions (the build \`compile\` writes, without step markers)`,
    `MACs: ${thousands(p.macs.binary)} binary, ${thousands(p.macs.real)} real` +
      (p.binarySteps ? `; binary steps ${fixed(p.binarySteps.instructionsPerMac, 3)} instructions per binary MAC` : ''),
    `flash: ${thousands(p.flash.modelBytes)} bytes (code and data of ${name}.o and bnn_kernels.o; constants ${thousands(p.flash.constBytes)})`,
    `RAM: ${thousands(p.ram.peakBytes)} bytes peak = static ${thousands(p.ram.staticBytes)} (arena ${thousands(p.ram.arenaBytes)}, ` +
      `liveness lower bound ${thousands(p.ram.lowerBoundBytes)}) + stack ${p.ram.stackExhausted ? 'at least ' : ''}` +
      `${thousands(p.ram.stackBytes)} (measured by painting)`,
    `outputs: ${p.outputs.bitExact}/${p.outputs.samples} bit-exact with the reference executor; against the float ONNX model ` +
      `top-1 ${p.outputs.top1AgreeVsFloat}/${p.outputs.samples}, max |diff| ${p.outputs.maxAbsDiffVsFloat.toExponential(3)}`,
  ];
  return lines.map((l) => `  ${l}`);
}

export function formatBench(r: BenchReport): string {
  const out = [
    `${r.file} on ${r.target}: ${r.source}; exact instruction counts (QEMU TCG plugin)`,
    '',
    `binary path: ${r.binary.steps.length} steps`,
    stepTable(r.binary),
    ...pathSummary(r.binary, r.name),
    '',
  ];
  if (r.float) {
    out.push(`float path (binarization disabled: every layer float32, every Sign a float sign): ${r.float.steps.length} steps`);
    out.push(stepTable(r.float), ...pathSummary(r.float, r.name), '');
    out.push(`float / binary: ${fixed(r.floatOverBinary!, 2)}x the instructions per inference ` +
      `(${thousands(r.float.instructions.run.mean)} / ${thousands(r.binary.instructions.run.mean)})`);
  } else {
    out.push(`float path not measured: ${r.floatSkipped}`);
  }
  return out.join('\n');
}
