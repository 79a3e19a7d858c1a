/** Typed attribute getters: a missing attribute gives the default, a wrong type a BnnError naming the node. */
import { nodeError } from '../../errors.js';
import type { Node } from '../../graph/graph.js';
import type { Tensor } from '../../graph/tensor.js';

export function attrInt(node: Node, name: string, fallback: number): number;
export function attrInt(node: Node, name: string): number | undefined;
export function attrInt(node: Node, name: string, fallback?: number): number | undefined {
  const a = node.attrs[name];
  if (a === undefined) return fallback;
  if (a.type !== 'int') nodeError(node, `attribute '${name}' must be an int, got ${a.type}`);
  return a.value;
}

export function attrFloat(node: Node, name: string, fallback: number): number;
export function attrFloat(node: Node, name: string): number | undefined;
export function attrFloat(node: Node, name: string, fallback?: number): number | undefined {
  const a = node.attrs[name];
  if (a === undefined) return fallback;
  if (a.type === 'float' || a.type === 'int') return a.value;
  nodeError(node, `attribute '${name}' must be a float, got ${a.type}`);
}

export function attrInts(node: Node, name: string, fallback: number[]): number[];
export function attrInts(node: Node, name: string): number[] | undefined;
export function attrInts(node: Node, name: string, fallback?: number[]): number[] | undefined {
  const a = node.attrs[name];
  if (a === undefined) return fallback;
  if (a.type !== 'ints') nodeError(node, `attribute '${name}' must be a list of ints, got ${a.type}`);
  return a.value;
}

export function attrFloats(node: Node, name: string): number[] | undefined {
  const a = node.attrs[name];
  if (a === undefined) return undefined;
  if (a.type !== 'floats') nodeError(node, `attribute '${name}' must be a list of floats, got ${a.type}`);
  return a.value;
}

export function attrString(node: Node, name: string, fallback: string): string;
export function attrString(node: Node, name: string): string | undefined;
export function attrString(node: Node, name: string, fallback?: string): string | undefined {
  const a = node.attrs[name];
  if (a === undefined) return fallback;
  if (a.type !== 'string') nodeError(node, `attribute '${name}' must be a string, got ${a.type}`);
  return a.value;
}

export function attrTensor(node: Node, name: string): Tensor | undefined {
  const a = node.attrs[name];
  if (a === undefined) return undefined;
  if (a.type !== 'tensor') nodeError(node, `attribute '${name}' must be a tensor, got ${a.type}`);
  return a.value;
}
