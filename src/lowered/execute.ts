/**
 * The reference executor: runs a lowered program with exactly the arithmetic of the generated C (float32 rounding
 * after every operation, as C float arithmetic with -ffp-contract=off; integer popcount sums; the same reduction
 * orders). It is the oracle that verification compares the target's outputs against, bit for bit.
 */
import { BnnError } from '../errors.js';
import { bconv2d } from './kernels/bconv2d.js';
import { bwconv2dF32 } from './kernels/bwconv2d.js';
import { preluF32 } from './kernels/prelu.js';
import { softmaxF32 } from './kernels/softmax.js';
import { conv2dF32 } from './kernels/conv2d-f32.js';
import { addClipF32 } from './kernels/add-clip.js';
import { addF32, affineF32, clipF32, signF32 } from './kernels/elementwise.js';
import { packSign } from './kernels/pack-sign.js';
import { globalAvgPoolF32, poolF32 } from './kernels/pool.js';
import { maxPoolBits } from './kernels/pool-bits.js';
import { concatF32, remapF32 } from './kernels/remap.js';
import type { Program, Step } from './program.js';
import { validateProgram } from './validate.js';

export interface ExecuteStats {
  /** pack_sign inputs that were exactly +-0: binarized to +1 here, to 0 by ONNX Sign. */
  signTies: number;
}

/** Programs already validated: verification runs one program on thousands of inputs. Programs are immutable. */
const validated = new WeakSet<Program>();

/** Runs `p` on one input (CHW float32) and returns its output; adds to `stats.signTies` when given. */
export function executeProgram(p: Program, input: Float32Array, stats?: ExecuteStats): Float32Array {
  if (!validated.has(p)) {
    validateProgram(p);
    validated.add(p);
  }
  const inputDecl = p.buffers.find((b) => b.id === p.input.buffer)!;
  if (input.length !== inputDecl.words) {
    throw new BnnError(`the model input has ${inputDecl.words} values, got ${input.length}`);
  }
  const memory = new Map<number, Float32Array | Uint32Array>();
  for (const b of p.buffers) {
    if (b.id !== inputDecl.id) memory.set(b.id, b.kind === 'f32' ? new Float32Array(b.words) : new Uint32Array(b.words));
  }
  memory.set(inputDecl.id, input);
  const consts = new Map(p.consts.map((c) => [c.id, c.data]));
  const env: Env = {
    f32: (id) => memory.get(id) as Float32Array,
    bits: (id) => memory.get(id) as Uint32Array,
    constF32: (id) => consts.get(id) as Float32Array,
    constU32: (id) => consts.get(id) as Uint32Array,
    constI32: (id) => consts.get(id) as Int32Array,
  };
  let ties = 0;
  for (const step of p.steps) {
    if (step.kernel === 'pack_sign') {
      const zeros = packSign(step, env.f32(step.input), env.bits(step.output));
      if (step.zeroIsTie !== false) ties += zeros;
    }
    else if (step.kernel === 'bconv2d') ties += runBConv(step, env);
    else if (step.kernel === 'maxpool_bits') maxPoolBits(step, env.constU32(step.orMask), env.bits(step.input), env.bits(step.output));
    else runFloatStep(step, env);
  }
  if (stats) stats.signTies += ties;
  return env.f32(p.output.buffer);
}

/** Typed views of buffers and constants; validateProgram has already checked every kind and size. */
interface Env {
  f32(id: number): Float32Array;
  bits(id: number): Uint32Array;
  constF32(id: number): Float32Array;
  constU32(id: number): Uint32Array;
  constI32(id: number): Int32Array;
}

/** Runs a binary conv; returns the sign(0) ties its threshold epilogue met. */
function runBConv(step: Extract<Step, { kernel: 'bconv2d' }>, env: Env): number {
  const weights = env.constU32(step.weights);
  const input = env.bits(step.input);
  if (step.epilogue.kind === 'affine') {
    const epilogue = { fixed: env.constI32(step.epilogue.fixed), pow2: env.constF32(step.epilogue.pow2) };
    return bconv2d(step, input, weights, epilogue, env.f32(step.output));
  }
  const { thresholds, ties } = step.epilogue;
  return bconv2d(step, input, weights, { thresholds: env.constI32(thresholds), ties }, env.bits(step.output));
}

function runFloatStep(step: Exclude<Step, { kernel: 'pack_sign' | 'bconv2d' | 'maxpool_bits' }>, env: Env): void {
  switch (step.kernel) {
    case 'conv2d_f32':
      return conv2dF32(step, env.f32(step.input), env.constF32(step.weights), env.constF32(step.bias), env.f32(step.output));
    case 'affine_f32':
      return affineF32(step, env.f32(step.input), env.constF32(step.scale), env.constF32(step.shift), env.f32(step.output));
    case 'add_f32':
      return addF32(step.size, env.f32(step.a), env.f32(step.b), env.f32(step.output));
    case 'clip_f32':
      return clipF32(step, env.f32(step.input), env.f32(step.output));
    case 'add_clip_f32':
      return addClipF32(step, env.f32(step.input), env.f32(step.addend), env.f32(step.output));
    case 'sign_f32':
      return signF32(step, env.f32(step.input), env.f32(step.output));
    case 'maxpool_f32':
    case 'avgpool_f32':
      return poolF32(step, env.f32(step.input), env.f32(step.output));
    case 'global_avgpool_f32':
      return globalAvgPoolF32(step, env.f32(step.input), env.f32(step.output));
    case 'remap_f32':
      return remapF32(step, env.f32(step.input), env.f32(step.output));
    case 'concat_f32':
      return concatF32(step, step.inputs.map((id) => env.f32(id)), env.f32(step.output));
    case 'bwconv2d_f32':
      return bwconv2dF32(
        step, env.f32(step.input), env.constU32(step.weights), env.constF32(step.scale), env.constF32(step.shift), env.f32(step.output),
      );
    case 'prelu_f32':
      return preluF32(step, env.f32(step.input), env.constF32(step.slope), env.f32(step.output));
    case 'softmax_f32':
      return softmaxF32(step, env.f32(step.input), env.f32(step.output));
  }
}
