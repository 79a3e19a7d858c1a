/**
 * Output conventions shared by every command (docs/cli.md): results on stdout, errors and warnings on stderr;
 * --json prints one JSON document on stdout and nothing else there; --quiet prints only errors and warnings;
 * --verbose adds detail; colour only on a terminal and never with NO_COLOR; progress bars on stderr, only on a
 * terminal, and gone when done.
 */
import { Option, type Command } from 'commander';
import cliProgress from 'cli-progress';
import type { Progress } from '../progress.js';

export interface OutputOptions {
  readonly quiet?: boolean;
  readonly verbose?: boolean;
  readonly json?: boolean;
}

/** What the output decisions depend on besides the options (replaced in tests). */
export interface OutputEnvironment {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly env: NodeJS.ProcessEnv;
}

const PROCESS: OutputEnvironment = { stdout: process.stdout, stderr: process.stderr, env: process.env };

/**
 * `bnngen inspect model.onnx | head`: when the reader closes the pipe, stop writing and exit instead of failing
 * with an unhandled EPIPE stack.
 */
export function exitQuietlyOnClosedPipe(): void {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    process.exit(process.exitCode ?? 0);
  });
}

/** Adds --quiet and --verbose (mutually exclusive: both is a usage error, exit status 2). */
export function outputOptions(command: Command): Command {
  return command
    .addOption(new Option('-q, --quiet', 'print only errors and warnings (the exit status tells the outcome)').conflicts('verbose'))
    .addOption(new Option('-v, --verbose', 'print more detail (and the stack of an internal error)'));
}

/**
 * Colour on `stream`: never when NO_COLOR is set to anything but '' (https://no-color.org) or TERM is 'dumb';
 * always when FORCE_COLOR is set to anything but '' or '0'; otherwise only on a terminal.
 */
export function colorEnabled(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0') return true;
  if (env.TERM === 'dumb') return false;
  return stream.isTTY === true;
}

export interface Styles {
  readonly pass: (text: string) => string;
  readonly fail: (text: string) => string;
  readonly warn: (text: string) => string;
  readonly bold: (text: string) => string;
}

function styles(enabled: boolean): Styles {
  const sgr = (open: string) => (text: string) => (enabled ? `\u001b[${open}m${text}\u001b[0m` : text);
  return { pass: sgr('1;32'), fail: sgr('1;31'), warn: sgr('33'), bold: sgr('1') };
}

/** A progress display: `update` after each unit of work, `stop` when done (also after a failure). */
export interface ProgressDisplay {
  readonly update: (p: Progress) => void;
  readonly stop: () => void;
}

const NO_PROGRESS: ProgressDisplay = { update: () => undefined, stop: () => undefined };

export class Output {
  /** Styles for stdout text. */
  readonly style: Styles;
  private readonly errStyle: Styles;

  constructor(
    readonly options: OutputOptions,
    private readonly io: OutputEnvironment = PROCESS,
  ) {
    this.style = styles(colorEnabled(io.stdout, io.env));
    this.errStyle = styles(colorEnabled(io.stderr, io.env));
  }

  /** Human-readable output (the command's result and status lines): not with --quiet or --json. */
  print(text: string): void {
    if (!this.options.quiet && !this.options.json) this.io.stdout.write(`${text}\n`);
  }

  /** Extra detail, only with --verbose (and not with --json). */
  detail(text: string): void {
    if (this.options.verbose && !this.options.json) this.io.stdout.write(`${text}\n`);
  }

  /** The one JSON document of --json. */
  json(value: unknown): void {
    this.io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** "bnngen: warning: ..." on stderr, also with --quiet and --json. */
  warn(text: string): void {
    this.io.stderr.write(`${this.errStyle.warn(`bnngen: warning: ${text}`)}\n`);
  }

  /** True when a progress bar would be shown: a terminal on stderr, and neither --quiet nor --json. */
  get showsProgress(): boolean {
    return this.io.stderr.isTTY === true && !this.options.quiet && !this.options.json;
  }

  /** A bar on stderr labelled `label` that is erased when stopped; does nothing unless showsProgress. */
  progress(label: string): ProgressDisplay {
    if (!this.showsProgress) return NO_PROGRESS;
    const bar = new cliProgress.SingleBar({
      stream: this.io.stderr,
      format: `${label} [{bar}] {value}/{total} {stage}`,
      clearOnComplete: true,
      hideCursor: true,
      barsize: 30,
    }, cliProgress.Presets.legacy);
    let started = false;
    return {
      update: (p) => {
        if (!started) {
          bar.start(p.total, p.done, { stage: p.stage });
          started = true;
        } else {
          bar.setTotal(p.total);
          bar.update(p.done, { stage: p.stage });
        }
      },
      stop: () => {
        if (started) bar.stop();
        started = false;
      },
    };
  }
}
