/** `bnngen report <model.onnx> --target T -o report.html`: one self-contained HTML page about the compiled model. */
import type { Command } from 'commander';
import { loadSamples } from '../io/samples.js';
import { compileFile } from '../pipeline.js';
import { checkReportPath, makeReportData, writeReport } from '../report/make.js';
import type { ReportData } from '../report/model.js';
import { loadTarget } from '../targets/load.js';
import { action, EXIT, thousands } from './common.js';
import { Output, type OutputOptions } from './output.js';
import { programSummary } from './summary.js';
import { parseCount } from './verify.js';

interface ReportOptions extends OutputOptions {
  target: string;
  output: string;
  name: string;
  /** commander's negatable --no-run: true unless given. */
  run: boolean;
  verify?: boolean;
  input?: string;
  labels?: string;
  dataset?: string;
  samples: string;
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('write an HTML report: layer graph, binary verdicts, per-step instructions, flash and RAM, memory plan, verification')
    .argument('<model>', 'ONNX model file')
    .requiredOption('-t, --target <name>', 'target (see `bnngen targets`)')
    .requiredOption('-o, --output <file.html>', 'the HTML file to write')
    .option('--name <id>', 'C prefix of the generated API (<name>_run)', 'model')
    .option('--no-run', 'do not run under QEMU: no instruction counts (emulated targets run by default)')
    .option('--verify', 'also verify the generated C on the target and add the summary')
    .option('--input <file.npy>', 'inputs for the run and the verification (default: seeded random in [0, 1))')
    .option('--labels <file.npy>', 'integer labels, one per sample, for accuracy')
    .option('--dataset <name>', 'use a dataset from a Debian package instead of --input (fashion-mnist)')
    .option('--samples <n>', 'number of samples to run and verify', '1')
    .action(
      action(async (model: string, opts: ReportOptions) => {
        const target = loadTarget(opts.target);
        await checkReportPath(opts.output);
        const count = parseCount(opts.samples);
        const compiled = await compileFile(model, { name: opts.name });
        const samples = await loadSamples({ input: opts.input, labels: opts.labels, dataset: opts.dataset, samples: count }, compiled.program.input.shape, count);
        const out = new Output(opts);
        out.print(programSummary(compiled));
        const runBar = out.progress('run');
        const verifyBar = out.progress('verify');
        let data: ReportData;
        try {
          data = await makeReportData(compiled, target, {
            run: opts.run, verify: opts.verify ?? false, samples, onRunProgress: runBar.update,
            // One bar at a time on stderr: the run's is gone when the verification's appears.
            onVerifyProgress: (p) => {
              runBar.stop();
              verifyBar.update(p);
            },
          });
        } finally {
          runBar.stop();
          verifyBar.stop();
        }
        await writeReport(opts.output, data);
        const measured = data.measurement ? `instructions per step from ${samples.count} run(s) on ${target.name}` : `no instruction counts: ${data.notMeasured}`;
        const verified = data.verification ? `; verification ${data.verification.bitExact}/${data.verification.samples} bit-exact` : '';
        out.print(`wrote ${opts.output} (${thousands(data.steps.length)} steps; ${measured}${verified})`);
        return data.verification && data.verification.bitExact !== data.verification.samples ? EXIT.mismatch : EXIT.ok;
      }),
    );
}
