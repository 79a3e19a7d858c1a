/**
 * Pad: opsets 2-10 take pads/value as attributes, 11+ as inputs (pads constant, optional constant_value,
 * optional axes from opset 18). Modes constant, reflect (mirror without repeating the edge) and edge.
 * Negative pads crop; reflect and edge then mirror/repeat the cropped borders, as the spec's numpy reference does.
 */
import { nodeError } from '../errors.js';
import type { Node } from '../graph/graph.js';
import { castValue, type Tensor } from '../graph/tensor.js';
import type { OpDef } from './op.js';
import { attrFloat, attrInts, attrString } from './util/attrs.js';
import { normalizeAxes } from './util/axes.js';
import { constInts, hasInput, requireInput, type InputSource } from './util/inputs.js';
import { remapAxes } from './util/layout.js';

type PadMode = 'constant' | 'reflect' | 'edge';

interface PadParams {
  readonly mode: PadMode;
  /** Per input axis; negative values crop. */
  readonly begin: number[];
  readonly end: number[];
  readonly outShape: number[];
}

function padParams(node: Node, shape: readonly number[], source: InputSource, opset: number): PadParams {
  const rank = shape.length;
  const mode = attrString(node, 'mode', 'constant');
  if (mode !== 'constant' && mode !== 'reflect' && mode !== 'edge') {
    nodeError(node, `mode '${mode}' is not supported (constant, reflect, edge)`);
  }
  const pads = opset < 11 ? attrInts(node, 'pads') : constInts(node, source, 1, 'pads');
  if (pads === undefined) nodeError(node, `Pad needs pads (${opset < 11 ? 'attribute' : 'input 1'}), which is missing`);
  const axesList = opset < 11 ? undefined : constInts(node, source, 3, 'axes');
  const axes = axesList === undefined ? [...Array(rank).keys()] : normalizeAxes(node, axesList, rank);
  if (pads.length !== 2 * axes.length) {
    nodeError(node, `pads has ${pads.length} entries, expected ${2 * axes.length} (input shape [${shape}])`);
  }
  const begin = new Array<number>(rank).fill(0);
  const end = new Array<number>(rank).fill(0);
  axes.forEach((a, i) => {
    begin[a] = pads[i]!;
    end[a] = pads[i + axes.length]!;
  });
  const outShape = shape.map((d, a) => d + begin[a]! + end[a]!);
  if (outShape.some((d) => d < 0)) nodeError(node, `pads [${pads}] crop more than input shape [${shape}] holds`);
  if (mode !== 'constant') {
    shape.forEach((d, a) => {
      const kept = d - Math.max(0, -begin[a]!) - Math.max(0, -end[a]!);
      const widest = Math.max(begin[a]!, end[a]!);
      // reflect needs pad < kept size (it never repeats the edge); edge needs a non-empty axis to repeat.
      if (widest > 0 && (mode === 'reflect' ? widest >= kept : kept === 0)) {
        nodeError(node, `${mode} pad of ${widest} on axis ${a} is too wide for input shape [${shape}], pads [${pads}]`);
      }
    });
  }
  return { mode, begin, end, outShape };
}

function constantValue(node: Node, inputs: readonly (Tensor | undefined)[], opset: number): number {
  if (opset < 11) return attrFloat(node, 'value', 0);
  if (!hasInput(node, 2)) return 0;
  const t = requireInput(node, inputs, 2);
  if (t.data.length !== 1) nodeError(node, `constant_value must hold one value, got shape [${t.shape}]`);
  return t.data[0]!;
}

export const pad: OpDef = {
  type: 'Pad',
  infer(node, inputs, ctx) {
    const x = requireInput(node, inputs, 0);
    return [{ dtype: x.dtype, shape: padParams(node, x.shape, (i) => ctx.constant(i), ctx.opset).outShape }];
  },
  evaluate(node, inputs, ctx) {
    const x = requireInput(node, inputs, 0);
    const p = padParams(node, x.shape, (i) => inputs[i], ctx.opset);
    const fill = castValue(x.dtype, constantValue(node, inputs, ctx.opset));
    const out = remapAxes(
      x,
      p.outShape,
      (axis, o) => {
        // The kept source range [lo, hi) after cropping, and where it starts in the output.
        const lo = Math.max(0, -p.begin[axis]!);
        const hi = x.shape[axis]! - Math.max(0, -p.end[axis]!);
        let r = o - Math.max(0, p.begin[axis]!);
        const n = hi - lo;
        if (r >= 0 && r < n) return lo + r;
        if (p.mode === 'constant') return -1;
        if (p.mode === 'edge') return lo + Math.min(Math.max(r, 0), n - 1);
        r = r < 0 ? -r : 2 * (n - 1) - r;
        return lo + r;
      },
      fill,
    );
    return [out];
  },
};
