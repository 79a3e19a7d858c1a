import { execa } from 'execa';
import { BnnError } from '../errors.js';

export interface ToolResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a build tool (compiler, size) to completion. A missing executable becomes the one-line BnnError
 * "<tool> not found: install <packages>"; a non-zero exit is returned, not thrown, so callers can word it.
 */
export async function runTool(
  tool: string,
  args: readonly string[],
  opts: { cwd?: string; packages?: readonly string[] } = {},
): Promise<ToolResult> {
  // LC_ALL=C: plain ASCII quotes and English messages, whatever the user's locale.
  const result = await execa(tool, args, { cwd: opts.cwd, reject: false, stdin: 'ignore', env: { LC_ALL: 'C' } });
  if (result.code === 'ENOENT') throw notFound(tool, opts.packages);
  if (result.exitCode === undefined) {
    throw new BnnError(`${tool} did not finish: ${result.signal ?? result.shortMessage}`);
  }
  return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
}

/** The error for a missing tool, naming the Debian packages that provide it when known. */
export function notFound(tool: string, packages: readonly string[] | undefined): BnnError {
  const hint = packages && packages.length > 0 ? `install ${packages.join(' ')}` : 'is it installed and on PATH?';
  return new BnnError(`${tool} not found: ${hint}`);
}
