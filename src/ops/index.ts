/**
 * The operator registry: one OpDef per ONNX operator, each in its own file.
 * Shared by several engineers: add your op with one import line and one array entry.
 */
import type { OpDef } from './op.js';
import { averagePool } from './averagepool.js';
import { cast } from './cast.js';
import { concat } from './concat.js';
import { constantOfShape } from './constantofshape.js';
import { flatten } from './flatten.js';
import { gather } from './gather.js';
import { globalAveragePool } from './globalaveragepool.js';
import { maxPool } from './maxpool.js';
import { pad } from './pad.js';
import { reduceMean } from './reducemean.js';
import { reduceProd } from './reduceprod.js';
import { reshape } from './reshape.js';
import { shape } from './shape.js';
import { slice } from './slice.js';
import { squeeze } from './squeeze.js';
import { transpose } from './transpose.js';
import { unsqueeze } from './unsqueeze.js';
import { abs } from './abs.js';
import { add } from './add.js';
import { batchNormalization } from './batchnormalization.js';
import { bipolarQuant } from './bipolarquant.js';
import { clip } from './clip.js';
import { leakyRelu } from './leakyrelu.js';
import { prelu } from './prelu.js';
import { logSoftmax, softmax } from './softmax.js';
import { conv } from './conv.js';
import { div } from './div.js';
import { gemm } from './gemm.js';
import { identity } from './identity.js';
import { log } from './log.js';
import { matMul } from './matmul.js';
import { mul } from './mul.js';
import { pow } from './pow.js';
import { relu } from './relu.js';
import { round } from './round.js';
import { sign } from './sign.js';
import { sqrt } from './sqrt.js';
import { sub } from './sub.js';

export const OPS: readonly OpDef[] = [
  averagePool,
  cast,
  concat,
  constantOfShape,
  flatten,
  gather,
  globalAveragePool,
  maxPool,
  pad,
  reduceMean,
  reduceProd,
  reshape,
  shape,
  slice,
  squeeze,
  transpose,
  unsqueeze,
  abs,
  add,
  batchNormalization,
  bipolarQuant,
  clip,
  leakyRelu,
  prelu,
  softmax,
  logSoftmax,
  conv,
  div,
  gemm,
  identity,
  log,
  matMul,
  mul,
  pow,
  relu,
  round,
  sign,
  sqrt,
  sub,
];

const BY_KEY = new Map<string, OpDef>();
for (const op of OPS) for (const d of op.domains ?? ['']) BY_KEY.set(`${d}::${op.type}`, op);

/** The op definition for a node, or undefined when bnngen does not support it. */
export function findOp(opType: string, domain: string): OpDef | undefined {
  const d = domain === 'ai.onnx' ? '' : domain;
  return BY_KEY.get(`${d}::${opType}`);
}

/** The domains an op type is supported from ('' = ai.onnx); empty when it is not supported at all. */
export function supportedDomains(opType: string): string[] {
  return OPS.filter((o) => o.type === opType).flatMap((o) => [...(o.domains ?? [''])]);
}

/** Supported op types, sorted (for error messages and docs). */
export function supportedOps(): string[] {
  return [...new Set(OPS.map((o) => o.type))].sort();
}
