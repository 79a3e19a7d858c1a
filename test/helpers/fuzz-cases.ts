/**
 * Fuzz cases: case `index` of run seed `runSeed` is a seed model with one to three mutations, a pure function of
 * (runSeed, index), so any case can be rebuilt alone. Running a case compiles it in process and emits C for the
 * host target; the only acceptable endings are a compiled program or a BnnError.
 */
import { BnnError } from '../../src/errors.js';
import { emitC } from '../../src/phases/7-emit/emit.js';
import { compileBytes } from '../../src/pipeline.js';
import type { Target } from '../../src/targets/target.js';
import type { SeedModel } from './fuzz-seeds.js';
import { mutateBytes } from './mutate-bytes.js';
import { mutateModel } from './mutate-model.js';
import { makeRng } from './random.js';

export interface FuzzCase {
  readonly index: number;
  readonly seedModel: string;
  /** What was done to the seed, in order. */
  readonly mutations: readonly string[];
  readonly bytes: Uint8Array;
}

/** Share of cases mutated on the decoded model; the others get raw byte mutations (mostly unparsable). */
const STRUCTURED = 0.7;

export function makeCase(seed: SeedModel, runSeed: number, index: number): FuzzCase {
  const rng = makeRng((runSeed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0);
  let bytes = seed.bytes;
  const mutations: string[] = [];
  const structured = rng.next() < STRUCTURED;
  const count = seed.large ? 1 : rng.int(1, structured ? 3 : 2);
  for (let k = 0; k < count; k++) {
    // A structured mutation of bytes that no longer decode falls back to a byte mutation.
    const m = (structured ? mutateModel(rng, bytes) : undefined) ?? mutateBytes(rng, bytes);
    bytes = m.bytes;
    mutations.push(m.kind);
  }
  return { index, seedModel: seed.name, mutations, bytes };
}

export type Outcome =
  | { readonly kind: 'compiled' }
  | { readonly kind: 'refused'; readonly stage: 'compile' | 'emit'; readonly line: string; readonly reason: string }
  | { readonly kind: 'crash'; readonly error: string };

function refusedOrCrash(e: unknown, stage: 'compile' | 'emit'): Outcome {
  if (e instanceof BnnError) return { kind: 'refused', stage, line: e.line(), reason: e.reason };
  return { kind: 'crash', error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
}

/** Compiles `bytes` (named `file` in errors) and emits C for `target`. */
export function runCase(bytes: Uint8Array, file: string, target: Target): Outcome {
  let compiled;
  try {
    compiled = compileBytes(bytes, file);
  } catch (e) {
    return refusedOrCrash(e, 'compile');
  }
  try {
    emitC(compiled.program, target);
  } catch (e) {
    return refusedOrCrash(e, 'emit');
  }
  return { kind: 'compiled' };
}

/** Rough class of a refusal, for the summary (first match wins). */
const CLASSES: ReadonlyArray<[string, RegExp]> = [
  ['not valid ONNX (protobuf)', /not a valid ONNX model/],
  ['too large (tensor, rank, folding work, constant bytes)', /too large|\(limit \d+\)|would (take|need) more than/],
  ['unsupported operator', /unsupported operator/],
  ['tensor data (sizes, types)', /bytes of|values, has|data type|unsupported type|float16|external file|segment/],
  ['graph wiring', /produced twice|not produced|cycle|no outputs|exactly one model|has not been computed|Constant node/],
  ['dynamic or bad input shape', /dynamic shape|input '.*' (dim|has no shape|is not a tensor)/],
  ['node arity (inputs, outputs)', /output\(s\)|takes (at most|one)|needs input|is missing/],
  ['NaN constants', /NaN/],
  ['constant input needed', /compile-time constant|constant input/],
  ['attribute', /attribute|auto_pad|kernel_shape|strides|pads|dilations|group|perm|axis|axes|mode|step/],
  ['shape or type mismatch', /shape|dim|rank|broadcast|must be|must have|mix|needs|element count|index/],
  ['not supported by the back end', /not supported|no kernel|binary layer/],
];

export function reasonClass(reason: string): string {
  return CLASSES.find(([, re]) => re.test(reason))?.[0] ?? 'other';
}
