/** `bnngen compile <model.onnx> --target T -o DIR`: write the generated C sources. */
import type { Command } from 'commander';
import { join } from 'node:path';
import { BnnError } from '../errors.js';
import { writeGeneratedFiles } from '../io/output-dir.js';
import { emitC } from '../phases/7-emit/emit.js';
import { estimateFootprint } from '../phases/7-emit/footprint.js';
import { compileFile } from '../pipeline.js';
import { writeReportFor } from '../report/make.js';
import { budgetSummary, checkBudget, partBudgetProblem } from '../targets/budget.js';
import { loadTarget } from '../targets/load.js';
import type { Target } from '../targets/target.js';
import { formatStackUsage, measureStackUsage } from '../toolchain/stack-usage.js';
import { action, thousands } from './common.js';
import { Output, type OutputOptions } from './output.js';
import { programSummary } from './summary.js';

export function registerCompile(program: Command): void {
  program
    .command('compile')
    .description('compile an ONNX model to C sources for a target')
    .argument('<model>', 'ONNX model file')
    .requiredOption('-t, --target <name>', 'target (see `bnngen targets`)')
    .requiredOption('-o, --output <dir>', 'output directory')
    .option('--name <id>', 'C prefix of the generated API (<name>_run)', 'model')
    .option('--force', 'overwrite files in the output directory that bnngen did not generate')
    .option('--ignore-budget', "write the files even when the model exceeds the target's flash or RAM budget")
    .option('--report <file.html>', 'also write an HTML report (static: `bnngen report` adds instruction counts)')
    .action(
      action(async (model: string, opts: OutputOptions & { target: string; output: string; name: string; force?: boolean; ignoreBudget?: boolean; report?: string }) => {
        const out = new Output(opts);
        const target = loadTarget(opts.target);
        const compiled = await compileFile(model, { name: opts.name });
        const footprint = estimateFootprint(compiled.program, target);
        // Before anything is written: a refused model leaves the output directory untouched.
        if (!opts.ignoreBudget) checkBudget(footprint, target, 'compile', model);
        else {
          const problem = partBudgetProblem(footprint, target);
          if (problem !== undefined) out.warn(`model ${problem}; writing the files anyway (--ignore-budget)`);
        }
        const files = emitC(compiled.program, target);
        const written = await writeGeneratedFiles(opts.output, files, opts.force);
        out.print(`${programSummary(compiled)}\n${budgetSummary(footprint, target)}`);
        out.print(`wrote ${written.length} files to ${opts.output} (${thousands([...files.values()].reduce((n, f) => n + f.length, 0))} bytes)`);
        for (const [name, text] of files) out.detail(`  ${name}: ${thousands(text.length)} bytes`);
        const sources = [...files.keys()].filter((f) => f.endsWith('.c')).map((f) => join(opts.output, f));
        // The stack measurement runs gcc: skipped when nobody would see its line.
        if (!opts.quiet) out.print(await stackLine(target, opts.output, sources, `${compiled.program.name}_run`));
        if (opts.report) out.print(await writeReportFor(opts.report, { compiled, target, notMeasured: 'made by compile, which runs nothing (bnngen report counts instructions under QEMU)' }));
      }),
    );
}

/**
 * The worst-case stack of `entry` (<name>_run), measured by compiling the written files with the target's gcc
 * (well under a second). Writing C needs no compiler, so a missing one only costs the measurement, not the command.
 */
async function stackLine(target: Target, dir: string, sources: readonly string[], entry: string): Promise<string> {
  try {
    return formatStackUsage(await measureStackUsage({ target, sources, includeDir: dir, entry }));
  } catch (e) {
    if (e instanceof BnnError) return `stack: not measured (${e.reason})`;
    throw e;
  }
}
