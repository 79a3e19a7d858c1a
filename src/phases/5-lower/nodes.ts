/** Lowering of the plain (non-fused) nodes: one ONNX node -> at most one kernel step. */
import { nodeError } from '../../errors.js';
import type { Node } from '../../graph/graph.js';
import { perChannelValues, type Tensor } from '../../graph/tensor.js';
import type { Shape3 } from '../../lowered/program.js';
import { attrFloat, attrInt, attrInts, attrString } from '../../ops/util/attrs.js';
import { batchNorm } from '../4-fuse/batchnorm.js';
import { windowOf } from '../4-fuse/geometry.js';
import type { LowerContext } from './lower.js';
import { lowerPRelu, lowerSoftmax } from './variants.js';

const ALIASES = new Set(['Identity', 'Flatten', 'Reshape', 'Squeeze', 'Unsqueeze', 'Dropout']);

export function lowerNode(ctx: LowerContext, node: Node): void {
  if (ALIASES.has(node.opType)) {
    ctx.alias(node.outputs[0]!, node.inputs[0]!);
    return;
  }
  switch (node.opType) {
    case 'Add':
    case 'Sub':
    case 'Mul':
    case 'Div':
      return lowerArithmetic(ctx, node);
    case 'Clip':
    case 'Relu': {
      const [min, max] = node.opType === 'Relu' ? [0, Infinity] : clipBounds(ctx, node);
      const src = ctx.input(node, node.inputs[0]!);
      const dst = ctx.output(node, node.outputs[0]!);
      ctx.emit({ kernel: 'clip_f32', origin: node.name, input: src.buffer, output: dst.buffer, size: volume(src.shape), min, max });
      return;
    }
    case 'Sign': {
      // Reached only on the float path (binarization disabled): a Sign before a binary layer is a SignOp.
      const src = ctx.input(node, node.inputs[0]!);
      const dst = ctx.output(node, node.outputs[0]!);
      ctx.emit({ kernel: 'sign_f32', origin: node.name, input: src.buffer, output: dst.buffer, size: volume(src.shape) });
      return;
    }
    case 'BatchNormalization':
      return lowerBatchNorm(ctx, node);
    case 'PRelu':
    case 'LeakyRelu':
      return lowerPRelu(ctx, node);
    case 'Softmax':
    case 'LogSoftmax':
      return lowerSoftmax(ctx, node);
    case 'MaxPool':
    case 'AveragePool': {
      if (node.outputs.length > 1 && node.outputs[1]) nodeError(node, 'MaxPool Indices output is not supported');
      const src = ctx.input(node, node.inputs[0]!);
      const dst = ctx.output(node, node.outputs[0]!);
      const k = attrInts(node, 'kernel_shape');
      if (!k || k.length !== 2) nodeError(node, 'only 2-D pooling is supported');
      ctx.emit({
        kernel: node.opType === 'MaxPool' ? 'maxpool_f32' : 'avgpool_f32', origin: node.name, input: src.buffer,
        output: dst.buffer, inShape: src.shape, outShape: dst.shape, window: windowOf(node, [k[0]!, k[1]!], src.shape, dst.shape),
        countIncludePad: attrInt(node, 'count_include_pad', 0) === 1,
      });
      return;
    }
    case 'GlobalAveragePool': {
      const src = ctx.input(node, node.inputs[0]!);
      const dst = ctx.output(node, node.outputs[0]!);
      ctx.emit({ kernel: 'global_avgpool_f32', origin: node.name, input: src.buffer, output: dst.buffer, inShape: src.shape });
      return;
    }
    case 'Slice':
      return lowerSlice(ctx, node);
    case 'Pad':
      return lowerPad(ctx, node);
    case 'Concat': {
      const rank = ctx.graph.values.get(node.outputs[0]!)!.shape.length;
      const axis = attrInt(node, 'axis', 1);
      if (axis !== 1 && axis !== 1 - rank) nodeError(node, `Concat on axis ${axis} is not supported (channel axis 1 only)`);
      if (node.inputs.some((v) => ctx.graph.constants.has(v))) return lowerConcatWithFill(ctx, node);
      const srcs = node.inputs.map((v) => ctx.input(node, v));
      const dst = ctx.output(node, node.outputs[0]!);
      ctx.emit({ kernel: 'concat_f32', origin: node.name, inputs: srcs.map((s) => s.buffer), output: dst.buffer, inShapes: srcs.map((s) => s.shape) });
      return;
    }
    case 'Transpose': {
      const perm = attrInts(node, 'perm', []);
      if (perm.some((p, i) => p !== i)) nodeError(node, `Transpose with perm [${perm}] is not supported on activations`);
      ctx.alias(node.outputs[0]!, node.inputs[0]!);
      return;
    }
    default:
      nodeError(node, `${node.opType} on activations has no kernel yet`);
  }
}

function volume(s: Shape3): number {
  return s[0] * s[1] * s[2];
}

