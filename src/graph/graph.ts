/**
 * The model graph (ONNX level): nodes in file order, constants, and the static type/shape of every value.
 * Batch is fixed to 1 and every shape is static; phases produce new graphs rather than mutating old ones.
 */
import type { DType, Tensor } from './tensor.js';

export interface ValueInfo {
  readonly dtype: DType;
  readonly shape: readonly number[];
}

export type AttrValue =
  | { type: 'int'; value: number }
  | { type: 'float'; value: number }
  | { type: 'string'; value: string }
  | { type: 'ints'; value: number[] }
  | { type: 'floats'; value: number[] }
  | { type: 'strings'; value: string[] }
  | { type: 'tensor'; value: Tensor }
  | { type: 'unsupported'; value: string };

export interface Node {
  readonly name: string;
  readonly opType: string;
  /** '' for the default ONNX domain. */
  readonly domain: string;
  /** Input value names; '' marks an omitted optional input. */
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attrs: Readonly<Record<string, AttrValue>>;
}

export interface Graph {
  /** The file the graph came from, for error messages. */
  readonly file: string;
  readonly name: string;
  /** Opset version per domain ('' = ai.onnx). */
  readonly opsets: ReadonlyMap<string, number>;
  /** Real (non-constant) graph inputs. */
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  /** Constant values by name: initializers, Constant node outputs, and (after folding) folded results. */
  readonly constants: ReadonlyMap<string, Tensor>;
  /** Nodes in topological order. */
  readonly nodes: readonly Node[];
  /** Type and static shape of every value known so far (all values after shape inference). */
  readonly values: ReadonlyMap<string, ValueInfo>;
}

/** `base`, or the first of base_2, base_3, … that is not `taken`: names for values a pass adds to a graph. */
export function freshName(base: string, taken: (name: string) => boolean): string {
  let name = base;
  for (let i = 2; taken(name); i++) name = `${base}_${i}`;
  return name;
}
