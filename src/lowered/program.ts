/**
 * The lowered program: a flat, ordered list of kernel calls over planned buffers, each with its exact arithmetic
 * fixed. It is the one thing that is both executed by the reference executor (lowered/execute.ts) and printed as
 * C (phases/7-emit). Batch is 1; every activation is [C, H, W] (vectors are [C, 1, 1]).
 *
 * Storage conventions (docs/numerics.md):
 * - 'f32' buffers hold float32 in CHW order.
 * - 'bits' buffers hold signs packed HWC: pixel (y, x) owns `ceil(C/32)` consecutive uint32 words, channel c is bit
 *   (c % 32) of word (c / 32); bit 1 means -1, bit 0 means +1 (sign(0) = +1). Tail bits past C are 0.
 * - All float constants are exact float32 values (Float32Array); C prints them as bit patterns.
 */

export type Shape3 = readonly [c: number, h: number, w: number];

export interface BufferDecl {
  readonly id: number;
  /** Stable C-friendly name (e.g. 'conv1_out'). */
  readonly name: string;
  readonly kind: 'f32' | 'bits';
  readonly shape: Shape3;
  /** Size in 32-bit words: C*H*W for f32, H*W*ceil(C/32) for bits. */
  readonly words: number;
  /**
   * The model input and output are the caller's arrays (`<name>_run(input, output)`), not arena memory.
   * Kernels may read the input buffer but never write it.
   */
  readonly external?: 'input' | 'output';
  /** Word offset in the arena for internal buffers; set by the memory plan (phases/6-plan). */
  offset?: number;
}

export interface ConstDecl {
  readonly id: number;
  /** Stable C identifier suffix (e.g. 'conv1_w'). */
  readonly name: string;
  readonly data: Float32Array | Uint32Array | Int32Array;
}

/** Window geometry shared by convolutions and pools. Bottom/right padding follows from the output size. */
export interface Window {
  readonly kH: number;
  readonly kW: number;
  readonly strideH: number;
  readonly strideW: number;
  readonly padTop: number;
  readonly padLeft: number;
  readonly dilH: number;
  readonly dilW: number;
}

interface StepBase {
  /** The ONNX node(s) this step came from, for reports and comments. */
  readonly origin: string;
}

/** Float convolution, group 1. weights f32 [oc][ic][kh][kw]; bias f32 [oc]. acc = bias; acc += w*x over ic, kh, kw (padded taps skipped). */
export interface Conv2dF32 extends StepBase {
  readonly kernel: 'conv2d_f32';
  readonly input: number;
  readonly output: number;
  readonly inShape: Shape3;
  readonly outShape: Shape3;
  readonly window: Window;
  readonly weights: number;
  readonly bias: number;
}

/** Float -> packed signs: bit = (x < 0). Input f32 [C,H,W], output bits of the same shape. Counts exact zeros (ties). */
export interface PackSign extends StepBase {
  readonly kernel: 'pack_sign';
  readonly input: number;
  readonly output: number;
  readonly shape: Shape3;
  /** False when the model's binarizer maps 0 to +1 (QONNX BipolarQuant): zeros are exact, not ties. The C ignores it. */
  readonly zeroIsTie?: false;
}

/**
 * Binary convolution on packed signs. weights u32 [oc][ceil(kh*kw*ic/32)]: each filter one bit string, bit
 * (ky*kw + kx)*ic + c (kernels/bconv-layout.ts; same bit encoding, bits past kh*kw*ic 0).
 * dot = sum over in-bounds taps of (ic - 2*popcount(a XOR w)); padded taps contribute 0.
 * 'affine': out f32 [oc,oh,ow] = (float)(dot * mult[oc] + offset[oc]) * pow2[oc]: the fixed-point epilogue of
 * phases/5-lower/fixed-affine.ts, `fixed` i32 (mult, offset) pairs, `pow2` f32 powers of two; the int32 sum is
 * exact, the conversion rounds once, the power of two is exact.
 * 'threshold': out bits: +1 (bit 0) iff dot >= thresholds[oc]; channels with gamma < 0 have their weight bits
 * flipped at compile time, so the comparison is always ">=".
 */
