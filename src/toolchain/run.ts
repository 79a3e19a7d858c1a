import { execa } from 'execa';
import { basename } from 'node:path';
import { BnnError } from '../errors.js';
import type { Target } from '../targets/target.js';
import { notFound } from './exec.js';

export interface RunOptions {
  readonly target: Target;
  readonly elf: string;
  /** The program's argv[1..]; no whitespace (semihosting joins them with spaces). */
  readonly args: readonly string[];
  /** Working directory: relative file names in args are resolved here, on every target. */
  readonly cwd: string;
  readonly timeoutMs: number;
  /** More QEMU options (e.g. a -plugin); ignored on the host target. */
  readonly qemuOptions?: readonly string[];
}

export interface RunResult {
  /** main's return value (mod 256). */
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a program built by buildFirmware: under QEMU system emulation with semihosting on emulated targets,
 * directly on the host target. A timeout, a guest CPU fault or QEMU failing to start raises a BnnError;
 * otherwise the program's exit status and output are returned as they are.
 */
export async function runFirmware(opts: RunOptions): Promise<RunResult> {
  const { target, timeoutMs } = opts;
  const [command, args] = target.qemu ? [target.qemu.binary, qemuArgs(opts)] : [opts.elf, [...opts.args]];
  const result = await execa(command, args, {
    cwd: opts.cwd,
    reject: false,
    stdin: 'ignore',
    timeout: timeoutMs,
    forceKillAfterDelay: 2000,
  });
  const program = basename(opts.elf);
  // "QEMU ... running firmware.elf on cortex-m4" or "firmware.elf ... on host".
  const [subject, context] = target.qemu ? ['QEMU', `running ${program} on ${target.name}`] : [program, `on ${target.name}`];
  if (result.code === 'ENOENT') {
    throw target.qemu ? notFound(command, target.qemu.packages) : new BnnError(`${opts.elf} not found`);
  }
  if (result.timedOut) throw new BnnError(`${subject} timed out after ${formatSeconds(timeoutMs)} s ${context}`);
  const fault = target.qemu ? guestFault(result.stdout, result.stderr) : undefined;
  if (fault) throw new BnnError(`${program} crashed on ${target.name}: ${fault}`);
  if (result.exitCode === undefined) {
    throw new BnnError(`${subject} was killed by ${result.signal ?? 'an unknown cause'} ${context}`);
  }
  if (target.qemu && result.exitCode !== 0 && result.stderr.startsWith(`${target.qemu.binary}:`)) {
    // QEMU's own complaints (bad machine, unreadable kernel) are prefixed with its name.
    throw new BnnError(`QEMU failed for ${target.name}: ${result.stderr.split('\n')[0]}`);
  }
  return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
}

/**
 * Semihosting carries argv as one space-separated command line; picolibc's crt0 splits it and supplies a
 * placeholder argv[0] ("program-name"), so args map to argv[1..] as given. QEMU option values escape ',' as ',,'.
 */
function qemuArgs(opts: RunOptions): string[] {
  const qemu = opts.target.qemu;
  if (!qemu) throw new Error('qemuArgs called for a native target');
  for (const arg of opts.args) {
    if (arg === '' || /\s/.test(arg)) {
      throw new BnnError(`program argument '${arg}' is empty or has whitespace, which semihosting cannot pass`);
    }
  }
  const semihosting = ['enable=on', 'target=native', 'chardev=shc', ...opts.args.map((a) => `arg=${a.replaceAll(',', ',,')}`)];
  return [
    '-M', qemu.machine, ...qemu.args,
    '-display', 'none', '-serial', 'none', '-monitor', 'none',
    '-chardev', 'stdio,id=shc',
    '-semihosting-config', semihosting.join(','),
    ...(opts.qemuOptions ?? []),
    '-kernel', opts.elf,
  ];
}

/**
 * A CPU fault, described in one line, or undefined. picolibc's fault handler prints e.g. "ARM fault: hardfault"
 * and the registers through semihosting, then exits 1; QEMU itself reports a lockup as "qemu: fatal: ...".
 */
function guestFault(stdout: string, stderr: string): string | undefined {
  const picolibc = /^(\w+ fault: .*)$/m.exec(stdout);
  if (picolibc) {
    const pc = /^\s*PC:\s*(0x[0-9a-f]+)/im.exec(stdout);
    return picolibc[1].trim() + (pc ? ` at PC ${pc[1]}` : '');
  }
  const fatal = /qemu: fatal: (.*)/.exec(stderr);
  return fatal ? `QEMU stopped the CPU: ${fatal[1].trim()}` : undefined;
}

function formatSeconds(ms: number): string {
  return String(Math.round(ms / 100) / 10);
}
