/**
 * What the HTML report shows, as plain data: made from the compiled model (layers, verdicts, memory plan, static
 * costs), the target's footprint estimate and, when they were run, a bench measurement of the binary path and a
 * verification. render.ts turns it into the page; nothing here knows about HTML.
 */
import type { BenchReport, PathBench } from '../bench.js';
import { describeStep } from '../lowered/describe.js';
import { stepCost, stepKind, stepLabel, type StepKind } from '../lowered/cost.js';
import type { BufferDecl, Shape3, Step } from '../lowered/program.js';
import { stepInputs } from '../lowered/validate.js';
import type { LayerVerdict } from '../phases/3-binarize/binarize.js';
import { bufferLifetimes } from '../phases/6-plan/plan.js';
import { estimateFootprint, type FootprintEstimate } from '../phases/7-emit/footprint.js';
import type { Compiled } from '../pipeline.js';
import type { Target } from '../targets/target.js';
import type { InstructionStats, VerifyReport } from '../verify.js';

export interface ReportStep {
  readonly index: number;
  /** Kernel of the lowered program; binary convolutions name their epilogue, as bench does. */
  readonly kernel: string;
  readonly description: string;
  /** The ONNX node(s) the step computes. */
  readonly origin: readonly string[];
  /** 'binary': XNOR-popcount; 'real': float arithmetic with MACs (conv, affine); 'data': packing, clipping, adding, pooling, copying. */
  readonly kind: StepKind;
  /** The binarization verdict of the Conv/Gemm/MatMul the step computes, if it computes one. */
  readonly verdict?: LayerVerdict;
  readonly inShapes: readonly string[];
  readonly outShape: string;
  readonly macs: number;
  /** Bytes of the step's weights, scales, thresholds and biases in flash. */
  readonly constBytes: number;
  /** Buffers the step reads and writes (ids into ReportData.buffers). */
  readonly reads: readonly number[];
  readonly writes: number;
  /** Arena buffers live while the step runs. */
  readonly live: readonly number[];
  /**
   * Arena bytes in use while the step runs: the union of the live buffers' ranges, so that a kernel running in
   * place (its output sharing its operand's range) is counted once.
   */
  readonly liveBytes: number;
  /** Instructions of the step's call under QEMU, when the report was made with a run. */
  readonly instructions?: InstructionStats;
}

export interface ReportBuffer {
  readonly id: number;
  readonly name: string;
  readonly kind: 'f32' | 'bits';
  readonly shape: string;
  readonly bytes: number;
  /** The caller's input or output array: not in the arena. */
  readonly external?: 'input' | 'output';
  /** Arena placement and lifetime (first step writing it, last step reading it) of internal buffers. */
  readonly offsetBytes?: number;
  readonly first?: number;
  readonly last?: number;
}

/** The binary path measured under QEMU (bench's profile build and plain build). */
export interface ReportMeasurement {
  readonly samples: number;
  readonly source: string;
  readonly run: InstructionStats;
  readonly betweenSteps: InstructionStats;
  readonly flashBytes: number;
  readonly ram: PathBench['ram'];
  readonly outputs: PathBench['outputs'];
  /** The float path, when `bench --report` measured it, or why it was not measured. */
  readonly float?: { readonly run: InstructionStats; readonly overBinary: number } | { readonly skipped: string };
}

export interface ReportData {
  readonly file: string;
  readonly target: { readonly name: string; readonly description: string; readonly part: Target['part'] };
  readonly apiName: string;
  readonly onnxNodes: number;
  readonly foldedNodes: number;
  readonly verdicts: readonly LayerVerdict[];
  readonly steps: readonly ReportStep[];
  readonly buffers: readonly ReportBuffer[];
  readonly arenaBytes: number;
  readonly lowerBoundBytes: number;
  readonly footprint: FootprintEstimate;
  readonly measurement?: ReportMeasurement;
  /** Why there are no instruction counts (compile --report, --no-run, a target that is not emulated). */
  readonly notMeasured?: string;
  readonly verification?: VerifyReport;
}

export interface ReportInputs {
  readonly compiled: Compiled;
  readonly target: Target;
  /** A bench report: its binary path gives the per-step counts; its float path, when measured, the comparison. */
  readonly bench?: BenchReport;
  readonly notMeasured?: string;
  readonly verification?: VerifyReport;
}

