import { freshName } from '../../graph/graph.js';

/** Stable, unique C identifiers derived from ONNX names. */
export class NameTable {
  private readonly used = new Set<string>();

  /** A C identifier based on `raw`, unique within this table. */
  take(raw: string, suffix = ''): string {
    let base = raw.replace(/[^A-Za-z0-9_]/g, '_').replace(/_+/g, '_').replace(/^_+|_+$/g, '') || 'v';
    if (/^[0-9]/.test(base)) base = `v${base}`;
    base = `${base}${suffix}`.toLowerCase();
    const name = freshName(base, (n) => this.used.has(n));
    this.used.add(name);
    return name;
  }
}

/** A C identifier for the model API prefix (`<name>_run`). */
export function modelIdentifier(raw: string): string {
  const id = raw.replace(/\.onnx$/i, '').replace(/[^A-Za-z0-9_]/g, '_').replace(/_+/g, '_').replace(/^_+|_+$/g, '').toLowerCase();
  return /^[a-z_]/.test(id) ? id : `model_${id}`;
}
