/** Progress of a long run (verify, bench), reported to an optional callback; the CLI draws it as a bar. */
export interface Progress {
  /** Units of work done so far, out of `total` (samples, builds, QEMU runs). */
  readonly done: number;
  readonly total: number;
  /** What is running now, e.g. 'reference executor' or 'QEMU run (binary path)'. */
  readonly stage: string;
}

export type ProgressCallback = (p: Progress) => void;

/** Counts the units of a run made of stages, and reports every change to an optional callback. */
export class ProgressCounter {
  private done = 0;
  private current = '';

  constructor(
    private readonly total: number,
    private readonly callback?: ProgressCallback,
  ) {}

  /** `name` is running now. */
  stage(name: string): void {
    this.current = name;
    this.report();
  }

  /** `units` more are done. */
  advance(units = 1): void {
    this.done = Math.min(this.total, this.done + units);
    this.report();
  }

  /** All done (also when a planned stage was skipped). */
  finish(): void {
    this.done = this.total;
    this.current = 'done';
    this.report();
  }

  private report(): void {
    this.callback?.({ done: this.done, total: this.total, stage: this.current });
  }
}
