import assert from 'node:assert/strict';
import type { AddClipF32, Program, Shape3 } from '../../src/lowered/program.js';
import { attr, encodeModel, type ModelSpec, type NodeSpec, type TensorSpec } from '../../src/onnx/encode.js';
import { bufferLifetimes, lifetimesOverlap, planMemory, type Lifetime } from '../../src/phases/6-plan/plan.js';
import { compileBytes } from '../../src/pipeline.js';
import { kernelCases, residualNet } from './lowered-cases.js';
import { ProgramBuilder, randomFloats, Rng } from './lowered-fixtures.js';

/** Every check a memory plan must pass; returns the plan for further assertions. */
function checkPlan(p: Program): ReturnType<typeof planMemory> {
  const plan = planMemory(p);
  const lifetimes = bufferLifetimes(plan.program);
  for (const l of lifetimes) {
    const off = l.buffer.offset;
    assert.ok(off !== undefined && Number.isInteger(off) && off >= 0, `${l.buffer.name} has offset ${off}`);
    assert.ok(off + l.buffer.words <= plan.arenaWords, `${l.buffer.name} ends past the arena`);
  }
  const inPlace = inPlacePairs(plan.program, lifetimes);
  for (let i = 0; i < lifetimes.length; i++) {
    for (let j = i + 1; j < lifetimes.length; j++) {
      const [a, b] = [lifetimes[i]!, lifetimes[j]!];
      if (!lifetimesOverlap(a, b)) continue;
      const [ao, bo] = [a.buffer.offset!, b.buffer.offset!];
      if (ao === bo && inPlace.has(pairKey(a.buffer.id, b.buffer.id))) continue;
      const disjoint = ao + a.buffer.words <= bo || bo + b.buffer.words <= ao;
      const where = (l: typeof a) => `${l.buffer.name} @${l.buffer.offset}+${l.buffer.words}`;
      assert.ok(disjoint, `${p.name}: live together and overlapping: ${where(a)}, ${where(b)}`);
    }
  }
  for (const b of plan.program.buffers) if (b.external) assert.equal(b.offset, undefined, `external ${b.name} is not in the arena`);
  assert.ok(plan.arenaWords >= plan.lowerBoundWords);
  const slots = slotsOf(lifetimes);
  assert.equal(plan.lowerBoundWords, peakLiveWords(slots, plan.program.steps.length), `${p.name}: lower bound`);
  assertFirstFit(p.name, slots);
  return plan;
}

const pairKey = (a: number, b: number) => (a < b ? `${a},${b}` : `${b},${a}`);

/** The operand and output buffers (pairKey) an add_clip_f32 step may run in place on: the operand dies there. */
function inPlacePairs(p: Program, lifetimes: readonly Lifetime[]): Set<string> {
  const last = new Map(lifetimes.map((l) => [l.buffer.id, l.last]));
  const pairs = new Set<string>();
  p.steps.forEach((s, i) => {
    if (s.kernel !== 'add_clip_f32') return;
    for (const x of [s.input, s.addend]) if (last.get(x) === i) pairs.add(pairKey(x, s.output));
  });
  return pairs;
}

/** A place in the arena and the steps it is in use: one buffer, or an add_clip_f32 operand and the output over it. */
interface Slot {
  readonly first: number;
  last: number;
  readonly offset: number;
  readonly words: number;
}

/** The slots of a valid plan: buffers at one offset whose lifetimes overlap share a slot (add_clip_f32 in place). */
function slotsOf(lifetimes: readonly Lifetime[]): Slot[] {
  const slots: Slot[] = [];
  const byOffset = new Map<number, Lifetime[]>();
  for (const l of lifetimes) byOffset.set(l.buffer.offset!, [...(byOffset.get(l.buffer.offset!) ?? []), l]);
  for (const [offset, group] of byOffset) {
    let slot: Slot | undefined;
    for (const l of [...group].sort((a, b) => a.first - b.first)) {
      if (slot && l.first <= slot.last) slot.last = Math.max(slot.last, l.last);
      else slots.push((slot = { first: l.first, last: l.last, offset, words: l.buffer.words }));
    }
  }
  return slots;
}

/** By definition, step by step: the most words live at one step. */
function peakLiveWords(slots: readonly Slot[], steps: number): number {
  let peak = 0;
  for (let i = 0; i < steps; i++) {
    peak = Math.max(peak, slots.reduce((sum, s) => (s.first <= i && i <= s.last ? sum + s.words : sum), 0));
  }
  return peak;
}

/**
 * Greedy first fit, largest first (then earliest): every slot sits at the lowest offset clear of all the slots
 * placed before it that are live with it. Checked against every earlier slot, as the definition reads, whatever
 * shortcut the planner takes. (Each step writes one buffer, so no two slots start at the same step.)
 */
