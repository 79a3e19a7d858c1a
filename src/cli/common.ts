/** What every command shares: one-line errors with exit status 2, and small table printing. */
import { BnnError } from '../errors.js';

/** Exit statuses (docs/cli.md): 0 ok, 1 verification failed, 2 bad input or usage, 3 internal error. */
export const EXIT = { ok: 0, mismatch: 1, badInput: 2, internal: 3 } as const;

/** Wraps a command action: BnnError -> one line on stderr and exit 2; anything else -> one line and exit 3. */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<number | void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      const code = await fn(...args);
      process.exitCode = code ?? EXIT.ok;
    } catch (e) {
      if (e instanceof BnnError) {
        process.stderr.write(`${e.line()}\n`);
        process.exitCode = EXIT.badInput;
      } else {
        const message = e instanceof Error ? e.message : String(e);
        process.stderr.write(`bnngen: internal error: ${message.split('\n')[0]}\n`);
        if (process.env.BNNGEN_DEBUG) process.stderr.write(`${(e as Error).stack}\n`);
        process.exitCode = EXIT.internal;
      }
    }
  };
}

/** Left-aligned text table with a header row. */
export function formatTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>, rightAlign: ReadonlySet<number> = new Set()): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]) =>
    r.map((cell, i) => (rightAlign.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** 12345 -> "12,345". */
export function thousands(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function percent(part: number, whole: number): string {
  return whole === 0 ? 'n/a' : `${((100 * part) / whole).toFixed(2)} %`;
}
