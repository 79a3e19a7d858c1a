/**
 * Structural check of a lowered program, shared by the reference executor, the memory plan and the C emitter.
 * Everything downstream indexes typed arrays with the sizes declared here, so a lowering bug must stop at this
 * gate with a message naming the step, not turn into an out-of-bounds read in TypeScript or in C.
 * A malformed program is a compiler bug (plain Error, the CLI's "internal error"); a NaN constant comes from the
 * user's model and cannot be printed as C, so it is a BnnError naming the ONNX node.
 */
import { BnnError } from '../errors.js';
import { filterTailMask, filterWords } from './kernels/bconv-layout.js';
import type { BufferDecl, ConstDecl, Program, Shape3, Step, Window } from './program.js';

/** Words of a packed sign tensor: every pixel owns ceil(C/32) words. */
export function bitsWords(shape: Shape3): number {
  return shape[1] * shape[2] * Math.ceil(shape[0] / 32);
}

export function f32Words(shape: Shape3): number {
  return shape[0] * shape[1] * shape[2];
}

/** True when `v` is a float32 value that the C can print exactly (finite or infinite, not NaN). */
export function isPrintableF32(v: number): boolean {
  return !Number.isNaN(v) && Math.fround(v) === v;
}

/** The buffer ids a step reads. */
export function stepInputs(step: Step): readonly number[] {
  switch (step.kernel) {
    case 'add_f32':
      return [step.a, step.b];
    case 'add_clip_f32':
      return [step.input, step.addend];
    case 'concat_f32':
      return step.inputs;
    default:
      return [step.input];
  }
}

/** The ids of every constant a step uses. */
export function stepConsts(step: Step): readonly number[] {
  switch (step.kernel) {
    case 'conv2d_f32':
      return [step.weights, step.bias];
    case 'bconv2d':
      return step.epilogue.kind === 'affine'
        ? [step.weights, step.epilogue.fixed, step.epilogue.pow2]
        : [step.weights, step.epilogue.thresholds];
    case 'affine_f32':
      return [step.scale, step.shift];
    case 'bwconv2d_f32':
      return [step.weights, step.scale, step.shift];
    case 'prelu_f32':
      return [step.slope];
    case 'maxpool_bits':
      return [step.orMask];
    default:
      return [];
  }
}

const C_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Throws on the first inconsistency (see above for which error); returns normally for a well-formed program. */
export function validateProgram(p: Program): void {
  if (!C_IDENTIFIER.test(p.name)) fail(`program name '${p.name}' is not a C identifier`);
  const buffers = indexById(p.buffers, 'buffer');
  const consts = indexById(p.consts, 'constant');
  checkNames(p.buffers, 'buffer');
  checkNames(p.consts, 'constant');
  for (const b of p.buffers) checkBufferDecl(b);

  const input = buffers.get(p.input.buffer);
  const output = buffers.get(p.output.buffer);
  if (input?.external !== 'input') fail(`program input ${p.input.buffer} is not the external input buffer`);
  if (output?.external !== 'output') fail(`program output ${p.output.buffer} is not the external output buffer`);
  if (input.kind !== 'f32' || output.kind !== 'f32') fail('program input and output must be f32 buffers');
  if (product(p.input.shape) !== input.words) fail(`input shape [${p.input.shape}] does not match ${input.words} words`);
  if (product(p.output.shape) !== output.words) fail(`output shape [${p.output.shape}] does not match ${output.words} words`);
  for (const b of p.buffers) {
    if (b.external && b.id !== input.id && b.id !== output.id) fail(`buffer ${b.name} is external but not the program's ${b.external}`);
  }

  const written = new Set<number>([input.id]);
  p.steps.forEach((step, index) => {
    const where = `step ${index} (${step.kernel})`;
    const ctx: StepContext = { step, where, buffers, consts };
    for (const id of stepInputs(step)) {
      if (!written.has(id)) stepFail(ctx, `reads buffer ${id} before any step writes it`);
      if (id === step.output) stepFail(ctx, 'writes one of its own inputs (in-place steps are not supported)');
    }
    if (written.has(step.output)) stepFail(ctx, `writes buffer ${step.output}, which is the input or already written`);
    checkStep(ctx);
    written.add(step.output);
  });
  if (!written.has(output.id)) fail('no step writes the program output');
}

