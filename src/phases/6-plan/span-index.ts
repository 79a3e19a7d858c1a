/**
 * The spans the memory plan has placed so far, for one question: which of them are live together with a given
 * lifetime? They are the placed spans that start at or before its last step and end at or after its first. Spans
 * sit in first-step order at the leaves of a tree whose nodes keep the latest last step placed below them, so a
 * query only descends where such a span is: O((k + 1) log n) for k answers, instead of looking at every span.
 */
import type { Lifetime } from './plan.js';

export class PlacedSpans {
  /** Span indices in order of first step: the leaf order. */
  private readonly byFirst: number[];
  /** Leaf position of each span. */
  private readonly leafOf: number[];
  /** Leaves from `leaves` on; node k has children 2k and 2k+1. -1 where nothing below is placed. */
  private readonly latestLast: Int32Array;
  private readonly leaves: number;

  constructor(private readonly spans: readonly Lifetime[]) {
    this.byFirst = spans.map((_, i) => i).sort((i, j) => spans[i]!.first - spans[j]!.first);
    this.leafOf = new Array<number>(spans.length);
    this.byFirst.forEach((span, leaf) => (this.leafOf[span] = leaf));
    this.leaves = 2 ** Math.ceil(Math.log2(Math.max(spans.length, 1)));
    this.latestLast = new Int32Array(2 * this.leaves).fill(-1);
  }

  place(span: number): void {
    let node = this.leaves + this.leafOf[span]!;
    this.latestLast[node] = this.spans[span]!.last;
    for (node >>= 1; node >= 1; node >>= 1) {
      this.latestLast[node] = Math.max(this.latestLast[2 * node]!, this.latestLast[2 * node + 1]!);
    }
  }

  /** Indices of the placed spans whose lifetimes overlap `l`'s. */
  liveWith(l: Lifetime): number[] {
    const startedBy = this.countStartedBy(l.last);
    const found: number[] = [];
    const visit = (node: number, from: number, to: number): void => {
      if (from >= startedBy || this.latestLast[node]! < l.first) return;
      if (node >= this.leaves) {
        found.push(this.byFirst[from]!);
        return;
      }
      const mid = (from + to) >> 1;
      visit(2 * node, from, mid);
      visit(2 * node + 1, mid, to);
    };
    visit(1, 0, this.leaves);
    return found;
  }

  /** How many spans start at or before `step` (binary search over the leaf order). */
  private countStartedBy(step: number): number {
    let [lo, hi] = [0, this.byFirst.length];
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.spans[this.byFirst[mid]!]!.first <= step) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
