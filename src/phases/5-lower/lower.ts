/**
 * Phase 5: lower the fused model to the kernel-level program (src/lowered/program.ts). Values become buffers
 * (f32 CHW, or packed bits HWC), ops become kernel steps, weights become constants in the kernels' layouts.
 * Reshape-like ops (Flatten, Reshape, Squeeze, Unsqueeze, Identity) alias their input: with batch 1, a float
 * buffer in CHW order is the ONNX row-major layout, so a reshape changes nothing in memory.
 */
import { BnnError, nodeError } from '../../errors.js';
import type { Graph, Node } from '../../graph/graph.js';
import type { BufferDecl, ConstDecl, Program, Shape3, Step } from '../../lowered/program.js';
import type { FusedModel, FusedOp } from '../4-fuse/fused.js';
import { toShape3 } from '../4-fuse/geometry.js';
import { NameTable } from './names.js';
import { packConvWeights } from './pack.js';
import { lowerNode } from './nodes.js';
import { composeRemaps } from './compose-remaps.js';
import { addClipPairs, lowerAddClip } from './residual.js';
import { lowerBinaryWeightConv } from './variants.js';
import { fixedAffine } from './fixed-affine.js';

export interface LowerContext {
  readonly graph: Graph;
  /** The [C, H, W] shape of a value. */
  shapeOf(node: Node, value: string): Shape3;
  /** The f32 buffer holding a value (created for outputs, looked up for inputs). */
  input(node: Node, value: string): { buffer: number; shape: Shape3 };
  output(node: Node, value: string, kind?: 'f32' | 'bits'): { buffer: number; shape: Shape3 };
  /** Makes `value` another name for the buffer of `source` (reshape-like ops). */
  alias(value: string, source: string): void;
  /** A constant of the step about to be emitted; `role` is e.g. 'w', 'b', 'scale', 'tau'. */
  constant(role: string, data: Float32Array | Uint32Array | Int32Array): number;
  emit(step: Step): void;
}

interface MutableBuffer {
  id: number;
  name: string;
  kind: 'f32' | 'bits';
  shape: Shape3;
  words: number;
  external?: 'input' | 'output';
}

export function lower(model: FusedModel, name: string, source: string): Program {
  const { graph } = model;
  if (graph.inputs.length !== 1) throw new BnnError(`bnngen supports exactly one model input (got ${graph.inputs.length})`);
  if (graph.outputs.length !== 1) throw new BnnError(`bnngen supports exactly one model output (got ${graph.outputs.length})`);
  const names = new NameTable();
  const buffers: MutableBuffer[] = [];
  const consts: ConstDecl[] = [];
  const steps: Step[] = [];
  const bufferOf = new Map<string, number>();
  const shapeOf = (node: Node, value: string): Shape3 => {
    const info = graph.values.get(value);
    if (!info) nodeError(node, `no shape for value '${value}'`);
    return toShape3(node, info.shape);
  };
  const newBuffer = (value: string, kind: 'f32' | 'bits', shape: Shape3): number => {
    const words = kind === 'f32' ? shape[0] * shape[1] * shape[2] : shape[1] * shape[2] * Math.ceil(shape[0] / 32);
    const id = buffers.length;
    // Names come from the step that writes the buffer, not from ONNX value names: the C must not depend on how
    // an exporter named things (the raw and the folded export of one model give identical files).
    buffers.push({ id, name: names.take(id === 0 ? value : `s${steps.length}_out`), kind, shape, words });
    bufferOf.set(value, id);
    return id;
  };

  const inputName = graph.inputs[0]!;
  const inputInfo = graph.values.get(inputName)!;
  const pseudo: Node = { name: inputName, opType: 'input', domain: '', inputs: [], outputs: [inputName], attrs: {} };
  const inputBuffer = newBuffer(inputName, 'f32', toShape3(pseudo, inputInfo.shape));
  buffers[inputBuffer]!.external = 'input';

  const ctx: LowerContext = {
    graph,
    shapeOf,
    input(node, value) {
      const id = bufferOf.get(value);
      if (id === undefined) {
        if (graph.constants.has(value)) nodeError(node, `constant input '${value}' is not supported here`);
        nodeError(node, `input '${value}' has not been computed`);
      }
      const shape = shapeOf(node, value);
      // A reshape aliases its input's buffer, which keeps the [C, H, W] shape it was written in. Only the model
      // output may be read in another shape (same memory order); kernels read buffers in their declared shape.
      const held = buffers[id]!.shape;
      if (node.opType !== 'output' && held.join() !== shape.join()) {
        const why = 'a layer after such a reshape is not supported yet';
        nodeError(node, `input '${value}' is a [${held}] activation reshaped to [${shape}]; ${why}`);
      }
      return { buffer: id, shape };
    },
    output(node, value, kind = 'f32') {
      const shape = shapeOf(node, value);
      return { buffer: newBuffer(value, kind, shape), shape };
    },
    alias(value, src) {
      const id = bufferOf.get(src);
      if (id === undefined) throw new Error(`alias of unknown value ${src}`);
      bufferOf.set(value, id);
    },
    constant(role, data) {
      const id = consts.length;
      consts.push({ id, name: names.take(`s${steps.length}_${role}`), data });
      return id;
    },
    emit(step) {
      steps.push(step);
    },
  };

  const residuals = addClipPairs(model);
  const absorbedClips = new Set<FusedOp>(residuals.values());
  for (const op of model.ops) {
    const clip = residuals.get(op);
    if (clip && op.kind === 'node') lowerAddClip(ctx, op.node, clip.node);
    else if (!absorbedClips.has(op)) lowerOp(ctx, op);
  }

  const outputName = graph.outputs[0]!;
  const outNode: Node = { name: outputName, opType: 'output', domain: '', inputs: [outputName], outputs: [], attrs: {} };
  let out = ctx.input(outNode, outputName);
  if (buffers[out.buffer]!.kind !== 'f32') nodeError(outNode, 'the model output must be a real tensor, not packed signs');
  if (out.buffer === inputBuffer) {
    // The model passes its input through (Identity/Reshape only): copy it, the caller's arrays must not alias.
    const copy = { buffer: newBuffer(`${outputName}_copy`, 'f32', out.shape), shape: out.shape };
    ctx.emit({
      kernel: 'remap_f32', origin: 'output copy', input: out.buffer, output: copy.buffer, inShape: out.shape,
      outShape: copy.shape, start: [0, 0, 0], step: [1, 1, 1], fill: 0,
    });
    out = copy;
  }
  buffers[out.buffer]!.external = 'output';
  const outputInfo = graph.values.get(outputName)!;

  return composeRemaps({
    name,
    source,
    input: { buffer: inputBuffer, shape: [...inputInfo.shape] },
    output: { buffer: out.buffer, shape: [...outputInfo.shape] },
    buffers: buffers.map((b): BufferDecl => ({ ...b })),
    consts,
    steps,
  });
}