function constantInput(ctx: LowerContext, node: Node, i: number): Tensor | undefined {
  const name = node.inputs[i];
  if (!name) return undefined;
  const t = ctx.graph.constants.get(name);
  if (!t) nodeError(node, `input ${i} ('${name}') must be a compile-time constant`);
  return t;
}

/** [min, max] of a Clip: its attributes before opset 11, else its optional constant inputs (absent: unbounded). */
export function clipBounds(ctx: LowerContext, node: Node): [number, number] {
  const opset = ctx.graph.opsets.get('') ?? 13;
  if (opset < 11) return [Math.fround(attrFloat(node, 'min', -Infinity)), Math.fround(attrFloat(node, 'max', Infinity))];
  const lo = constantInput(ctx, node, 1);
  const hi = constantInput(ctx, node, 2);
  return [lo ? Math.fround(lo.data[0]!) : -Infinity, hi ? Math.fround(hi.data[0]!) : Infinity];
}

/** Add/Sub/Mul/Div: two activations of equal shape (Add only), or an activation and a per-channel constant. */
function lowerArithmetic(ctx: LowerContext, node: Node): void {
  const [a, b] = [node.inputs[0]!, node.inputs[1]!];
  const ca = ctx.graph.constants.get(a);
  const cb = ctx.graph.constants.get(b);
  const outInfo = ctx.graph.values.get(node.outputs[0]!)!;
  if (!ca && !cb) {
    if (node.opType !== 'Add') nodeError(node, `${node.opType} of two activations is not supported yet`);
    const [sa, sb] = [ctx.input(node, a), ctx.input(node, b)];
    const sameShape = ctx.graph.values.get(a)!.shape.join() === ctx.graph.values.get(b)!.shape.join();
    if (!sameShape) nodeError(node, 'Add of two activations needs equal shapes (no broadcasting)');
    const dst = ctx.output(node, node.outputs[0]!);
    ctx.emit({ kernel: 'add_f32', origin: node.name, a: sa.buffer, b: sb.buffer, output: dst.buffer, size: volume(dst.shape) });
    return;
  }
  if (ca && cb) nodeError(node, 'both operands are constants (should have been folded)');
  const activation = ca ? b : a;
  const constant = (ca ?? cb)!;
  const src = ctx.input(node, activation);
  const channels = src.shape[0];
  const values = perChannelValues(constant, outInfo.shape);
  if (!values || ctx.graph.values.get(activation)!.shape.join() !== outInfo.shape.join()) {
    nodeError(node, `${node.opType} with a constant of shape [${constant.shape}] is supported only per channel or as a scalar`);
  }
  const scale = new Float32Array(channels).fill(1);
  const shift = new Float32Array(channels);
  const constantFirst = ca !== undefined;
  for (let c = 0; c < channels; c++) {
    const v = values[c]!;
    if (node.opType === 'Add') shift[c] = v;
    else if (node.opType === 'Mul') [scale[c], shift[c]] = [v, 0];
    else if (node.opType === 'Sub') [scale[c], shift[c]] = constantFirst ? [-1, v] : [1, -v];
    else if (constantFirst) nodeError(node, 'constant / activation is not supported');
    else [scale[c], shift[c]] = [Math.fround(1 / v), 0];
  }
  const dst = ctx.output(node, node.outputs[0]!);
  ctx.emit({
    kernel: 'affine_f32', origin: node.name, input: src.buffer, output: dst.buffer, shape: src.shape,
    scale: ctx.constant('scale', scale), shift: ctx.constant('shift', shift),
  });
}

function lowerBatchNorm(ctx: LowerContext, node: Node): void {
  const src = ctx.input(node, node.inputs[0]!);
  const channels = src.shape[0];
  const bn = batchNorm(ctx.graph, node, channels);
  const scale = Float32Array.from(bn.gain);
  const shift = Float32Array.from(bn.gain, (g, c) => bn.beta[c]! - bn.mean[c]! * g);
  const dst = ctx.output(node, node.outputs[0]!);
  ctx.emit({
    kernel: 'affine_f32', origin: node.name, input: src.buffer, output: dst.buffer, shape: src.shape,
    scale: ctx.constant('scale', scale), shift: ctx.constant('shift', shift),
  });
}

/** ONNX axis of a tensor of `rank` -> index in the [C, H, W] shape (axis 0 is the batch). */
function shapeAxis(node: Node, rank: number, axis: number): number | undefined {
  const a = axis < 0 ? axis + rank : axis;
  if (a === 0) return undefined;
  if (rank === 4) return a - 1;
  if (rank === 2 && a === 1) return 0;
  if (rank === 3) return a === 1 ? 0 : 2;
  return nodeError(node, `axis ${axis} of a rank-${rank} tensor is not supported`);
}

