#!/usr/bin/env node
/** bnngen command line: one file per command in this folder. */
import { Command } from 'commander';
import { registerBench } from './bench.js';
import { EXIT_HELP } from './common.js';
import { registerCompile } from './compile.js';
import { registerInspect } from './inspect.js';
import { exitQuietlyOnClosedPipe, outputOptions } from './output.js';
import { registerReport } from './report.js';
import { registerRun } from './run.js';
import { registerTargets } from './targets.js';
import { registerVerify } from './verify.js';

const program = new Command();
program
  .name('bnngen')
  .description('compile binary neural networks (IR-Net, ONNX) to self-contained C for microcontrollers')
  .version('0.1.0')
  .showHelpAfterError()
  .exitOverride((err) => {
    // Usage errors exit with status 2 (help and version with 0), as documented.
    process.exit(err.exitCode === 0 ? 0 : 2);
  });

registerCompile(program);
registerRun(program);
registerVerify(program);
registerInspect(program);
registerBench(program);
registerReport(program);
registerTargets(program);
// The same output options and exit statuses on every command (docs/cli.md).
for (const command of program.commands) outputOptions(command).addHelpText('after', EXIT_HELP);
program.addHelpText('after', EXIT_HELP);
exitQuietlyOnClosedPipe();

await program.parseAsync(process.argv);
