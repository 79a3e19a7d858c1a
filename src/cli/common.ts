/** What every command shares: one-line errors with exit status 2, and small table printing. */
import { Command } from 'commander';
import { BnnError } from '../errors.js';
import { colorEnabled } from './output.js';

/** Exit statuses (docs/cli.md): 0 ok, 1 verification failed, 2 bad input or usage, 3 internal error. */
export const EXIT = { ok: 0, mismatch: 1, badInput: 2, internal: 3 } as const;

/** The exit statuses as `--help` shows them. */
export const EXIT_HELP = `
Exit status:
  0  success (verify: every sample bit-exact)
  1  verification failed (the C output differs from the reference executor)
  2  bad input or usage (one line on stderr naming the file, node and reason)
  3  internal error (a bug in bnngen; --verbose or BNNGEN_DEBUG=1 prints the stack)`;

/**
 * Wraps a command action: BnnError -> one line on stderr and exit 2; anything else -> one line and exit 3, with
 * the stack under --verbose or BNNGEN_DEBUG. The line is red when stderr shows colour.
 */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<number | void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      const code = await fn(...args);
      process.exitCode = code ?? EXIT.ok;
    } catch (e) {
      const red = (text: string) => (colorEnabled(process.stderr, process.env) ? `\u001b[31m${text}\u001b[0m` : text);
      if (e instanceof BnnError) {
        process.stderr.write(`${red(e.line())}\n`);
        process.exitCode = EXIT.badInput;
      } else {
        const message = e instanceof Error ? e.message : String(e);
        process.stderr.write(`${red(`bnngen: internal error: ${message.split('\n')[0]}`)}\n`);
        if (process.env.BNNGEN_DEBUG || verbose(args)) process.stderr.write(`${(e as Error).stack}\n`);
        process.exitCode = EXIT.internal;
      }
    }
  };
}

/** commander passes the command itself as the action's last argument: was --verbose given? */
function verbose(args: readonly unknown[]): boolean {
  const last = args[args.length - 1];
  return last instanceof Command && last.opts().verbose === true;
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
