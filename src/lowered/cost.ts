/** Static cost of each kernel step: multiply-accumulates and constant bytes (for inspect, reports, bench). */
import type { Program, Shape3, Step } from './program.js';

export interface StepCost {
  /** Multiply-accumulates (binary MACs for bconv2d, counted over all taps incl. padded ones). */
  readonly macs: number;
  readonly binary: boolean;
  /** Parameters (weights, biases, scales, thresholds) and their bytes in flash. */
  readonly params: number;
  readonly bytes: number;
}

const volume = (s: Shape3) => s[0] * s[1] * s[2];

export function stepCost(program: Program, step: Step): StepCost {
  const constIds: number[] = [];
  let macs = 0;
  let params = 0;
  switch (step.kernel) {
    case 'conv2d_f32':
      macs = volume(step.outShape) * step.inShape[0] * step.window.kH * step.window.kW;
      constIds.push(step.weights, step.bias);
      params = step.outShape[0] * step.inShape[0] * step.window.kH * step.window.kW + step.outShape[0];
      break;
    case 'bconv2d':
      macs = volume(step.outShape) * step.inShape[0] * step.window.kH * step.window.kW;
      params = step.outShape[0] * step.inShape[0] * step.window.kH * step.window.kW;
      constIds.push(step.weights);
      if (step.epilogue.kind === 'affine') constIds.push(step.epilogue.fixed, step.epilogue.pow2);
      else constIds.push(step.epilogue.thresholds);
      params += step.outShape[0] * (step.epilogue.kind === 'affine' ? 3 : 1);
      break;
    case 'affine_f32':
      constIds.push(step.scale, step.shift);
      params = 2 * step.shape[0];
      macs = volume(step.shape);
      break;
    case 'bwconv2d_f32':
      // Real additions (one per weight tap), counted as real MACs: the input is not binary.
      macs = volume(step.outShape) * step.inShape[0] * step.window.kH * step.window.kW;
      params = step.outShape[0] * (step.inShape[0] * step.window.kH * step.window.kW + 2);
      constIds.push(step.weights, step.scale, step.shift);
      break;
    case 'prelu_f32':
      constIds.push(step.slope);
      params = step.shape[0];
      break;
    case 'maxpool_bits':
      constIds.push(step.orMask);
      break;
    default:
      break;
  }
  const bytes = constIds.reduce((n, id) => n + program.consts[id]!.data.byteLength, 0);
  return { macs, binary: step.kernel === 'bconv2d', params, bytes };
}

/** What a step computes: XNOR-popcount, float arithmetic with MACs, or data work (packing, clipping, pooling, copying). */
export type StepKind = 'binary' | 'real' | 'data';

export function stepKind(cost: StepCost): StepKind {
  return cost.binary ? 'binary' : cost.macs > 0 ? 'real' : 'data';
}

/** Kernel name with the binary conv's epilogue, as profiles and reports show it (`bconv2d_threshold`). */
export function stepLabel(step: Step): string {
  return step.kernel === 'bconv2d' ? `bconv2d_${step.epilogue.kind}` : step.kernel;
}
