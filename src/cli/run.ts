/** `bnngen run <model.onnx> --target T --input x.npy --output y.npy`: outputs of the generated C on the target. */
import type { Command } from 'commander';
import { BnnError } from '../errors.js';
import { writeNpy } from '../io/npy.js';
import { loadSamples } from '../io/samples.js';
import { estimateFootprint } from '../phases/7-emit/footprint.js';
import { compileFile } from '../pipeline.js';
import { checkBudget } from '../targets/budget.js';
import { loadTarget } from '../targets/load.js';
import { targetOutputs } from '../verify.js';
import { action } from './common.js';
import { Output, type OutputOptions } from './output.js';

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('run the generated C for a target (under QEMU) on inputs from a .npy file')
    .argument('<model>', 'ONNX model file')
    .requiredOption('-t, --target <name>', 'target (see `bnngen targets`)')
    .requiredOption('--input <file.npy>', 'inputs, float32, batch as the first axis')
    .requiredOption('--output <file.npy>', 'where to write the outputs (float32, batch first)')
    .option('--ignore-budget', "run even when the model exceeds the target's flash or RAM budget")
    .action(
      action(async (model: string, opts: OutputOptions & { target: string; input: string; output: string; ignoreBudget?: boolean }) => {
        const target = loadTarget(opts.target);
        const compiled = await compileFile(model);
        if (!opts.ignoreBudget) checkBudget(estimateFootprint(compiled.program, target), target, 'run', model);
        const samples = await loadSamples({ input: opts.input }, compiled.program.input.shape);
        const out = await targetOutputs(compiled, target, samples);
        try {
          writeNpy(opts.output, out.values, [samples.count, ...compiled.program.output.shape.slice(1)]);
        } catch (e) {
          throw new BnnError(`cannot write outputs (${(e as Error).message})`, { file: opts.output });
        }
        new Output(opts).print(`${samples.count} samples -> ${opts.output} [${samples.count}, ${compiled.program.output.shape.slice(1)}]`);
      }),
    );
}