export interface BConv2d extends StepBase {
  readonly kernel: 'bconv2d';
  readonly input: number;
  readonly output: number;
  readonly inShape: Shape3;
  readonly outShape: Shape3;
  readonly window: Window;
  readonly weights: number;
  readonly epilogue:
    | { readonly kind: 'affine'; readonly fixed: number; readonly pow2: number }
    | {
        readonly kind: 'threshold';
        readonly thresholds: number;
        /**
         * Per output channel, the inclusive range [lo, hi] of compared dots at which the float model's expression
         * is exactly 0 (a sign(0) tie; empty when lo > hi). Verification only: the executor counts these, the C
         * ignores them.
         */
        readonly ties?: ReadonlyArray<readonly [number, number]>;
      };
}

/** Per-channel float affine: y = x*scale[c] + shift[c] (multiply rounded, then add rounded). */
export interface AffineF32 extends StepBase {
  readonly kernel: 'affine_f32';
  readonly input: number;
  readonly output: number;
  readonly shape: Shape3;
  readonly scale: number;
  readonly shift: number;
}

/** Elementwise a + b over `size` floats (same shapes, no broadcasting). */
export interface AddF32 extends StepBase {
  readonly kernel: 'add_f32';
  readonly a: number;
  readonly b: number;
  readonly output: number;
  readonly size: number;
}

/** y = min(max(x, min), max); min/max are float32 values (may be +-Infinity, e.g. Relu). NaN passes through. */
export interface ClipF32 extends StepBase {
  readonly kernel: 'clip_f32';
  readonly input: number;
  readonly output: number;
  readonly size: number;
  readonly min: number;
  readonly max: number;
}

/**
 * A residual epilogue in one pass: y = clip(input + addend) over `size` floats, the sum rounded to float32, then
 * clipped as ClipF32 does. The memory plan may put the output over an operand whose last reader is this step (the
 * kernel reads element i of both operands before it writes element i).
 */
export interface AddClipF32 extends StepBase {
  readonly kernel: 'add_clip_f32';
  readonly input: number;
  readonly addend: number;
  readonly output: number;
  readonly size: number;
  readonly min: number;
  readonly max: number;
}

/**
 * Float sign with ONNX semantics over `size` floats: y = +1 for x > 0, -1 for x < 0, else x itself (+0, -0 and
 * NaN pass through). Only the float path (binarization disabled) uses it; binary layers pack signs instead.
 */
export interface SignF32 extends StepBase {
  readonly kernel: 'sign_f32';
  readonly input: number;
  readonly output: number;
  readonly size: number;
}

/** Max pool (padded taps ignored) or average pool (sum in kh, kw order, then divide by the tap count). */
export interface PoolF32 extends StepBase {
  readonly kernel: 'maxpool_f32' | 'avgpool_f32';
  readonly input: number;
  readonly output: number;
  readonly inShape: Shape3;
  readonly outShape: Shape3;
  readonly window: Window;
  /** avgpool only: divide by kH*kW (true) or by the number of in-bounds taps (false). */
  readonly countIncludePad: boolean;
}

/** Global average pool: per channel, sum over H*W in order, then divide by H*W. Output [C,1,1]. */
export interface GlobalAvgPoolF32 extends StepBase {
  readonly kernel: 'global_avgpool_f32';
  readonly input: number;
  readonly output: number;
  readonly inShape: Shape3;
}

/**
 * Generic strided copy with constant fill: out[c][y][x] = in[c*sc + oc_][y*sy + oy][x*sx + ox] when the source
 * index is inside the input, else `fill`. Covers Slice (steps), Pad (negative offsets) and option-A shortcuts.
 */
export interface RemapF32 extends StepBase {
  readonly kernel: 'remap_f32';
  readonly input: number;
  readonly output: number;
  readonly inShape: Shape3;
  readonly outShape: Shape3;
  /** Source start per axis (c, h, w); may be negative (padding). */
  readonly start: Shape3;
  /** Source step per axis (c, h, w); positive. */
  readonly step: Shape3;
  readonly fill: number;
}

