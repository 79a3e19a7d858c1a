/**
 * Safe HTML building: `html` is a tagged template whose interpolated values are escaped unless they are already
 * Html (made by `html` itself or by `raw`). Every text that comes from a model file (node names, tensor names)
 * passes through it, so a crafted name cannot inject markup into the report.
 */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

export type HtmlValue = Html | string | number | boolean | null | undefined | readonly HtmlValue[];

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/** Text that is trusted markup: only for bnngen's own files (the inlined CSS and script). */
export function raw(text: string): Html {
  return new Html(text);
}

function render(value: HtmlValue): string {
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): Html {
  let out = strings[0]!;
  values.forEach((v, i) => {
    out += render(v) + strings[i + 1]!;
  });
  return new Html(out);
}

/** Numbers in SVG coordinates: two decimals at most, so the page stays small and deterministic. */
export function coord(n: number): string {
  return String(Math.round(n * 100) / 100);
}
