/** `bnngen inspect <model.onnx>`: what bnngen makes of the model, layer by layer. */
import type { Command } from 'commander';
import { stepCost, stepKind, type StepKind } from '../lowered/cost.js';
import type { Program, Shape3, Step } from '../lowered/program.js';
import { compileFile, type Compiled } from '../pipeline.js';
import { action, formatTable, thousands } from './common.js';
import { Output, type OutputOptions } from './output.js';
import { programSummary } from './summary.js';

export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description('per-layer table: kernel, binary or real and why, shapes, parameters, MACs, bytes')
    .argument('<model>', 'ONNX model file')
    .option('--json', 'one JSON document on stdout (schema bnngen.inspect/1, docs/cli.md)')
    .action(
      action(async (model: string, opts: OutputOptions) => {
        const out = new Output(opts);
        const compiled = await compileFile(model);
        const rows = layerRows(compiled);
        if (opts.json) {
          out.json({ schema: 'bnngen.inspect/1', file: model, verdicts: compiled.binarized.verdicts, layers: rows });
          return;
        }
        printTables(out, compiled, rows);
      }),
    );
}

/** The human-readable form: summary, per-layer table, totals, and why layers stay real. */
function printTables(out: Output, compiled: Compiled, rows: readonly LayerRow[]): void {
  out.print(`${programSummary(compiled)}\n`);
  const header = ['#', 'kernel', 'node(s)', 'kind', 'in', 'out', 'params', 'MACs', 'bytes'];
  const table = rows.map((r, i) => [String(i), r.kernel, r.origin, r.kind, r.in, r.out, thousands(r.params), thousands(r.macs), thousands(r.bytes)]);
  out.print(formatTable(header, table, new Set([0, 6, 7, 8])));
  const totals = rows.reduce((t, r) => ({ bin: t.bin + (r.kind === 'binary' ? r.macs : 0), real: t.real + (r.kind !== 'binary' ? r.macs : 0), bytes: t.bytes + r.bytes }), { bin: 0, real: 0, bytes: 0 });
  out.print(`\ntotal: ${thousands(totals.bin)} binary MACs, ${thousands(totals.real)} real MACs/ops, ${thousands(totals.bytes)} bytes of constants`);
  // Every conv/linear layer: binarized or not, and why (the reason names the first thing that failed).
  const verdicts = compiled.binarized.verdicts;
  if (verdicts.length === 0) return;
  out.print(`\nconv/linear layers: ${verdicts.filter((v) => v.binary).length} of ${verdicts.length} binarized`);
  for (const v of verdicts) {
    const step = rows.findIndex((r) => r.origin.split(' + ').includes(v.node));
    out.print(`  ${v.binary ? 'binary' : 'real  '}  ${v.node} (${v.opType})${step < 0 ? '' : ` [step ${step}]`}: ${v.reason}`);
  }
}

export interface LayerRow {
  readonly kernel: string;
  readonly origin: string;
  readonly kind: StepKind;
  readonly in: string;
  readonly out: string;
  readonly params: number;
  readonly macs: number;
  readonly bytes: number;
}

const fmt = (s: Shape3) => `${s[0]}x${s[1]}x${s[2]}`;

function shapes(p: Program, step: Step): [string, string] {
  const b = (id: number) => fmt(p.buffers[id]!.shape);
  switch (step.kernel) {
    case 'add_f32':
      return [`${b(step.a)} + ${b(step.b)}`, b(step.output)];
    case 'concat_f32':
      return [step.inShapes.map(fmt).join(' | '), b(step.output)];
    default:
      return [b(step.input), b(step.output)];
  }
}

export function layerRows(c: Compiled): LayerRow[] {
  const p = c.program;
  return p.steps.map((step) => {
    const cost = stepCost(p, step);
    const [i, o] = shapes(p, step);
    return { kernel: step.kernel, origin: step.origin, kind: stepKind(cost), in: i, out: o, params: cost.params, macs: cost.macs, bytes: cost.bytes };
  });
}
