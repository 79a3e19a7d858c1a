/**
 * Operand access shared by infer and evaluate. Inputs such as Reshape's shape or Slice's starts must be known
 * at compile time: infer reads them through ctx.constant, evaluate from the evaluated tensors; an
 * `InputSource` abstracts the two so each op resolves its parameters with one function.
 */
import { nodeError } from '../../errors.js';
import type { Node, ValueInfo } from '../../graph/graph.js';
import type { Tensor } from '../../graph/tensor.js';
import { isFloatType } from '../../graph/tensor.js';

/** The tensor behind input `i` (undefined when omitted or, during inference, not a constant). */
export type InputSource = (i: number) => Tensor | undefined;

/** Whether the node lists input `i` (an empty name marks an omitted optional input). */
export function hasInput(node: Node, i: number): boolean {
  return i < node.inputs.length && node.inputs[i] !== '';
}

/** The type of a required input; BnnError when it is missing. */
export function requireInput<T extends ValueInfo | Tensor>(
  node: Node,
  inputs: readonly (T | undefined)[],
  i: number,
): T {
  const v = inputs[i];
  if (!hasInput(node, i) || v === undefined) nodeError(node, `${node.opType} needs input ${i}, which is missing`);
  return v;
}

/** Refuses inputs whose dtype is not float32 (the pooling ops only compute on float32). */
export function requireFloat32(node: Node, info: ValueInfo, i = 0): void {
  if (info.dtype !== 'float32') nodeError(node, `input ${i} must be float32, got ${info.dtype}`);
}

/**
 * Integer values of input `i`, or undefined when the input is omitted. A present input that is not a
 * compile-time constant, or not an integer tensor, is a BnnError ("Reshape shape must be a compile-time constant").
 */
export function constInts(node: Node, source: InputSource, i: number, what: string): number[] | undefined {
  if (!hasInput(node, i)) return undefined;
  const t = source(i);
  if (t === undefined) nodeError(node, `${node.opType} ${what} must be a compile-time constant`);
  if (isFloatType(t.dtype) || t.dtype === 'bool') {
    nodeError(node, `${node.opType} ${what} must be an integer tensor, got ${t.dtype}`);
  }
  if (t.shape.length > 1) nodeError(node, `${node.opType} ${what} must be a 1-D tensor, got shape [${t.shape}]`);
  return Array.from(t.data);
}
