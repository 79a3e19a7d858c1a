/**
 * The operator registry: one OpDef per ONNX operator, each in its own file.
 * Shared by several engineers: add your op with one import line and one array entry.
 */
import type { OpDef } from './op.js';

export const OPS: readonly OpDef[] = [
];

const BY_KEY = new Map<string, OpDef>();
for (const op of OPS) for (const d of op.domains ?? ['']) BY_KEY.set(`${d}::${op.type}`, op);

/** The op definition for a node, or undefined when bnngen does not support it. */
export function findOp(opType: string, domain: string): OpDef | undefined {
  const d = domain === 'ai.onnx' ? '' : domain;
  return BY_KEY.get(`${d}::${opType}`);
}

/** Supported op types, sorted (for error messages and docs). */
export function supportedOps(): string[] {
  return [...new Set(OPS.map((o) => o.type))].sort();
}
