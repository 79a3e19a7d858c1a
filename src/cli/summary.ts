/** Short human summaries of a compiled model, shared by compile, verify and inspect. */
import type { Program } from '../lowered/program.js';
import type { Compiled } from '../pipeline.js';
import { thousands } from './common.js';

/** Bytes of constants (weights, scales, thresholds) the program places in flash. */
export function constBytes(program: Program): number {
  return program.consts.reduce((n, c) => n + c.data.byteLength, 0);
}

export function programSummary(c: Compiled): string {
  const layers = c.binarized.verdicts;
  const binary = layers.filter((v) => v.binary).length;
  return [
    `${c.file}: ${c.loaded.nodes.length} nodes, ${c.foldedNodes} folded at compile time, ${binary}/${layers.length} conv/linear layers binary`,
    `program: ${c.program.steps.length} kernel calls, ${thousands(constBytes(c.program))} bytes of constants, ` +
      `arena ${thousands(c.arenaWords * 4)} bytes (liveness lower bound ${thousands(c.lowerBoundWords * 4)})`,
  ].join('\n');
}