interface StepContext {
  readonly step: Step;
  readonly where: string;
  readonly buffers: ReadonlyMap<number, BufferDecl>;
  readonly consts: ReadonlyMap<number, ConstDecl>;
}

function checkStep(ctx: StepContext): void {
  const s = ctx.step;
  switch (s.kernel) {
    case 'conv2d_f32': {
      buffer(ctx, s.input, 'f32', s.inShape);
      buffer(ctx, s.output, 'f32', s.outShape);
      checkWindow(ctx, s.window);
      constant(ctx, s.weights, Float32Array, s.outShape[0] * s.inShape[0] * s.window.kH * s.window.kW);
      constant(ctx, s.bias, Float32Array, s.outShape[0]);
      return;
    }
    case 'pack_sign':
      buffer(ctx, s.input, 'f32', s.shape);
      buffer(ctx, s.output, 'bits', s.shape);
      return;
    case 'bconv2d': {
      const oc = s.outShape[0];
      buffer(ctx, s.input, 'bits', s.inShape);
      buffer(ctx, s.output, s.epilogue.kind === 'affine' ? 'f32' : 'bits', s.outShape);
      checkWindow(ctx, s.window);
      const fw = filterWords(s.inShape[0], s.window.kH, s.window.kW);
      const w = constant(ctx, s.weights, Uint32Array, oc * fw);
      checkTailBits(ctx, w, fw, filterTailMask(s.inShape[0], s.window.kH, s.window.kW));
      if (s.epilogue.kind === 'affine') {
        constant(ctx, s.epilogue.fixed, Int32Array, 2 * oc);
        constant(ctx, s.epilogue.pow2, Float32Array, oc);
      } else {
        constant(ctx, s.epilogue.thresholds, Int32Array, oc);
      }
      return;
    }
    case 'affine_f32':
      buffer(ctx, s.input, 'f32', s.shape);
      buffer(ctx, s.output, 'f32', s.shape);
      constant(ctx, s.scale, Float32Array, s.shape[0]);
      constant(ctx, s.shift, Float32Array, s.shape[0]);
      return;
    case 'add_f32':
      sizedBuffer(ctx, s.a, s.size);
      sizedBuffer(ctx, s.b, s.size);
      sizedBuffer(ctx, s.output, s.size);
      return;
    case 'clip_f32':
      sizedBuffer(ctx, s.input, s.size);
      sizedBuffer(ctx, s.output, s.size);
      if (!isPrintableF32(s.min) || !isPrintableF32(s.max)) valueFail(ctx, `clip bounds ${s.min}, ${s.max} are not float32 values`);
      return;
    case 'add_clip_f32':
      sizedBuffer(ctx, s.input, s.size);
      sizedBuffer(ctx, s.addend, s.size);
      sizedBuffer(ctx, s.output, s.size);
      if (!isPrintableF32(s.min) || !isPrintableF32(s.max)) valueFail(ctx, `clip bounds ${s.min}, ${s.max} are not float32 values`);
      return;
    case 'sign_f32':
      sizedBuffer(ctx, s.input, s.size);
      sizedBuffer(ctx, s.output, s.size);
      return;
    case 'maxpool_f32':
    case 'avgpool_f32':
      buffer(ctx, s.input, 'f32', s.inShape);
      buffer(ctx, s.output, 'f32', s.outShape);
      checkWindow(ctx, s.window);
      if (s.inShape[0] !== s.outShape[0]) stepFail(ctx, 'a pool keeps the channel count');
      return;
    case 'maxpool_bits': {
      buffer(ctx, s.input, 'bits', s.inShape);
      buffer(ctx, s.output, 'bits', s.outShape);
      checkWindow(ctx, s.window);
      if (s.inShape[0] !== s.outShape[0]) stepFail(ctx, 'a pool keeps the channel count');
      const w = s.window;
      const inside = (o: number, stride: number, k: number, dil: number, size: number) => (o - 1) * stride + (k - 1) * dil < size;
      if (w.padTop !== 0 || w.padLeft !== 0 || !inside(s.outShape[1], w.strideH, w.kH, w.dilH, s.inShape[1]) ||
        !inside(s.outShape[2], w.strideW, w.kW, w.dilW, s.inShape[2])) {
        stepFail(ctx, 'a packed max pool needs every window inside the input (no padding)');
      }
      // The mask is one bit per channel: a 1x1 "filter" of C bits.
      const words = filterWords(s.inShape[0], 1, 1);
      const mask = constant(ctx, s.orMask, Uint32Array, words);
      checkTailBits(ctx, mask, words, filterTailMask(s.inShape[0], 1, 1));
      return;
    }
    case 'global_avgpool_f32':
      buffer(ctx, s.input, 'f32', s.inShape);
      buffer(ctx, s.output, 'f32', [s.inShape[0], 1, 1]);
      return;
    case 'remap_f32':
      buffer(ctx, s.input, 'f32', s.inShape);
      buffer(ctx, s.output, 'f32', s.outShape);
      if (![...s.start, ...s.step].every(Number.isSafeInteger)) stepFail(ctx, 'remap start and step must be integers');
      if (!s.step.every((v) => v > 0)) stepFail(ctx, 'remap steps must be positive');
      if (!isPrintableF32(s.fill)) valueFail(ctx, `pad value ${s.fill} is not a float32 value`);
      return;
    case 'bwconv2d_f32': {
      buffer(ctx, s.input, 'f32', s.inShape);
      buffer(ctx, s.output, 'f32', s.outShape);
      checkWindow(ctx, s.window);
      const words = filterWords(s.inShape[0], s.window.kH, s.window.kW);
      const w = constant(ctx, s.weights, Uint32Array, s.outShape[0] * words);
      checkTailBits(ctx, w, words, filterTailMask(s.inShape[0], s.window.kH, s.window.kW));
      constant(ctx, s.scale, Float32Array, s.outShape[0]);
      constant(ctx, s.shift, Float32Array, s.outShape[0]);
      return;
    }
    case 'prelu_f32':
      buffer(ctx, s.input, 'f32', s.shape);
      buffer(ctx, s.output, 'f32', s.shape);
      constant(ctx, s.slope, Float32Array, s.shape[0]);
      return;
    case 'softmax_f32':
      sizedBuffer(ctx, s.input, s.size);
      sizedBuffer(ctx, s.output, s.size);
      return;
    case 'concat_f32': {
      if (s.inputs.length === 0 || s.inputs.length !== s.inShapes.length) stepFail(ctx, 'concat needs one shape per input');
      s.inputs.forEach((id, i) => buffer(ctx, id, 'f32', s.inShapes[i]!));
      const [, h, w] = s.inShapes[0]!;
      if (!s.inShapes.every((sh) => sh[1] === h && sh[2] === w)) stepFail(ctx, 'concat inputs differ in height or width');
      buffer(ctx, s.output, 'f32', [s.inShapes.reduce((c, sh) => c + sh[0], 0), h, w]);
      return;
    }
  }
}

