/**
 * The memory plan over time as an inline SVG: steps left to right, arena offsets bottom to top, one rectangle per
 * arena buffer spanning the steps it is live (written at `first`, last read at `last`). A column of the chart
 * is exactly what the arena holds while that step runs; the dashed line is the liveness lower bound.
 */
import { thousands } from '../cli/common.js';
import { coord, html, type Html } from './html.js';
import type { ReportBuffer, ReportData } from './model.js';

export const MEMORY_CHART = { width: 1000, height: 280, left: 64, right: 8, top: 12, bottom: 22 } as const;

const PLOT_WIDTH = MEMORY_CHART.width - MEMORY_CHART.left - MEMORY_CHART.right;
const PLOT_HEIGHT = MEMORY_CHART.height - MEMORY_CHART.top - MEMORY_CHART.bottom;

export function memoryChart(d: ReportData): Html {
  const placed = arenaBuffers(d);
  const top = Math.max(1, d.arenaBytes);
  const col = PLOT_WIDTH / Math.max(1, d.steps.length);
  const y = (bytes: number) => MEMORY_CHART.top + PLOT_HEIGHT - (bytes / top) * PLOT_HEIGHT;
  const bottom = y(0);
  const labelEvery = Math.max(1, Math.ceil(d.steps.length / 25));
  return html`<svg class="chart memory-chart" id="memory-chart" viewBox="0 0 ${MEMORY_CHART.width} ${MEMORY_CHART.height}" role="img" aria-label="arena buffers over time">
<rect class="arena" x="${MEMORY_CHART.left}" y="${MEMORY_CHART.top}" width="${PLOT_WIDTH}" height="${PLOT_HEIGHT}"/>
${placed.map((b) => {
    const x = MEMORY_CHART.left + b.first! * col;
    const w = (b.last! - b.first! + 1) * col;
    const y1 = y(b.offsetBytes! + b.bytes);
    const h = y(b.offsetBytes!) - y1;
    const tooltip = `${b.name} (${b.kind} ${b.shape}): ${thousands(b.bytes)} bytes at offset ${thousands(b.offsetBytes!)}, live in steps ${b.first}-${b.last}`;
    const label = w > b.name.length * 6 + 6 && h > 12
      ? html`<text x="${coord(x + 3)}" y="${coord(y1 + 11)}">${b.name}</text>` : '';
    return html`<g class="buffer ${b.kind}" data-buffer="${b.id}" data-offset="${b.offsetBytes}" data-bytes="${b.bytes}" data-first="${b.first}" data-last="${b.last}"><title>${tooltip}</title><rect x="${coord(x)}" y="${coord(y1)}" width="${coord(w)}" height="${coord(h)}"/>${label}</g>
`;
  })}<line class="reference" x1="${MEMORY_CHART.left}" x2="${MEMORY_CHART.width - MEMORY_CHART.right}" y1="${coord(y(d.lowerBoundBytes))}" y2="${coord(y(d.lowerBoundBytes))}"/>
<text class="axis" x="${MEMORY_CHART.left - 6}" y="${coord(bottom + 4)}" text-anchor="end">0</text><text class="axis" x="${MEMORY_CHART.left - 6}" y="${MEMORY_CHART.top + 8}" text-anchor="end">${thousands(d.arenaBytes)}</text>
${d.steps.map((s, i) => (i % labelEvery === 0 ? html`<text class="axis" x="${coord(MEMORY_CHART.left + (i + 0.5) * col)}" y="${MEMORY_CHART.height - 6}" text-anchor="middle">${s.index}</text>` : ''))}
</svg>`;
}

/** Internal buffers the plan placed in the arena, in the order they come to life (the table's order too). */
export function arenaBuffers(d: ReportData): ReportBuffer[] {
  return d.buffers
    .filter((b) => b.offsetBytes !== undefined)
    .sort((a, b) => a.first! - b.first! || a.offsetBytes! - b.offsetBytes! || a.id - b.id);
}
