#!/usr/bin/env node
/** bnngen command line: one file per command in this folder. */
import { Command } from 'commander';
import { registerBench } from './bench.js';
import { registerCompile } from './compile.js';
import { registerInspect } from './inspect.js';
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
registerTargets(program);

await program.parseAsync(process.argv);