/** Channel concatenation of f32 inputs with equal H, W: copies each input in order. */
export interface ConcatF32 extends StepBase {
  readonly kernel: 'concat_f32';
  readonly inputs: readonly number[];
  readonly output: number;
  readonly inShapes: readonly Shape3[];
}

export type Step =
  | Conv2dF32
  | PackSign
  | BConv2d
  | AffineF32
  | AddF32
  | ClipF32
  | AddClipF32
  | SignF32
  | PoolF32
  | GlobalAvgPoolF32
  | RemapF32
  | ConcatF32
  | BwConv2dF32
  | PReluF32
  | SoftmaxF32
  | MaxPoolBits;

/**
 * Max pool of packed signs (HWC, bit 1 = -1) written by a threshold layer whose float model pools before its
 * BatchNorm (VGG-small: conv -> MaxPool -> BN -> hardtanh -> Sign). Per channel the sign after the pool is a
 * monotone function F of the pooled value, so F(max) = max F(taps) when F is non-decreasing (+1 iff any tap is
 * +1: the AND of the taps' bits) and min F(taps) when it is non-increasing (negative BN scale; -1 iff any tap is
 * -1: the OR). orMask u32 [ceil(C/32)]: bit c set = channel c takes the OR. Windows lie inside the input (no
 * padding), so every window has all kh*kw taps; tail bits stay 0.
 */
export interface MaxPoolBits extends StepBase {
  readonly kernel: 'maxpool_bits';
  readonly input: number;
  readonly output: number;
  readonly inShape: Shape3;
  readonly outShape: Shape3;
  readonly window: Window;
  readonly orMask: number;
}

/**
 * Convolution of a real (f32) input with 1-bit weights ("1w32a"), group 1. weights u32 [oc][ceil(ic*kh*kw/32)]:
 * one bit string per output channel in ONNX order, bit (ic*kh + ky)*kw + kx, bit 1 = weight -1, tail bits 0.
 * acc = +0; over ic, kh, kw (padded taps skipped) acc = acc - x for a set bit, acc + x otherwise (rounded each
 * time); out f32 [oc,oh,ow] = acc*scale[oc] + shift[oc] (multiply rounded, then add rounded).
 */
export interface BwConv2dF32 extends StepBase {
  readonly kernel: 'bwconv2d_f32';
  readonly input: number;
  readonly output: number;
  readonly inShape: Shape3;
  readonly outShape: Shape3;
  readonly window: Window;
  readonly weights: number;
  readonly scale: number;
  readonly shift: number;
}

/** PRelu / LeakyRelu: y = x*slope[c] where x < 0, else x (product rounded). slope f32 [C]. */
export interface PReluF32 extends StepBase {
  readonly kernel: 'prelu_f32';
  readonly input: number;
  readonly output: number;
  readonly shape: Shape3;
  readonly slope: number;
}

/**
 * Softmax (log = false) or LogSoftmax (log = true) over `size` floats, with bnngen's own float32 exp and log
 * (templates/kernels/bnn_softmax_f32.c; no libm): m = max, e_i = exp(x_i - m), sum in order; e_i / sum, or
 * (x_i - m) - log(sum).
 */
export interface SoftmaxF32 extends StepBase {
  readonly kernel: 'softmax_f32';
  readonly input: number;
  readonly output: number;
  readonly size: number;
  readonly log: boolean;
}

export type KernelName = Step['kernel'];

export interface Program {
  /** C identifier prefix for the generated API (e.g. 'model' -> model_run). */
  readonly name: string;
  /** The model file's base name, for headers and messages. */
  readonly source: string;
  readonly input: { readonly buffer: number; readonly shape: readonly number[] };
  readonly output: { readonly buffer: number; readonly shape: readonly number[] };
  readonly buffers: readonly BufferDecl[];
  readonly consts: readonly ConstDecl[];
  readonly steps: readonly Step[];
}