function assertFirstFit(name: string, slots: readonly Slot[]): void {
  const order = [...slots].sort((a, b) => b.words - a.words || a.first - b.first);
  order.forEach((s, i) => {
    const earlier = order.slice(0, i).filter((q) => q.first <= s.last && s.first <= q.last);
    const clear = (x: number) => earlier.every((q) => q.offset + q.words <= x || x + s.words <= q.offset);
    const lowest = Math.min(...[0, ...earlier.map((q) => q.offset + q.words)].filter(clear));
    assert.equal(s.offset, lowest, `${name}: the slot written at step ${s.first} (${s.words} words) is not at the lowest free offset`);
  });
}

/** A random DAG of float steps (5 to 25 unless `length` is given) with long-lived skip connections and changing sizes. */
function randomDag(seed: number, length?: number): Program {
  const r = new Rng(seed);
  const shape: Shape3 = [r.int(1, 8), r.int(2, 9), r.int(2, 9)];
  const b = new ProgramBuilder(`dag${seed}`, shape);
  const made: number[] = [b.input];
  const steps = length ?? r.int(5, 25);
  for (let i = 0; i < steps; i++) {
    const x = r.pick(made.slice(-4).concat(r.pick(made)));
    const [c, h, w] = b.shape(x);
    const op = r.int(0, 3);
    if (op === 0) made.push(b.affine(x, randomFloats(r, c), randomFloats(r, c)));
    else if (op === 1) made.push(b.clip(x, -1, 1));
    else if (op === 2) made.push(b.remap(x, [r.int(1, 10), r.int(1, 10), r.int(1, 10)], [0, -1, -1], [1, 1, 1], 0));
    else {
      const partner = made.filter((m) => m !== x && b.shape(m).join() === [c, h, w].join());
      made.push(partner.length ? b.add(x, r.pick(partner)) : b.concat([x, x]));
    }
  }
  return b.finish(made[made.length - 1]!);
}

describe('memory plan', () => {
  it('a chain reuses memory: arena = lower bound = the largest adjacent pair', () => {
    const b = new ProgramBuilder('chain', [4, 5, 5]);
    const a = b.remap(b.input, [4, 10, 10], [0, 0, 0], [1, 1, 1], 0); // 400 words
    const c = b.remap(a, [2, 5, 5], [0, 0, 0], [1, 1, 1], 0); // 50
    const d = b.remap(c, [4, 10, 10], [0, 0, 0], [1, 1, 1], 0); // 400, may reuse a's space
    const e = b.remap(d, [1, 3, 3], [0, 0, 0], [1, 1, 1], 0); // 9
    const plan = checkPlan(b.finish(b.clip(e, 0, 1)));
    assert.equal(plan.lowerBoundWords, 450);
    assert.equal(plan.arenaWords, 450);
    const offsets = plan.program.buffers.map((x) => x.offset);
    assert.equal(offsets[a], offsets[d], 'a and d never live together, so the largest-first fit puts both at 0');
  });

  it('a step never writes over its own inputs (lifetimes are inclusive)', () => {
    const b = new ProgramBuilder('inclusive', [8, 4, 4]);
    const x = b.clip(b.input, -1, 1);
    const y = b.clip(x, -1, 1);
    const plan = checkPlan(b.finish(b.clip(y, -1, 1)));
    assert.notEqual(plan.program.buffers[x]!.offset, plan.program.buffers[y]!.offset);
  });

  it('a larger output, placed first, still keeps clear of the input its step reads last', () => {
    const b = new ProgramBuilder('growing', [2, 3, 3]);
    const small = b.clip(b.input, -1, 1);
    const large = b.remap(small, [4, 6, 6], [0, 0, 0], [1, 1, 1], 0);
    const plan = checkPlan(b.finish(b.remap(large, [2, 3, 3], [0, 0, 0], [1, 1, 1], 0)));
    assert.deepEqual([small, large].map((id) => plan.program.buffers[id]!.offset), [144, 0]);
  });

  it('valid, deterministic and side-effect free on the test programs and random DAGs', () => {
    const programs = [
      ...kernelCases(99).map((c) => c.program),
      residualNet(3).program,
      ...Array.from({ length: 60 }, (_, i) => randomDag(i + 1)),
    ];
    let tight = 0;
    for (const p of programs) {
      const before = JSON.stringify(p.buffers);
      const plan = checkPlan(p);
      assert.equal(JSON.stringify(p.buffers), before, 'planMemory must not modify its argument');
      assert.deepEqual(planMemory(p), plan, 'same program, same plan');
      if (plan.arenaWords === plan.lowerBoundWords) tight++;
    }
    // First-fit is not optimal in general, but on these small programs it nearly always meets the bound.
    assert.ok(tight >= programs.length * 0.8, `only ${tight} of ${programs.length} plans meet the lower bound`);
  });

  it('a long chain with short skips (2000 steps): first fit at the lower bound', () => {
    const r = new Rng(5);
    const b = new ProgramBuilder('long_chain', [4, 6, 6]);
    const made = [b.input];
    for (let i = 0; i < 2000; i++) {
      const x = made[made.length - 1]!;
      const kind = r.int(0, 2);
      if (kind === 0) made.push(b.clip(x, -1, 1));
      else if (kind === 1) made.push(b.add(x, made[Math.max(0, made.length - 3)]!));
      else made.push(b.affine(x, randomFloats(r, 4), randomFloats(r, 4)));
    }
    const plan = checkPlan(b.finish(made[made.length - 1]!));
    assert.equal(plan.lowerBoundWords, 4 * 144, 'at most four 144-word buffers live at one step');
    assert.equal(plan.arenaWords, plan.lowerBoundWords);
  });

  it('long random DAGs with long-lived skips and changing sizes', () => {
    for (const seed of [1001, 1002]) checkPlan(randomDag(seed, 1500));
  });

  it('a program with no internal buffers needs no arena', () => {
    const b = new ProgramBuilder('direct', [3, 2, 2]);
    const plan = checkPlan(b.finish(b.clip(b.input, -1, 1)));
    assert.equal(plan.arenaWords, 0);
    assert.equal(plan.lowerBoundWords, 0);
  });
});

