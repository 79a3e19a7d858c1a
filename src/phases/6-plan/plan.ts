/**
 * Static memory plan: every internal buffer gets a word offset in one arena. A buffer lives from the step that
 * writes it to the last step that reads it (inclusive at both ends, so a step's output never shares memory with
 * its inputs, except where a kernel is made to run in place: see inPlaceSlots). Buffers are placed largest first
 * at the lowest offset that does not overlap any already placed buffer whose lifetime intersects (greedy
 * first-fit, as TinyEngine and TFLM's greedy planner do).
 */
import type { BufferDecl, Program } from '../../lowered/program.js';
import { stepInputs, validateProgram } from '../../lowered/validate.js';
import { PlacedSpans } from './span-index.js';

export interface MemoryPlan {
  /** The same program with `offset` set on every internal buffer. */
  readonly program: Program;
  /** Arena size: the end of the highest placed buffer. */
  readonly arenaWords: number;
  /** No plan can do better: the largest total size of buffers live at one step. */
  readonly lowerBoundWords: number;
}

export interface Lifetime {
  readonly buffer: BufferDecl;
  /** Index of the step that writes the buffer. */
  readonly first: number;
  /** Index of the last step that reads it (= first when nothing reads it). */
  readonly last: number;
}

export function planMemory(p: Program): MemoryPlan {
  validateProgram(p);
  const lifetimes = bufferLifetimes(p);
  // In-place steps: an output and the operand it overwrites form one slot, placed (and counted) once.
  const slots = inPlaceSlots(p, lifetimes);
  const spans = slots.map((s) => s.span);
  const slotOffsets = placeFirstFit(spans);
  const offsets = new Map<number, number>();
  for (const s of slots) for (const l of s.members) offsets.set(l.buffer.id, slotOffsets.get(s.span.buffer.id)!);
  const buffers = p.buffers.map((b) => (offsets.has(b.id) ? { ...b, offset: offsets.get(b.id)! } : b));
  const arenaWords = lifetimes.reduce((end, l) => Math.max(end, offsets.get(l.buffer.id)! + l.buffer.words), 0);
  return { program: { ...p, buffers }, arenaWords, lowerBoundWords: peakLiveWords(spans, p.steps.length) };
}

/** Buffers sharing one arena place: `span` covers all their lifetimes and carries the first member's buffer. */
interface Slot {
  readonly members: Lifetime[];
  span: Lifetime;
}

/**
 * One slot per buffer, except that an add_clip_f32 output joins the slot of an operand of the same size whose last
 * reader is that step (the kernel reads element i before writing it). Chains of such steps share one slot.
 */
function inPlaceSlots(p: Program, lifetimes: readonly Lifetime[]): Slot[] {
  const lifetimeOf = new Map(lifetimes.map((l) => [l.buffer.id, l]));
  const slotOf = new Map<number, Slot>();
  const slots: Slot[] = lifetimes.map((l) => {
    const slot = { members: [l], span: l };
    slotOf.set(l.buffer.id, slot);
    return slot;
  });
  const donated = new Set<number>();
  const merged = new Set<Slot>();
  p.steps.forEach((step, i) => {
    if (step.kernel !== 'add_clip_f32') return;
    const out = slotOf.get(step.output);
    if (!out) return;
    const donor = [step.input, step.addend].find((id) => {
      const l = lifetimeOf.get(id);
      return l !== undefined && !donated.has(id) && l.last === i && l.buffer.words === out.span.buffer.words;
    });
    if (donor === undefined) return;
    donated.add(donor);
    const into = slotOf.get(donor)!;
    into.members.push(...out.members);
    into.span = { ...into.span, last: Math.max(into.span.last, out.span.last) };
    for (const m of out.members) slotOf.set(m.buffer.id, into);
    merged.add(out);
  });
  return slots.filter((s) => !merged.has(s));
}

/** Lifetimes of the internal (arena) buffers, in buffer declaration order. */
export function bufferLifetimes(p: Program): Lifetime[] {
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  p.steps.forEach((step, i) => {
    first.set(step.output, i);
    last.set(step.output, i);
    for (const id of stepInputs(step)) last.set(id, i);
  });
  return p.buffers
    .filter((b) => !b.external && first.has(b.id))
    .map((b) => ({ buffer: b, first: first.get(b.id)!, last: last.get(b.id)! }));
}

export function lifetimesOverlap(a: Lifetime, b: Lifetime): boolean {
  return a.first <= b.last && b.first <= a.last;
}

/**
 * Largest first, each span at the lowest offset where it overlaps no already placed span live with it. Only the
 * placed spans live with it are visited (PlacedSpans), so the work is O(n log n + K log n) for K pairs of spans live
 * together (K <= n times the most spans live at one step): near n log n for long chains, where checking every
 * placed span is quadratic. The lowest free offset depends only on the set of conflicts, not on the order they are
 * found in, so every span lands exactly where checking all placed spans put it.
 */
function placeFirstFit(spans: readonly Lifetime[]): Map<number, number> {
  const order = spans.map((_, i) => i).sort((i, j) => {
    const [a, b] = [spans[i]!, spans[j]!];
    return b.buffer.words - a.buffer.words || a.first - b.first || a.buffer.id - b.buffer.id;
  });
  const placed = new PlacedSpans(spans);
  const offsetOf: number[] = new Array<number>(spans.length);
  for (const i of order) {
    const conflicts = placed
      .liveWith(spans[i]!)
      .map((j) => ({ offset: offsetOf[j]!, words: spans[j]!.buffer.words }))
      .sort((a, b) => a.offset - b.offset);
    const words = spans[i]!.buffer.words;
    let offset = 0;
    for (const q of conflicts) {
      if (offset + words <= q.offset) break;
      offset = Math.max(offset, q.offset + q.words);
    }
    offsetOf[i] = offset;
    placed.place(i);
  }
  return new Map(spans.map((l, i) => [l.buffer.id, offsetOf[i]!]));
}

/** The largest total size live at one step, from per-step size changes (linear, not steps x spans). */
function peakLiveWords(spans: readonly Lifetime[], steps: number): number {
  const change = new Float64Array(steps + 1);
  for (const l of spans) {
    change[l.first]! += l.buffer.words;
    change[l.last + 1]! -= l.buffer.words;
  }
  let live = 0;
  let peak = 0;
  for (let i = 0; i < steps; i++) {
    live += change[i]!;
    peak = Math.max(peak, live);
  }
  return peak;
}
