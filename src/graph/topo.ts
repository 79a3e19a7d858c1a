/** Topological order of nodes: keeps the file order wherever it is already valid. */
import { BnnError } from '../errors.js';
import type { Node } from './graph.js';

/**
 * Nodes sorted so every node comes after the producers of its inputs. `available` names the values that exist
 * before any node runs (graph inputs, constants); every other input must be some node's output (checked by the
 * caller). A cycle is a BnnError naming a node on it.
 */
export function topoSort(nodes: readonly Node[], available: ReadonlySet<string>): Node[] {
  const producer = new Map<string, number>();
  nodes.forEach((n, i) => n.outputs.forEach((o) => o !== '' && producer.set(o, i)));
  const state = new Uint8Array(nodes.length); // 0 = unvisited, 1 = on the DFS path, 2 = emitted
  const order: Node[] = [];
  // Iterative depth-first search (a deep chain must not overflow the JS stack): a node is emitted once all
  // its producers are, so a node whose file position is already valid is emitted in file order.
  for (let root = 0; root < nodes.length; root++) {
    if (state[root] !== 0) continue;
    const stack: Array<[number, number]> = [[root, 0]];
    state[root] = 1;
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const [i, next] = top;
      const node = nodes[i]!;
      if (next === node.inputs.length) {
        state[i] = 2;
        order.push(node);
        stack.pop();
        continue;
      }
      top[1] = next + 1;
      const input = node.inputs[next]!;
      if (input === '' || available.has(input)) continue;
      const p = producer.get(input);
      if (p === undefined || state[p] === 2) continue;
      if (state[p] === 1) {
        const n = nodes[p]!;
        throw new BnnError(`the graph has a cycle through value '${input}'`, { node: `${n.name} (${n.opType})` });
      }
      state[p] = 1;
      stack.push([p, 0]);
    }
  }
  return order;
}