function buffer(ctx: StepContext, id: number, kind: 'f32' | 'bits', shape: Shape3): void {
  const b = ctx.buffers.get(id);
  if (!b) return stepFail(ctx, `unknown buffer ${id}`);
  if (b.kind !== kind) stepFail(ctx, `buffer ${b.name} is ${b.kind}, expected ${kind}`);
  if (!sameShape(b.shape, shape)) stepFail(ctx, `buffer ${b.name} has shape [${b.shape}], the step expects [${shape}]`);
}

function sizedBuffer(ctx: StepContext, id: number, size: number): void {
  const b = ctx.buffers.get(id);
  if (!b) return stepFail(ctx, `unknown buffer ${id}`);
  if (b.kind !== 'f32' || b.words !== size) stepFail(ctx, `buffer ${b.name} is not ${size} floats`);
}

type ConstArray = Float32ArrayConstructor | Uint32ArrayConstructor | Int32ArrayConstructor;

function constant<T extends ConstArray>(ctx: StepContext, id: number, type: T, length: number): InstanceType<T> {
  const c = ctx.consts.get(id);
  if (!c) return stepFail(ctx, `unknown constant ${id}`);
  if (!(c.data instanceof type)) stepFail(ctx, `constant ${c.name} is not a ${type.name}`);
  if (c.data.length !== length) stepFail(ctx, `constant ${c.name} has ${c.data.length} values, expected ${length}`);
  if (c.data instanceof Float32Array && c.data.some(Number.isNaN)) valueFail(ctx, `constant ${c.name} holds NaN`);
  return c.data as InstanceType<T>;
}

