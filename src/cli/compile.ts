/** `bnngen compile <model.onnx> --target T -o DIR`: write the generated C sources. */
import type { Command } from 'commander';
import { join } from 'node:path';
import { BnnError } from '../errors.js';
import { writeGeneratedFiles } from '../io/output-dir.js';
import { emitC } from '../phases/7-emit/emit.js';
import { estimateFootprint } from '../phases/7-emit/footprint.js';
import { compileFile } from '../pipeline.js';
import { budgetSummary, checkBudget } from '../targets/budget.js';
import { loadTarget } from '../targets/load.js';
import type { Target } from '../targets/target.js';
import { formatStackUsage, measureStackUsage } from '../toolchain/stack-usage.js';
import { action, thousands } from './common.js';
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
    .action(
      action(async (model: string, opts: { target: string; output: string; name: string; force?: boolean; ignoreBudget?: boolean }) => {
        const target = loadTarget(opts.target);
        const compiled = await compileFile(model, { name: opts.name });
        const footprint = estimateFootprint(compiled.program, target);
        // Before anything is written: a refused model leaves the output directory untouched.
        if (!opts.ignoreBudget) checkBudget(footprint, target, 'compile', model);
        const files = emitC(compiled.program, target);
        const written = await writeGeneratedFiles(opts.output, files, opts.force);
        process.stdout.write(`${programSummary(compiled)}\n${budgetSummary(footprint, target)}\n`);
        process.stdout.write(`wrote ${written.length} files to ${opts.output} (${thousands([...files.values()].reduce((n, f) => n + f.length, 0))} bytes of C)\n`);
        const sources = [...files.keys()].filter((f) => f.endsWith('.c')).map((f) => join(opts.output, f));
        process.stdout.write(`${await stackLine(target, opts.output, sources, `${compiled.program.name}_run`)}\n`);
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
