/**
 * The fused model: the graph after binary layers have absorbed their BatchNorm (as a float affine or an integer
 * threshold) and full-precision convs/linears have absorbed theirs. Ops still name graph values; 5-lower turns
 * values into buffers and ops into kernel steps.
 */
import type { Graph, Node } from '../../graph/graph.js';
import type { Window } from '../../lowered/program.js';
import type { LayerVerdict } from '../3-binarize/binarize.js';

/** Sign of a real tensor into packed bits (bit 1 = negative; sign(0) = +1). */
export interface SignOp {
  readonly kind: 'sign';
  readonly origin: string;
  readonly input: string;
  readonly output: string;
  /** False when the binarizer maps 0 to +1 by definition (QONNX BipolarQuant): zeros are then not ties. */
  readonly zeroIsTie?: false;
}

/** Convolution geometry with activation shapes [C, H, W] (vectors as [C, 1, 1]). */
export interface ConvShape {
  readonly inShape: readonly [number, number, number];
  readonly outShape: readonly [number, number, number];
  readonly window: Window;
}

/** A binary conv or linear (linear = 1x1 conv over [K, 1, 1]); `input` is a packed-bits value. */
export interface BinaryConvOp extends ConvShape {
  readonly kind: 'bconv';
  readonly origin: string;
  readonly input: string;
  readonly output: string;
  /** ±1 per weight, [oc][ic][kh][kw] (already flipped for channels whose threshold compare was reversed). */
  readonly signs: Int8Array;
  readonly epilogue:
    | { readonly kind: 'affine'; readonly scale: Float32Array; readonly shift: Float32Array }
    | { readonly kind: 'threshold'; readonly thresholds: Int32Array; readonly tieDots: ReadonlyArray<readonly number[]> };
  /**
   * A max pool on the packed output (threshold epilogue only; pooled-threshold.ts): the conv writes `convOutput`
   * (outShape) and the pool writes `output`. Channels set in orMask take the OR of a window's bits, the rest the AND.
   */
  readonly pool?: { readonly convOutput: string; readonly window: Window; readonly orMask: Uint32Array };
}

/** A full-precision conv or linear (linear = 1x1 conv over [K, 1, 1]) with any following BatchNorm folded in. */
export interface RealConvOp extends ConvShape {
  readonly kind: 'conv';
  readonly origin: string;
  readonly input: string;
  readonly output: string;
  /** float32 [oc][ic][kh][kw]. */
  readonly weights: Float32Array;
  readonly bias: Float32Array;
}

/** Any other node, lowered one to one. */
export interface PlainOp {
  readonly kind: 'node';
  readonly node: Node;
}

/**
 * A layer with ±s weights on a real input (1w32a): adds/subtracts of the real inputs by weight sign, then the
 * float affine epilogue (s_c, bias and a following BatchNorm). Input and output are real values.
 */
export interface BinaryWeightConvOp extends ConvShape {
  readonly kind: 'bwconv';
  readonly origin: string;
  readonly input: string;
  readonly output: string;
  /** ±1 per weight, [oc][ic][kh][kw]. */
  readonly signs: Int8Array;
  readonly scale: Float32Array;
  readonly shift: Float32Array;
}

export type FusedOp = SignOp | BinaryConvOp | RealConvOp | PlainOp | BinaryWeightConvOp;

export interface FusedModel {
  readonly graph: Graph;
  readonly ops: readonly FusedOp[];
  readonly verdicts: readonly LayerVerdict[];
}
