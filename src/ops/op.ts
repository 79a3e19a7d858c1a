/**
 * One ONNX operator = one file in src/ops/ exporting an OpDef: attribute checks, shape inference and the float
 * reference semantics (as the ONNX specification defines the op, float32 results).
 */
import type { Node, ValueInfo } from '../graph/graph.js';
import type { Tensor } from '../graph/tensor.js';

export interface OpContext {
  /** Opset version of the node's domain. */
  readonly opset: number;
}

export interface InferContext extends OpContext {
  /** The compile-time value of input `i`, when it is a constant (needed by Reshape, Slice, Pad, ...). */
  constant(i: number): Tensor | undefined;
}

export interface OpDef {
  /** ONNX op_type, e.g. 'Conv'. */
  readonly type: string;
  /** Domains the op is accepted from; default [''] (ai.onnx). */
  readonly domains?: readonly string[];
  /**
   * Output types and static shapes. `inputs[i]` is undefined for an omitted optional input.
   * Throws a BnnError (see nodeError) naming the node on bad attributes, types or shapes.
   */
  infer(node: Node, inputs: readonly (ValueInfo | undefined)[], ctx: InferContext): ValueInfo[];
  /** Float reference semantics; inputs match what infer accepted. */
  evaluate(node: Node, inputs: readonly (Tensor | undefined)[], ctx: OpContext): Tensor[];
  /**
   * Outputs that are known at compile time from input types alone (Shape, Size): lets constant folding
   * remove shape arithmetic on real activations. Undefined when not applicable.
   */
  foldFromInfo?(node: Node, inputs: readonly (ValueInfo | undefined)[], ctx: OpContext): Tensor[] | undefined;
  /**
   * The multiply-adds (or window taps) evaluate spends, for ops that do more than visit each input and output
   * element once (Conv, Gemm, MatMul, pools): lets constant folding refuse a hostile node before running it.
   * Called only with inputs and outputs that infer accepted.
   */
  evaluateWork?(node: Node, inputs: readonly (ValueInfo | undefined)[], outputs: readonly ValueInfo[]): number;
}
