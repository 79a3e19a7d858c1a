/**
 * Residual epilogues: an Add of two equal-shaped activations whose only consumer is a Clip or Relu lowers to one
 * add_clip_f32 step that writes the Clip's output (IR-Net's `hardtanh(bn(conv(x)) + shortcut)`): one pass over
 * the data instead of two, and no buffer for the sum. The memory plan may then run it in place.
 */
import type { Node } from '../../graph/graph.js';
import type { FusedModel, FusedOp, PlainOp } from '../4-fuse/fused.js';
import type { LowerContext } from './lower.js';
import { clipBounds } from './nodes.js';

/** Each fusable Add op, mapped to the Clip/Relu op it absorbs. */
export function addClipPairs(model: FusedModel): Map<FusedOp, PlainOp> {
  const { graph } = model;
  const plain = model.ops.filter((op): op is PlainOp => op.kind === 'node');
  const readers = new Map<string, number>();
  for (const n of graph.nodes) for (const v of new Set(n.inputs)) if (v) readers.set(v, (readers.get(v) ?? 0) + 1);
  const shape = (v: string) => graph.values.get(v)?.shape.join();
  // Clip/Relu ops by the value they read, indexed once: looking each Add's reader up by scanning every op would
  // make lowering quadratic in the number of residual blocks. The first such op per value, as a scan would find.
  const activationOf = new Map<string, PlainOp>();
  for (const op of plain) {
    const input = op.node.inputs[0];
    const activation = op.node.opType === 'Clip' || op.node.opType === 'Relu';
    if (activation && input && !activationOf.has(input)) activationOf.set(input, op);
  }
  const pairs = new Map<FusedOp, PlainOp>();
  for (const add of plain) {
    const n = add.node;
    if (n.opType !== 'Add' || n.inputs.length !== 2) continue;
    const [a, b] = [n.inputs[0]!, n.inputs[1]!];
    if (graph.constants.has(a) || graph.constants.has(b)) continue;
    const sum = n.outputs[0]!;
    if (shape(a) !== shape(sum) || shape(b) !== shape(sum) || graph.outputs.includes(sum) || readers.get(sum) !== 1) continue;
    const clip = activationOf.get(sum);
    if (clip) pairs.set(add, clip);
  }
  return pairs;
}

export function lowerAddClip(ctx: LowerContext, add: Node, clip: Node): void {
  const [min, max] = clip.opType === 'Relu' ? [0, Infinity] : clipBounds(ctx, clip);
  const a = ctx.input(add, add.inputs[0]!);
  const b = ctx.input(add, add.inputs[1]!);
  const dst = ctx.output(clip, clip.outputs[0]!);
  ctx.emit({
    kernel: 'add_clip_f32', origin: `${add.name} + ${clip.name}`, input: a.buffer, addend: b.buffer, output: dst.buffer,
    size: dst.shape[0] * dst.shape[1] * dst.shape[2], min, max,
  });
}
