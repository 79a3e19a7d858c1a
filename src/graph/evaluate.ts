/**
 * The float ONNX reference: runs a graph (loaded or folded) with the ops' evaluate functions. Also the
 * per-node runners that constant folding shares, so both tag errors with the node and file the same way.
 */
import { BnnError } from '../errors.js';
import { findOp } from '../ops/index.js';
import type { OpDef } from '../ops/op.js';
import type { Graph, Node, ValueInfo } from './graph.js';
import { checkedSize } from './limits.js';
import { sizeOf, type Tensor } from './tensor.js';

function label(node: Node): string {
  return `${node.name} (${node.opType})`;
}

/** Runs `fn`, turning a BnnError into one that names `node` (unless it already names one) and the file. */
function atNode<T>(g: Graph, node: Node, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (!(e instanceof BnnError)) throw e;
    throw new BnnError(e.reason, { file: e.where.file ?? g.file, node: e.where.node ?? label(node) });
  }
}

function opOf(g: Graph, node: Node): { op: OpDef; opset: number } {
  const op = findOp(node.opType, node.domain);
  if (!op) throw new BnnError(`unsupported operator '${node.opType}'`, { file: g.file, node: label(node) });
  return { op, opset: g.opsets.get(node.domain) ?? 1 };
}

/** Output types of `node` from its input types; `constant(i)` gives input i's value when known. */
export function inferNode(
  g: Graph,
  node: Node,
  inputs: readonly (ValueInfo | undefined)[],
  constant: (i: number) => Tensor | undefined,
): ValueInfo[] {
  const { op, opset } = opOf(g, node);
  return atNode(g, node, () => checkOutputs(node, op.infer(node, inputs, { opset, constant })));
}

/**
 * Refuses outputs the op does not have, and inferred output shapes that are invalid or too large, before
 * anything is allocated for them.
 */
function checkOutputs(node: Node, infos: ValueInfo[]): ValueInfo[] {
  const extra = node.outputs.findIndex((name, k) => k >= infos.length && name !== '');
  if (extra >= 0) {
    throw new BnnError(`${node.opType} has ${infos.length} output(s), the node lists ${node.outputs.length}`);
  }
  infos.forEach((info, k) => checkedSize(info.shape, `output '${node.outputs[k] ?? k}'`));
  return infos;
}

/** Outputs known from input types alone (Shape), or undefined. */
export function foldNodeFromInfo(
  g: Graph,
  node: Node,
  inputs: readonly (ValueInfo | undefined)[],
): Tensor[] | undefined {
  const { op, opset } = opOf(g, node);
  return op.foldFromInfo ? atNode(g, node, () => op.foldFromInfo!(node, inputs, { opset })) : undefined;
}

/**
 * The work evaluating `node` takes (multiply-adds, element or tap visits), from its accepted input and output
 * types: the op's own estimate, or one visit per input and output element.
 */
export function evaluationWork(
  g: Graph,
  node: Node,
  inputs: readonly (ValueInfo | undefined)[],
  outputs: readonly ValueInfo[],
): number {
  const { op } = opOf(g, node);
  if (op.evaluateWork) return op.evaluateWork(node, inputs, outputs);
  return [...inputs, ...outputs].reduce((n, v) => n + (v ? sizeOf(v.shape) : 0), 0);
}

/** Checks then evaluates `node` on known inputs; the outputs are checked against what infer promised. */
export function evaluateNode(g: Graph, node: Node, inputs: readonly (Tensor | undefined)[]): Tensor[] {
  const { op, opset } = opOf(g, node);
  const infos = inputs.map((t) => (t ? { dtype: t.dtype, shape: t.shape } : undefined));
  const ctx = { opset, constant: (i: number) => inputs[i] };
  const expected = atNode(g, node, () => checkOutputs(node, op.infer(node, infos, ctx)));
  const outs = atNode(g, node, () => op.evaluate(node, inputs, { opset }));
  node.outputs.forEach((name, k) => {
    if (name === '') return;
    const t = outs[k];
    const info = expected[k];
    if (!t || !info || t.dtype !== info.dtype || !sameShape(t.shape, info.shape)) {
      throw new Error(
        `internal: ${label(node)} output ${k} evaluated as ${t ? `${t.dtype}[${t.shape}]` : 'nothing'}, ` +
          `inferred as ${info ? `${info.dtype}[${info.shape}]` : 'nothing'}`,
      );
    }
  });
  return outs;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Runs the graph on `inputs` (one tensor per graph input, of the declared type and shape) and returns every
 * graph output by name.
 */
export function evaluateGraph(g: Graph, inputs: ReadonlyMap<string, Tensor>): Map<string, Tensor> {
  const env = new Map<string, Tensor>(g.constants);
  for (const name of g.inputs) {
    const t = inputs.get(name);
    const info = g.values.get(name);
    if (!t) throw new BnnError(`input '${name}' was not given`, { file: g.file });
    if (info && (t.dtype !== info.dtype || !sameShape(t.shape, info.shape))) {
      throw new BnnError(
        `input '${name}' is ${t.dtype}[${t.shape}], the model needs ${info.dtype}[${info.shape}]`,
        { file: g.file },
      );
    }
    env.set(name, t);
  }
  for (const name of inputs.keys()) {
    if (!g.inputs.includes(name)) throw new BnnError(`'${name}' is not an input of the model`, { file: g.file });
  }
  for (const node of g.nodes) {
    const ins = node.inputs.map((name) => {
      if (name === '') return undefined;
      const t = env.get(name);
      if (!t) throw new Error(`internal: value '${name}' used by ${label(node)} was not computed`);
      return t;
    });
    const outs = evaluateNode(g, node, ins);
    node.outputs.forEach((name, k) => name !== '' && env.set(name, outs[k]!));
  }
  return new Map(g.outputs.map((name) => [name, env.get(name)!]));
}