/** A bconv's float epilogue as the fixed-point constants of its kernel (fixed-affine.ts). */
function fixedEpilogue(ctx: LowerContext, node: Node, e: { scale: Float32Array; shift: Float32Array }, maxDot: number) {
  const q = fixedAffine(e.scale, e.shift, maxDot);
  if (typeof q === 'string') nodeError(node, `the binary convolution's output scale: ${q}`);
  return { kind: 'affine' as const, fixed: ctx.constant('fixed', q.fixed), pow2: ctx.constant('pow2', q.pow2) };
}

function lowerOp(ctx: LowerContext, op: FusedOp): void {
  switch (op.kind) {
    case 'sign': {
      const node = originNode(op.origin, 'Sign', op.input, op.output);
      const src = ctx.input(node, op.input);
      const dst = ctx.output(node, op.output, 'bits');
      ctx.emit({ kernel: 'pack_sign', origin: op.origin, input: src.buffer, output: dst.buffer, shape: src.shape, ...(op.zeroIsTie === false ? { zeroIsTie: false } : {}) });
      return;
    }
    case 'bconv': {
      const node = originNode(op.origin, 'Conv', op.input, op.output);
      const src = ctx.input(node, op.input);
      const bits = op.epilogue.kind === 'threshold';
      const dst = ctx.output(node, op.pool?.convOutput ?? op.output, bits ? 'bits' : 'f32');
      const [ic] = op.inShape;
      const oc = op.outShape[0];
      const weights = ctx.constant('w', packConvWeights(op.signs, oc, ic, op.window.kH, op.window.kW));
      const epilogue = op.epilogue.kind === 'threshold'
        ? { kind: 'threshold' as const, thresholds: ctx.constant('tau', op.epilogue.thresholds), ties: tieRanges(op.epilogue.tieDots) }
        : fixedEpilogue(ctx, node, op.epilogue, ic * op.window.kH * op.window.kW);
      ctx.emit({
        kernel: 'bconv2d', origin: op.origin, input: src.buffer, output: dst.buffer, inShape: op.inShape,
        outShape: op.outShape, window: op.window, weights, epilogue,
      });
      if (op.pool) {
        const pooled = ctx.output(node, op.output, 'bits');
        ctx.emit({
          kernel: 'maxpool_bits', origin: op.origin, input: dst.buffer, output: pooled.buffer, inShape: op.outShape,
          outShape: pooled.shape, window: op.pool.window, orMask: ctx.constant('or', op.pool.orMask),
        });
      }
      return;
    }
    case 'conv': {
      const node = originNode(op.origin, 'Conv', op.input, op.output);
      const src = ctx.input(node, op.input);
      const dst = ctx.output(node, op.output);
      ctx.emit({
        kernel: 'conv2d_f32', origin: op.origin, input: src.buffer, output: dst.buffer, inShape: op.inShape,
        outShape: op.outShape, window: op.window, weights: ctx.constant('w', op.weights),
        bias: ctx.constant('b', op.bias),
      });
      return;
    }
    case 'bwconv':
      return lowerBinaryWeightConv(ctx, op);
    case 'node':
      lowerNode(ctx, op.node);
  }
}

/** Tie dots per channel -> inclusive [lo, hi] ranges (contiguous: the chain is monotone); [1, 0] when none. */
function tieRanges(tieDots: ReadonlyArray<readonly number[]>): Array<readonly [number, number]> {
  return tieDots.map((d) => (d.length === 0 ? [1, 0] : [Math.min(...d), Math.max(...d)]));
}

/** A stand-in node for error messages about fused ops. */
function originNode(origin: string, opType: string, input: string, output: string): Node {
  return { name: origin, opType, domain: '', inputs: [input], outputs: [output], attrs: {} };
}
