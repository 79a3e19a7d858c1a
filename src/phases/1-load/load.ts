/**
 * Phase 1: read and validate a model. The result is a Graph whose nodes are all supported operators, in
 * topological order, with every input produced exactly once (shapes are inferred later, in phase 2).
 */
import { readFile } from 'node:fs/promises';
import { BnnError } from '../../errors.js';
import { MAX_CONSTANT_BYTES } from '../../graph/limits.js';
import { maybeGunzip } from '../../io/gzip.js';
import type { Graph, Node } from '../../graph/graph.js';
import { topoSort } from '../../graph/topo.js';
import { decodeModel } from '../../onnx/decode.js';
import { findOp, supportedDomains, supportedOps } from '../../ops/index.js';

/** Decodes and validates model bytes; `file` names the model in error messages. */
export function loadModel(bytes: Uint8Array, file: string): Graph {
  try {
    const g = decodeModel(bytes, file);
    checkOperators(g.nodes);
    const available = new Set<string>([...g.inputs, ...g.constants.keys()]);
    checkProducers(g, available);
    return { ...g, nodes: topoSort(g.nodes, available) };
  } catch (e) {
    if (e instanceof BnnError) throw e.inFile(file);
    throw e;
  }
}

/** Reads and loads a model file, plain or gzip-compressed (`model.onnx.gz`). */
export async function loadModelFile(path: string): Promise<Graph> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? (e instanceof Error ? e.message : String(e));
    throw new BnnError(`cannot read the model (${why})`, { file: path });
  }
  try {
    bytes = maybeGunzip(bytes, MAX_CONSTANT_BYTES);
  } catch (e) {
    throw e instanceof BnnError ? e.inFile(path) : e;
  }
  return loadModel(bytes, path);
}

function label(node: Node): { node: string } {
  return { node: `${node.name} (${node.opType})` };
}

function opName(node: Node): string {
  return node.domain === '' ? node.opType : `${node.domain}.${node.opType}`;
}

function checkOperators(nodes: readonly Node[]): void {
  const unsupported = nodes.filter((n) => findOp(n.opType, n.domain) === undefined);
  const first = unsupported[0];
  if (!first) return;
  const others = [...new Set(unsupported.map(opName))].filter((o) => o !== opName(first));
  const also = others.length > 0 ? `; also unsupported: ${others.join(', ')}` : '';
  throw new BnnError(
    `unsupported operator '${opName(first)}' (node ${first.name}, inputs ${first.inputs.join(', ') || 'none'})` +
      `${otherDomains(first)}${also}; supported: ${supportedOps().join(', ')}`,
  );
}

/** When the op type is supported, only not from this node's domain: which domains it is supported from. */
function otherDomains(node: Node): string {
  const domains = supportedDomains(node.opType);
  if (domains.length === 0) return '';
  const list = domains.map((d) => `'${d || 'ai.onnx'}'`).join(', ');
  return ` (${node.opType} is supported from domain${domains.length > 1 ? 's' : ''} ${list})`;
}

/** Every value has one producer and every node input and graph output has one. */
function checkProducers(g: Graph, available: ReadonlySet<string>): void {
  const produced = new Set(available);
  for (const node of g.nodes) {
    for (const out of node.outputs) {
      if (out === '') continue;
      if (produced.has(out)) throw new BnnError(`value '${out}' is produced twice`, label(node));
      produced.add(out);
    }
  }
  for (const node of g.nodes) {
    for (const input of node.inputs) {
      if (input !== '' && !produced.has(input)) {
        throw new BnnError(`input '${input}' is not produced by any node, initializer or graph input`, label(node));
      }
    }
  }
  for (const out of g.outputs) {
    if (!produced.has(out)) throw new BnnError(`graph output '${out}' is not produced by any node`);
  }
}
