import { BnnError } from '../errors.js';
import type { Target } from '../targets/target.js';
import { runTool } from './exec.js';
import { sizeTool } from './flags.js';

export interface Footprint {
  /** text + data: code, constants and the initial values of initialised variables. */
  readonly flashBytes: number;
  /** data + bss: statically allocated RAM (for a picolibc ELF this includes its reserved stack). */
  readonly ramBytes: number;
}

/** Sums the Berkeley-format sizes of ELF or object files, as reported by the target's binutils `size`. */
export async function measureFootprint(target: Target, files: readonly string[]): Promise<Footprint> {
  if (files.length === 0) return { flashBytes: 0, ramBytes: 0 }; // `size` without files would measure a.out
  const tool = sizeTool(target);
  const result = await runTool(tool, ['-B', ...files], { packages: target.toolchainPackages });
  if (result.exitCode !== 0) throw new BnnError(`${tool} failed: ${firstLine(result.stderr)}`);
  let text = 0;
  let data = 0;
  let bss = 0;
  // Header "text data bss dec hex filename", then one row per file.
  for (const line of result.stdout.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 3 || !cols.slice(0, 3).every((c) => /^\d+$/.test(c))) continue;
    text += Number(cols[0]);
    data += Number(cols[1]);
    bss += Number(cols[2]);
  }
  return { flashBytes: text + data, ramBytes: data + bss };
}

function firstLine(s: string): string {
  return s.split('\n').find((l) => l.trim() !== '') ?? '(no message)';
}
