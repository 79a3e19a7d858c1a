/**
 * Consecutive remaps in one: a remap_f32 whose output only the next remap reads (an option-A shortcut exports
 * as Slice, Slice, Pad) becomes part of that remap, when the two give the same values as one strided copy. The
 * intermediate buffer disappears and the buffers are renumbered.
 */
import type { BufferDecl, Program, RemapF32, Shape3, Step } from '../../lowered/program.js';
import { stepInputs } from '../../lowered/validate.js';

export function composeRemaps(p: Program): Program {
  const readers = new Map<number, number>();
  for (const s of p.steps) for (const id of stepInputs(s)) readers.set(id, (readers.get(id) ?? 0) + 1);
  const steps: Step[] = [];
  const dead = new Set<number>();
  for (const step of p.steps) {
    const prev = steps[steps.length - 1];
    if (step.kernel === 'remap_f32' && prev?.kernel === 'remap_f32' && prev.output === step.input &&
        readers.get(prev.output) === 1 && !p.buffers[prev.output]!.external) {
      const composed = compose(prev, step);
      if (composed) {
        steps[steps.length - 1] = composed;
        dead.add(prev.output);
        continue;
      }
    }
    steps.push(step);
  }
  return dead.size === 0 ? p : withoutBuffers({ ...p, steps }, dead);
}

/** `second` after `first` as one remap, or undefined when no single remap gives the same values. */
function compose(first: RemapF32, second: RemapF32): RemapF32 | undefined {
  const start = [0, 0, 0];
  const step = [0, 0, 0];
  let outerFills = false; // some output index falls outside first's output: second's fill
  let innerFills = false; // inside first's output but outside its input: first's fill
  for (let axis = 0; axis < 3; axis++) {
    start[axis] = second.start[axis]! * first.step[axis]! + first.start[axis]!;
    step[axis] = second.step[axis]! * first.step[axis]!;
    for (let i = 0; i < second.outShape[axis]!; i++) {
      const mid = i * second.step[axis]! + second.start[axis]!;
      const src = mid * first.step[axis]! + first.start[axis]!;
      const midInside = mid >= 0 && mid < first.outShape[axis]!;
      const srcInside = src >= 0 && src < first.inShape[axis]!;
      // The composed remap fills exactly where src is outside: a mid outside must never map back inside.
      if (!midInside && srcInside) return undefined;
      if (!midInside) outerFills = true;
      else if (!srcInside) innerFills = true;
    }
  }
  if (outerFills && innerFills && !Object.is(first.fill, second.fill)) return undefined;
  return {
    kernel: 'remap_f32', origin: `${first.origin} + ${second.origin}`, input: first.input, output: second.output,
    inShape: first.inShape, outShape: second.outShape, start: start as unknown as Shape3, step: step as unknown as Shape3,
    fill: innerFills ? first.fill : second.fill,
  };
}

/** Buffer ids are indexes into p.buffers: drop the dead ones and renumber every reference to the others. */
function withoutBuffers(p: Program, dead: ReadonlySet<number>): Program {
  const newId = new Map<number, number>();
  const buffers: BufferDecl[] = [];
  for (const b of p.buffers) {
    if (dead.has(b.id)) continue;
    newId.set(b.id, buffers.length);
    buffers.push({ ...b, id: buffers.length });
  }
  const id = (old: number) => newId.get(old)!;
  const steps = p.steps.map((s) => {
    const renamed = renumber(s, id);
    // Every buffer reference a step kind has must have been renamed: a kind with another field is a bug here.
    const same = stepInputs(renamed).join() === stepInputs(s).map(id).join() && renamed.output === id(s.output);
    if (!same) throw new Error(`composeRemaps: step kind ${s.kernel} has buffer fields this pass does not know`);
    return renamed;
  });
  return { ...p, buffers, steps, input: { ...p.input, buffer: id(p.input.buffer) }, output: { ...p.output, buffer: id(p.output.buffer) } };
}

/** The buffer fields of the step kinds: a single input, two operands, or a list. */
function renumber(s: Step, id: (old: number) => number): Step {
  const r: Record<string, unknown> = { ...s, output: id(s.output) };
  for (const key of ['input', 'a', 'b', 'addend'] as const) if (key in s) r[key] = id((s as unknown as Record<string, number>)[key]!);
  if (s.kernel === 'concat_f32') r.inputs = s.inputs.map(id);
  return r as unknown as Step;
}