const dims = (s: Shape3) => `${s[0]}x${s[1]}x${s[2]}`;

export function buildReportData({ compiled, target, bench, notMeasured, verification }: ReportInputs): ReportData {
  const p = compiled.program;
  const measured = bench?.binary;
  if (measured && measured.steps.length !== p.steps.length) {
    throw new Error(`report: the measurement has ${measured.steps.length} steps, the program ${p.steps.length}`);
  }
  const lifetimes = bufferLifetimes(p);
  const lifetimeOf = new Map(lifetimes.map((l) => [l.buffer.id, l]));
  const verdicts = compiled.binarized.verdicts;
  const steps = p.steps.map((step, i): ReportStep => {
    const cost = stepCost(p, step);
    const live = lifetimes.filter((l) => l.first <= i && i <= l.last).map((l) => l.buffer.id);
    const instructions = measured?.steps[i]!.instructions;
    const verdict = verdictOf(step, verdicts);
    const reads = stepInputs(step);
    return {
      index: i, kernel: stepLabel(step),
      description: describeStep(step), origin: step.origin.split(' + '), kind: stepKind(cost),
      ...(verdict ? { verdict } : {}),
      inShapes: reads.map((id) => dims(p.buffers[id]!.shape)), outShape: dims(p.buffers[step.output]!.shape),
      macs: cost.macs, constBytes: cost.bytes, reads, writes: step.output,
      live, liveBytes: 4 * coveredWords(live.map((id) => p.buffers[id]!)),
      ...(instructions ? { instructions } : {}),
    };
  });
  const buffers = p.buffers.map((b): ReportBuffer => {
    const l = lifetimeOf.get(b.id);
    return {
      id: b.id, name: b.name, kind: b.kind, shape: dims(b.shape), bytes: 4 * b.words,
      ...(b.external ? { external: b.external } : {}),
      ...(l && b.offset !== undefined ? { offsetBytes: 4 * b.offset, first: l.first, last: l.last } : {}),
    };
  });
  return {
    file: compiled.file,
    target: { name: target.name, description: target.description, part: target.part },
    apiName: p.name, onnxNodes: compiled.loaded.nodes.length, foldedNodes: compiled.foldedNodes, verdicts, steps, buffers,
    arenaBytes: 4 * compiled.arenaWords, lowerBoundBytes: 4 * compiled.lowerBoundWords, footprint: estimateFootprint(p, target),
    ...(bench ? { measurement: measurement(bench) } : {}),
    ...(notMeasured !== undefined && !measured ? { notMeasured } : {}),
    ...(verification ? { verification } : {}),
  };
}

/** Words covered by the union of the buffers' arena ranges [offset, offset + words). */
function coveredWords(buffers: readonly BufferDecl[]): number {
  const ranges = buffers.map((b) => [b.offset!, b.offset! + b.words] as const).sort((a, b) => a[0] - b[0]);
  let covered = 0;
  let end = 0;
  for (const [start, stop] of ranges) {
    covered += Math.max(0, stop - Math.max(start, end));
    end = Math.max(end, stop);
  }
  return covered;
}

/**
 * The verdict of the Conv/Gemm/MatMul a step computes: the step's origin starts with that node's name (fuse puts
 * the layer first, then what it absorbed). The longest match wins, so a name that is a prefix of another and is
 * followed by " + " cannot take the other's verdict.
 */
function verdictOf(step: Step, verdicts: readonly LayerVerdict[]): LayerVerdict | undefined {
  const matches = verdicts.filter((v) => step.origin === v.node || step.origin.startsWith(`${v.node} + `));
  return matches.sort((a, b) => b.node.length - a.node.length)[0];
}

function measurement(bench: BenchReport): ReportMeasurement {
  const m = bench.binary;
  const float = bench.float
    ? { run: bench.float.instructions.run, overBinary: bench.floatOverBinary! }
    : bench.floatSkipped !== undefined ? { skipped: bench.floatSkipped } : undefined;
  return {
    samples: bench.samples, source: bench.source, run: m.instructions.run, betweenSteps: m.instructions.betweenSteps,
    flashBytes: m.flash.modelBytes, ram: m.ram, outputs: m.outputs, ...(float ? { float } : {}),
  };
}
