/**
 * The layer graph as an inline SVG: the model input, every step of the lowered program in execution order, and
 * the model output, one box a row. An edge joins the step that writes a buffer to each step that reads it:
 * straight down between neighbours, as an arc in the left gutter when it skips steps (residual shortcuts).
 */
import { coord, html, type Html } from './html.js';
import type { ReportData, ReportStep } from './model.js';

const ROW = 26;
const BOX = 18;
const GUTTER = 160;
const WIDTH = 1000;
const CHAR = 6.6; // width of one 11 px monospace character, for truncating labels to the box
const MAX_CHARS = Math.floor((WIDTH - GUTTER - 16) / CHAR);

interface Edge {
  readonly from: number;
  readonly to: number;
}

export function layerGraph(d: ReportData): Html {
  // Row 0 is the model input, rows 1..n the steps, row n + 1 the model output.
  const rows = d.steps.length + 2;
  const height = rows * ROW + 4;
  const mid = (row: number) => row * ROW + 2 + BOX / 2;
  const edges = graphEdges(d);
  const input = d.buffers.find((b) => b.external === 'input')!;
  const output = d.buffers.find((b) => b.external === 'output')!;
  return html`<svg class="chart layer-graph" id="layer-graph" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="layer graph">
${edges.map((e) => edgePath(e, mid))}${endpoint(0, `input ${input.shape}`, 'input')}
${d.steps.map((s) => stepBox(s))}${endpoint(rows - 1, `output ${output.shape}`, 'output')}
</svg>`;
}

function edgePath(e: Edge, mid: (row: number) => number): Html {
  const x = GUTTER + 24;
  if (e.to === e.from + 1) {
    return html`<line class="edge" data-from="${e.from}" data-to="${e.to}" x1="${x}" x2="${x}" y1="${coord(mid(e.from) + BOX / 2)}" y2="${coord(mid(e.to) - BOX / 2)}"/>
`;
  }
  // The further the jump, the wider the arc, so nested shortcuts do not overlap.
  const bulge = Math.min(GUTTER - 8, 24 + 10 * (e.to - e.from));
  const y1 = mid(e.from);
  const y2 = mid(e.to);
  return html`<path class="edge skip" data-from="${e.from}" data-to="${e.to}" d="M${GUTTER} ${coord(y1)} C${GUTTER - bulge} ${coord(y1)} ${GUTTER - bulge} ${coord(y2)} ${GUTTER} ${coord(y2)}"/>
`;
}

function stepBox(s: ReportStep): Html {
  const row = s.index + 1;
  const why = s.verdict && !s.verdict.binary ? ` · not binary: ${s.verdict.reason}` : '';
  const label = truncate(`#${s.index} ${s.kernel}  ${s.origin.join(' + ')}${why}`, MAX_CHARS - 22);
  const tooltip = [
    `#${s.index} ${s.kernel}: ${s.description}`,
    `ONNX: ${s.origin.join(' + ')}`,
    ...(s.verdict ? [`${s.verdict.binary ? 'binary' : 'not binary'}: ${s.verdict.reason}`] : []),
  ].join('\n');
  const y = row * ROW + 2;
  return html`<g class="node ${s.kind}" data-step="${s.index}"><title>${tooltip}</title><rect x="${GUTTER}" y="${y}" width="${WIDTH - GUTTER - 4}" height="${BOX}" rx="3"/><text x="${GUTTER + 8}" y="${y + 13}">${label}</text><text class="shape" x="${WIDTH - 12}" y="${y + 13}" text-anchor="end">${s.outShape}</text></g>
`;
}

function endpoint(row: number, label: string, kind: 'input' | 'output'): Html {
  const y = row * ROW + 2;
  return html`<g class="node endpoint" data-endpoint="${kind}"><rect x="${GUTTER}" y="${y}" width="200" height="${BOX}" rx="9"/><text x="${GUTTER + 12}" y="${y + 13}">${label}</text></g>
`;
}

/** Producer row -> consumer row for every buffer a step (or the model output) reads. */
function graphEdges(d: ReportData): Edge[] {
  const writer = new Map<number, number>();
  const inputId = d.buffers.find((b) => b.external === 'input')!.id;
  writer.set(inputId, 0);
  const edges: Edge[] = [];
  const edge = (id: number, to: number) => {
    const from = writer.get(id);
    if (from !== undefined) edges.push({ from, to });
  };
  for (const s of d.steps) {
    for (const id of new Set(s.reads)) edge(id, s.index + 1);
    writer.set(s.writes, s.index + 1);
  }
  edge(d.buffers.find((b) => b.external === 'output')!.id, d.steps.length + 1);
  return edges;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
