/** Axis arguments: ONNX allows negative axes (counted from the end) almost everywhere. */
import { nodeError } from '../../errors.js';
import type { Node } from '../../graph/graph.js';

/** Maps `axis` in [-rank, rank) to [0, rank); anything else is a BnnError naming the node. */
export function normalizeAxis(node: Node, axis: number, rank: number, what = 'axis'): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    nodeError(node, `${what} ${axis} is out of range for rank ${rank}`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** Normalises a list of axes and refuses duplicates (after normalisation, so 1 and -3 clash at rank 4). */
export function normalizeAxes(node: Node, axes: readonly number[], rank: number, what = 'axes'): number[] {
  const out = axes.map((a) => normalizeAxis(node, a, rank, `${what} entry`));
  if (new Set(out).size !== out.length) nodeError(node, `${what} [${axes}] repeat an axis (rank ${rank})`);
  return out;
}