/**
 * `blocks` residual blocks x = act(Add(Conv3x3(x), x)) over [1, 4, 5, 5]: hardtanh Clip and Relu in turn, the Add's
 * operands in both orders.
 */
function residualChain(blocks: number): ModelSpec {
  const r = new Rng(blocks);
  const scalar = (v: number) => ({ dtype: 'float32' as const, shape: [], data: Float32Array.of(v) });
  const initializers: TensorSpec[] = [{ name: 'lo', tensor: scalar(-1) }, { name: 'hi', tensor: scalar(1) }];
  const nodes: NodeSpec[] = [];
  let x = 'input';
  for (let i = 0; i < blocks; i++) {
    const [w, conv, sum, y] = [`w${i}`, `conv${i}`, `sum${i}`, i === blocks - 1 ? 'output' : `x${i}`];
    initializers.push({ name: w, tensor: { dtype: 'float32', shape: [4, 4, 3, 3], data: randomFloats(r, 4 * 4 * 9, 0.3) } });
    nodes.push({ name: conv, opType: 'Conv', inputs: [x, w], outputs: [conv], attrs: { pads: attr.ints([1, 1, 1, 1]) } });
    nodes.push({ name: `add${i}`, opType: 'Add', inputs: i % 2 ? [x, conv] : [conv, x], outputs: [sum] });
    const [act, bounds] = i % 2 ? ['Relu', []] : ['Clip', ['lo', 'hi']];
    nodes.push({ name: `act${i}`, opType: act, inputs: [sum, ...bounds], outputs: [y] });
    x = y;
  }
  return {
    inputs: [{ name: 'input', dtype: 'float32', shape: [1, 4, 5, 5] }],
    outputs: [{ name: 'output', dtype: 'float32' }],
    initializers,
    nodes,
  };
}

describe('memory plan of a deep residual network', () => {
  it('300 blocks: each Add + Clip/Relu one add_clip_f32 step run in place, an arena no larger than for 2 blocks', () => {
    const deep = compileBytes(encodeModel(residualChain(300)), 'residual_chain.onnx');
    const steps = deep.program.steps;
    const addClips = steps.filter((s): s is AddClipF32 => s.kernel === 'add_clip_f32');
    assert.equal(addClips.length, 300);
    assert.equal(steps.length, 600, 'one conv and one add_clip_f32 step per block');
    const offset = (id: number) => deep.program.buffers[id]!.offset;
    for (const s of addClips.slice(0, -1)) {
      assert.ok(offset(s.output) === offset(s.input) || offset(s.output) === offset(s.addend), `${s.origin} does not run in place`);
    }
    checkPlan(deep.program);
    const shallow = compileBytes(encodeModel(residualChain(2)), 'residual_chain.onnx');
    assert.equal(deep.arenaWords, 200, 'a conv output and the block input: two 100-word buffers');
    assert.equal(deep.arenaWords, shallow.arenaWords);
    assert.equal(deep.lowerBoundWords, shallow.lowerBoundWords);
  });
});