function lowerSlice(ctx: LowerContext, node: Node): void {
  const inShape = ctx.graph.values.get(node.inputs[0]!)!.shape;
  const rank = inShape.length;
  const opset = ctx.graph.opsets.get('') ?? 13;
  const list = (i: number, attr: string): number[] | undefined =>
    opset < 10 ? attrInts(node, attr) : (() => { const t = constantInput(ctx, node, i); return t ? Array.from(t.data) : undefined; })();
  const starts = list(1, 'starts') ?? [];
  const axes = list(3, 'axes') ?? starts.map((_, i) => i);
  const steps = list(4, 'steps') ?? starts.map(() => 1);
  const src = ctx.input(node, node.inputs[0]!);
  const start: [number, number, number] = [0, 0, 0];
  const step: [number, number, number] = [1, 1, 1];
  axes.forEach((axis, i) => {
    const s = steps[i]!;
    const dim = inShape[axis < 0 ? axis + rank : axis]!;
    if (s <= 0) nodeError(node, `Slice with step ${s} is not supported on activations (positive steps only)`);
    let b = starts[i]!;
    b = b < 0 ? Math.max(0, b + dim) : Math.min(b, dim);
    const ax = shapeAxis(node, rank, axis);
    if (ax === undefined) {
      if (b !== 0) nodeError(node, 'Slice on the batch axis is not supported');
      return;
    }
    start[ax] = b;
    // A step past the axis length picks one element, as a step equal to it does; the C geometry is int32.
    step[ax] = Math.min(s, dim);
  });
  emitRemap(ctx, node, src, start, step, 0);
}

/** A remap step, or an alias when the remap would copy its input unchanged (e.g. a Pad of zeros). */
function emitRemap(
  ctx: LowerContext,
  node: Node,
  src: { buffer: number; shape: Shape3 },
  start: Shape3,
  step: Shape3,
  fill: number,
): void {
  const outShape = ctx.shapeOf(node, node.outputs[0]!);
  const identity = start.every((v) => v === 0) && step.every((v) => v === 1) && outShape.every((d, i) => d === src.shape[i]);
  if (identity) {
    ctx.alias(node.outputs[0]!, node.inputs[0]!);
    return;
  }
  const dst = ctx.output(node, node.outputs[0]!);
  ctx.emit({ kernel: 'remap_f32', origin: node.name, input: src.buffer, output: dst.buffer, inShape: src.shape, outShape: dst.shape, start, step, fill });
}

/**
 * Channel Concat of one activation with constant blocks that all hold one value, e.g. an option-A shortcut
 * exported as cat([zeros, x, zeros]) (ConstantOfShape): a remap reading the activation at a channel offset.
 */
function lowerConcatWithFill(ctx: LowerContext, node: Node): void {
  const active = node.inputs.filter((v) => !ctx.graph.constants.has(v));
  if (active.length !== 1) nodeError(node, `Concat of constants with ${active.length} activations is not supported (one only)`);
  const constants = node.inputs.flatMap((v) => ctx.graph.constants.get(v) ?? []);
  const bits = new Uint32Array(Float32Array.from(constants.flatMap((t) => Array.from(t.data))).buffer);
  if (bits.some((b) => b !== bits[0])) nodeError(node, 'Concat with a constant block is supported only when every constant element has one value');
  const before = node.inputs.slice(0, node.inputs.indexOf(active[0]!)).reduce((n, v) => n + ctx.graph.constants.get(v)!.shape[1]!, 0);
  const src = ctx.input(node, active[0]!);
  emitRemap(ctx, node, src, [-before, 0, 0], [1, 1, 1], new Float32Array(bits.buffer)[0] ?? 0);
}

function lowerPad(ctx: LowerContext, node: Node): void {
  const opset = ctx.graph.opsets.get('') ?? 13;
  const mode = attrString(node, 'mode', 'constant');
  if (mode !== 'constant') nodeError(node, `Pad mode '${mode}' is not supported on activations`);
  const rank = ctx.graph.values.get(node.inputs[0]!)!.shape.length;
  const pads = opset < 11 ? attrInts(node, 'pads', []) : Array.from(constantInput(ctx, node, 1)?.data ?? []);
  const value = opset < 11 ? attrFloat(node, 'value', 0) : (constantInput(ctx, node, 2)?.data[0] ?? 0);
  if (pads.length !== 2 * rank) nodeError(node, `pads has ${pads.length} values for a rank-${rank} input`);
  const src = ctx.input(node, node.inputs[0]!);
  const start: [number, number, number] = [0, 0, 0];
  for (let axis = 0; axis < rank; axis++) {
    const ax = shapeAxis(node, rank, axis);
    if (ax === undefined) {
      if (pads[axis] !== 0 || pads[axis + rank] !== 0) nodeError(node, 'padding the batch axis is not supported');
      continue;
    }
    start[ax] = -pads[axis]!;
  }
  emitRemap(ctx, node, src, start, [1, 1, 1], Math.fround(value));
}
