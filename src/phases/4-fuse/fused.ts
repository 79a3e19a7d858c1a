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

export type FusedOp = SignOp | BinaryConvOp | RealConvOp | PlainOp;

export interface FusedModel {
  readonly graph: Graph;
  readonly ops: readonly FusedOp[];
  readonly verdicts: readonly LayerVerdict[];
}
