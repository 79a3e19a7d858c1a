/**
 * Every refusal bnngen makes is a BnnError: it names the file, the node (when there is one) and the reason.
 * The CLI prints it as one line `bnngen: <file>: <node>: <reason>` and exits with status 2.
 */
export class BnnError extends Error {
  constructor(
    readonly reason: string,
    readonly where: { file?: string; node?: string } = {},
  ) {
    super(reason);
    this.name = 'BnnError';
  }

  /** A copy of this error that also names the file (kept when already set). */
  inFile(file: string): BnnError {
    return new BnnError(this.reason, { file: this.where.file ?? file, node: this.where.node });
  }

  /** The single line the CLI prints (names from a corrupt file may hold line breaks: they are escaped). */
  line(): string {
    const parts = ['bnngen'];
    if (this.where.file) parts.push(this.where.file);
    if (this.where.node) parts.push(`node ${this.where.node}`);
    parts.push(this.reason);
    return escapeControl(parts.join(': '));
  }
}

const ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** Control characters (and Unicode line separators) as escapes, so text from a file stays on one line. */
function escapeControl(text: string): string {
  return text.replace(
    /[\u0000-\u001f\u007f\u2028\u2029]/g,
    (c) => ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** Throws a BnnError naming a node. */
export function nodeError(node: { name: string; opType: string }, reason: string): never {
  throw new BnnError(reason, { node: `${node.name || '(unnamed)'} (${node.opType})` });
}
