/**
 * Exact instruction counts under QEMU: where the profile markers (templates/harness/bnn_profile.c) are in a
 * firmware ELF, the -plugin option that loads the counting plugin, and the plugin's report.
 */
import { readFile } from 'node:fs/promises';
import { BnnError } from '../errors.js';
import type { Target } from '../targets/target.js';
import { runTool } from './exec.js';

export interface CodeRange {
  readonly start: number;
  readonly size: number;
}

/** The marker functions' code and the id table they read, as linked into one ELF. */
export interface ProfileMarkers {
  readonly begin: CodeRange;
  readonly end: CodeRange;
  readonly ids: CodeRange;
}

/** One closed region: every instruction between bnn_profile_begin(id) and bnn_profile_end(id). */
export interface ProfileRegion {
  readonly id: number;
  readonly instructions: number;
}

export interface IcountReport {
  /** In the order the regions closed (nested regions close before the enclosing one). */
  readonly regions: readonly ProfileRegion[];
  /** Sum over all regions (nested instructions count once per enclosing region). */
  readonly total: number;
}

/** The binutils tool matching the target's gcc: arm-none-eabi-gcc -> arm-none-eabi-nm, gcc -> nm. */
function binutil(target: Target, tool: string): string {
  return target.cc.endsWith('gcc') ? target.cc.slice(0, -'gcc'.length) + tool : tool;
}

/** Reads the markers' addresses and sizes from the ELF's symbol table with the target's `nm`. */
export async function findProfileMarkers(target: Target, elf: string): Promise<ProfileMarkers> {
  const nm = binutil(target, 'nm');
  const result = await runTool(nm, ['-S', elf], { packages: target.toolchainPackages });
  if (result.exitCode !== 0) throw new BnnError(`${nm} failed on ${elf}: ${result.stderr.trim().split('\n')[0] ?? ''}`);
  const symbols = new Map<string, CodeRange>();
  // "ADDRESS SIZE TYPE NAME", hexadecimal.
  for (const line of result.stdout.split('\n')) {
    const m = /^([0-9a-f]+) ([0-9a-f]+) \w (\S+)$/i.exec(line.trim());
    if (m) symbols.set(m[3]!, { start: parseInt(m[1]!, 16), size: parseInt(m[2]!, 16) });
  }
  const get = (name: string): CodeRange => {
    const s = symbols.get(name);
    if (!s || s.size === 0) throw new BnnError(`${elf} has no ${name}: it was not built with templates/harness/bnn_profile.c`);
    return s;
  };
  // Thumb function symbols carry the instruction set in bit 0; the code starts at the even address.
  const code = (r: CodeRange): CodeRange => ({ start: r.start - (r.start % 2), size: r.size });
  return { begin: code(get('bnn_profile_begin')), end: code(get('bnn_profile_end')), ids: get('bnn_profile_ids') };
}

/**
 * QEMU options that load the plugin for these markers, writing its report to `reportFile`. The plugin counts per
 * translation block (fast, exact for code that raises no exception) unless `perInstruction` asks for a count
 * before every instruction (about 2.3x slower; the cross-check of the tests).
 */
export function icountQemuArgs(plugin: string, markers: ProfileMarkers, reportFile: string, opts: { perInstruction?: boolean } = {}): string[] {
  const hex = (n: number): string => '0x' + n.toString(16);
  const escape = (s: string): string => s.replaceAll(',', ',,'); // QEMU option syntax
  const args = [
    escape(plugin),
    `begin=${hex(markers.begin.start)}`, `begin_size=${hex(markers.begin.size)}`,
    `end=${hex(markers.end.start)}`, `end_size=${hex(markers.end.size)}`,
    `ids=${hex(markers.ids.start)}`, `ids_size=${hex(markers.ids.size)}`,
    `out=${escape(reportFile)}`,
    `count=${opts.perInstruction ? 'insn' : 'tb'}`,
  ];
  return ['-plugin', args.join(',')];
}

/** Parses the plugin's report; a missing summary (QEMU killed) or a marker misuse raises a BnnError. */
export async function readIcountReport(reportFile: string): Promise<IcountReport> {
  let text: string;
  try {
    text = await readFile(reportFile, 'utf8');
  } catch {
    throw new BnnError(`the QEMU instruction-count plugin wrote no report (${reportFile})`);
  }
  return parseIcountReport(text);
}

export function parseIcountReport(text: string): IcountReport {
  const lines = text.split('\n').filter((l) => l !== '');
  if (lines[0] !== 'bnn-icount 1') throw new BnnError('instruction-count report: unknown format');
  const regions: ProfileRegion[] = [];
  let summary: { total: number; regions: number } | undefined;
  for (const line of lines.slice(1)) {
    const [kind, ...fields] = line.split(' ');
    if (kind === 'error') throw new BnnError(`profile markers misused: ${fields.join(' ')}`);
    const numbers = fields.map(Number);
    if (!numbers.every(Number.isSafeInteger)) throw new BnnError(`instruction-count report: bad line '${line}'`);
    if (kind === 'region' && numbers.length === 2) regions.push({ id: numbers[0]!, instructions: numbers[1]! });
    else if (kind === 'summary' && numbers.length === 3) summary = { total: numbers[0]!, regions: numbers[1]! }; // [2]: errors, each reported by an error line
    else throw new BnnError(`instruction-count report: bad line '${line}'`);
  }
  if (!summary) throw new BnnError('instruction-count report is incomplete: QEMU did not exit normally');
  if (summary.regions !== regions.length) {
    throw new BnnError(`instruction-count report lists ${regions.length} regions but counted ${summary.regions}`);
  }
  return { regions, total: summary.total };
}