/** Weight bits past the real channel count must be 0, or the XOR with the (zero) activation tail counts them. */
/** Every filter (`wordsPerFilter` words) must have 0 in the bits `tailMask` selects of its last word. */
function checkTailBits(ctx: StepContext, weights: Uint32Array, wordsPerFilter: number, tailMask: number): void {
  if (tailMask === 0) return;
  for (let i = wordsPerFilter - 1; i < weights.length; i += wordsPerFilter) {
    if ((weights[i]! & tailMask) !== 0) stepFail(ctx, `weight word ${i} has bits set past the end of its filter`);
  }
}

function checkWindow(ctx: StepContext, w: Window): void {
  const positive = [w.kH, w.kW, w.strideH, w.strideW, w.dilH, w.dilW];
  if (!positive.every((v) => Number.isSafeInteger(v) && v > 0)) stepFail(ctx, 'window sizes, strides and dilations must be positive integers');
  if (![w.padTop, w.padLeft].every((v) => Number.isSafeInteger(v) && v >= 0)) stepFail(ctx, 'window padding must be a non-negative integer');
}

function checkBufferDecl(b: BufferDecl): void {
  if (!b.shape.every((d) => Number.isSafeInteger(d) && d > 0)) fail(`buffer ${b.name} has shape [${b.shape}]`);
  const words = b.kind === 'f32' ? f32Words(b.shape) : bitsWords(b.shape);
  if (b.words !== words) fail(`buffer ${b.name} declares ${b.words} words, its shape needs ${words}`);
}

function checkNames(items: readonly { name: string }[], what: string): void {
  const seen = new Set<string>();
  for (const { name } of items) {
    if (!C_IDENTIFIER.test(name)) fail(`${what} name '${name}' is not a C identifier`);
    if (seen.has(name)) fail(`two ${what}s are named '${name}'`);
    seen.add(name);
  }
}

function indexById<T extends { id: number }>(items: readonly T[], what: string): Map<number, T> {
  const map = new Map<number, T>();
  for (const item of items) {
    if (map.has(item.id)) fail(`two ${what}s have id ${item.id}`);
    map.set(item.id, item);
  }
  return map;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function product(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

function fail(reason: string): never {
  throw new Error(`invalid lowered program: ${reason}`);
}

function stepFail(ctx: StepContext, reason: string): never {
  throw new Error(`invalid lowered program: ${ctx.where} from ${ctx.step.origin}: ${reason}`);
}

function valueFail(ctx: StepContext, reason: string): never {
  throw new BnnError(reason, { node: ctx.step.origin });
}
