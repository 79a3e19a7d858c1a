/**
 * One bar per step as an inline SVG: linear scale from 0, bars coloured by step kind, a tooltip per bar, and an
 * optional dashed reference line (e.g. the arena size over the live bytes). Every bar carries its step and exact
 * value as data attributes, so the page's script and the browser test can read what was drawn.
 */
import { coord, html, type Html } from './html.js';
import type { StepKind } from '../lowered/cost.js';

export interface Bar {
  readonly step: number;
  readonly value: number;
  readonly kind: StepKind;
  readonly tooltip: string;
}

export interface BarChartOptions {
  readonly id: string;
  /** Unit word for the axis ("instructions", "bytes"). */
  readonly unit: string;
  readonly reference?: { readonly value: number; readonly label: string };
}

/** Geometry of the SVG view box; exported for the browser test, which checks bar heights against values. */
export const BAR_CHART = { width: 1000, height: 170, left: 64, right: 8, top: 12, bottom: 22 } as const;

const PLOT_HEIGHT = BAR_CHART.height - BAR_CHART.top - BAR_CHART.bottom;
const PLOT_WIDTH = BAR_CHART.width - BAR_CHART.left - BAR_CHART.right;
const MAX_SLOT = 48;

export function barChart(bars: readonly Bar[], o: BarChartOptions): Html {
  const top = niceCeiling(Math.max(1, o.reference?.value ?? 0, ...bars.map((b) => b.value)));
  const y = (v: number) => BAR_CHART.top + PLOT_HEIGHT - (v / top) * PLOT_HEIGHT;
  // Few steps give narrow bars on the left rather than slabs across the page.
  const slot = Math.min(MAX_SLOT, PLOT_WIDTH / Math.max(1, bars.length));
  const gap = slot > 4 ? slot * 0.15 : 0;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => f * top);
  const labelEvery = niceStep(Math.ceil(bars.length / 25));
  return html`<svg class="chart bar-chart" id="${o.id}" viewBox="0 0 ${BAR_CHART.width} ${BAR_CHART.height}" role="img" aria-label="${o.unit} per step" data-max="${top}">
${ticks.map((t) => html`<line class="grid" x1="${BAR_CHART.left}" x2="${BAR_CHART.width - BAR_CHART.right}" y1="${coord(y(t))}" y2="${coord(y(t))}"/><text class="axis" x="${BAR_CHART.left - 6}" y="${coord(y(t) + 4)}" text-anchor="end">${compact(t)}</text>
`)}${bars.map((b, i) => {
    // A value too small for one pixel still shows as a sliver: the tooltip gives the number.
    const h = b.value > 0 ? Math.max(1, (b.value / top) * PLOT_HEIGHT) : 0;
    const x = BAR_CHART.left + i * slot + gap / 2;
    return html`<rect class="bar ${b.kind}" data-step="${b.step}" data-value="${b.value}" x="${coord(x)}" y="${coord(BAR_CHART.top + PLOT_HEIGHT - h)}" width="${coord(slot - gap)}" height="${coord(h)}"><title>${b.tooltip}</title></rect>
`;
  })}${bars.map((b, i) =>
    i % labelEvery === 0 ? html`<text class="axis" x="${coord(BAR_CHART.left + (i + 0.5) * slot)}" y="${BAR_CHART.height - 6}" text-anchor="middle">${b.step}</text>` : '',
  )}
${o.reference ? html`<line class="reference" x1="${BAR_CHART.left}" x2="${BAR_CHART.width - BAR_CHART.right}" y1="${coord(y(o.reference.value))}" y2="${coord(y(o.reference.value))}"/><text class="reference-label" x="${BAR_CHART.width - BAR_CHART.right - 4}" y="${coord(y(o.reference.value) - 4)}" text-anchor="end">${o.reference.label}</text>` : ''}
</svg>`;
}

/** The smallest of 1, 2, 2.5, 5 x 10^k at or above v: a round top for the axis. */
export function niceCeiling(v: number): number {
  const p = 10 ** Math.floor(Math.log10(v));
  return [1, 2, 2.5, 5, 10].map((m) => m * p).find((c) => c >= v)!;
}

/** 1, 2, 5, 10, 20, ... at or above n: how many steps between x-axis labels. */
function niceStep(n: number): number {
  for (let p = 1; ; p *= 10) for (const m of [1, 2, 5]) if (m * p >= n) return m * p;
}

const COMPACT = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 2 });

/** 1806336 -> "1.81M": axis labels only; tooltips and tables give exact numbers. */
function compact(v: number): string {
  return COMPACT.format(v);
}
