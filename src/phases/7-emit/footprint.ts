/**
 * What the emitted C of a program will occupy on a microcontroller, known before any compiler runs: constants
 * and arena exactly, code and stack as allowances measured on every cross target (see the tables below; the
 * host's x86-64 code is larger, but its budget is only a placeholder). compile/verify/run check it against the
 * target's real-part budget (targets/budget.ts); test/qemu/targets.test.ts checks it against the linker.
 */
import type { Program, Step } from '../../lowered/program.js';
import { stepConsts } from '../../lowered/validate.js';
import type { Target } from '../../targets/target.js';
import { filterWords } from '../../lowered/kernels/bconv-layout.js';
import { exactMac, fourChannelsAVector, neededHelpers, specialisedBConvShapes, type CKernel } from './kernel-files.js';
import { stepC } from './steps.js';

export interface FootprintEstimate {
  /** Weights, thresholds, float constants and the geometry structs: exact. */
  readonly constBytes: number;
  /** Kernels, <name>_run and, on FPU-less targets, the soft-float routines: an allowance, not a measurement. */
  readonly codeBytes: number;
  /** The static activation arena: exact. */
  readonly arenaBytes: number;
  /** <name>_run's frame plus the deepest kernel's: an allowance. */
  readonly stackBytes: number;
  /** constBytes + codeBytes. */
  readonly flashBytes: number;
  /** arenaBytes + stackBytes. */
  readonly ramBytes: number;
}

/**
 * Code bytes per kernel: the largest `nm --size-sort` size over the eight cross targets with gcc 12 -O2, rounded up
 * with about 10 % to spare. For the bconv kernels this is their generic loops with the helpers and popcount
 * variant they inline (3,776 bytes for bnn_bconv2d_threshold on cortex-m55); each specialised shape adds
 * BCONV_SHAPE_BYTES.
 */
const CODE_BYTES: Record<CKernel, number> = {
  bnn_conv2d_f32: 896,
  bnn_conv2d_f32_3x3: 3584,
  bnn_pack_sign_f32: 448,
  bnn_bconv2d_affine: 4096,
  bnn_bconv2d_threshold: 4096,
  bnn_affine_f32: 192,
  bnn_add_f32: 128,
  bnn_clip_f32: 128,
  bnn_add_clip_f32: 288,
  bnn_sign_f32: 160,
  bnn_maxpool_f32: 704,
  bnn_maxpool_bits: 448,
  bnn_avgpool_f32: 704,
  bnn_global_avgpool_f32: 192,
  bnn_remap_f32: 512,
  bnn_concat_f32: 128,
  bnn_bwconv2d_f32: 1024,
  bnn_prelu_f32: 192,
  bnn_softmax_f32: 1280,
};

/**
 * Code of one shape the bconv kernels specialise (kernel-files.ts), per kernel that uses it: fixed loops plus
 * the unrolled popcount of its full and border paths, which grows with the filter's words. Measured 1,450-1,650
 * bytes for 3x3x16 (5 words) and 1,750-3,100 for 3x3x64 (18 words) over the eight cross targets.
 */
const BCONV_KERNELS = ['bnn_bconv2d_affine', 'bnn_bconv2d_threshold'] as const;

function bconvShapeBytes(p: Program, kernels: ReadonlySet<CKernel>): number {
  const bconvKernels = BCONV_KERNELS.filter((k) => kernels.has(k)).length;
  const perKernel = specialisedBConvShapes(p.steps).reduce((n, s) => n + 1024 + 128 * filterWords(s.c, s.kh, s.kw), 0);
  return bconvKernels * perKernel;
}

/**
 * Extra code of each specialised shape in bnn_bconv2d_affine on the Thumb-2 cores whose popcount_swar.h runs a
 * pixel's channel loop as assembly (DSP and FPU: Cortex-M4/M7/M33): the four-channel loops of short filters
 * (full windows up to 12 words, padded ones up to 8) and, for filters of 9 * n words up to 27, the eight edge
 * loops that skip a 3x3 window's padded taps. Measured 9,512 bytes for ResNet-20's 3x3x16, 3x3x32 and 3x3x64 on
 * cortex-m4 (the formula gives 9,856).
 */
function swarAffineLoopBytes(p: Program, kernels: ReadonlySet<CKernel>, target: Target): number {
  const asm = target.kernels.popcount === 'swar' && target.fpu && target.cflags.includes('-mthumb');
  if (!asm || !kernels.has('bnn_bconv2d_affine')) return 0;
  return specialisedBConvShapes(p.steps).reduce((n, s) => {
    const fw = filterWords(s.c, s.kh, s.kw);
    const quads = (fw <= 12 ? 256 + 112 * fw : 0) + (fw <= 8 ? 256 + 144 * fw : 0);
    const edges = fw % 9 === 0 && fw <= 27 ? 512 + 8 * (64 + 22 * fw) : 0;
    return n + quads + edges;
  }, 0);
}

/** <name>_run: a fixed part plus each call with its arguments (measured: 21 bytes a step on Cortex-M0, 40 on rv32imc). */
const RUN_BYTES = 128;
const RUN_BYTES_PER_STEP = 48;

/**
 * libgcc's IEEE single-precision routines an FPU-less core links for the float layers (add, multiply, divide,
 * compare, int-to-float): measured about 2.6 KiB on Cortex-M0 and 3.5 KiB on rv32imc.
 */
const SOFT_FLOAT_BYTES = 4096;

/**
 * Stack bytes per kernel: gcc -fstack-usage over the eight cross targets, rounded up. The binary convolutions
 * hold a window and a mask buffer of at most 256 bytes each (BNN_WINDOW_WORDS, the longest filter); the deepest
 * bconv chain measured was 1,192 bytes (bnn_bconv2d_affine 1,040 + an out-of-line popcount 112 on cortex-m55,
 * the example model).
 */
const STACK_BYTES: Record<CKernel, number> = {
  bnn_conv2d_f32: 256,
  bnn_conv2d_f32_3x3: 512,
  bnn_pack_sign_f32: 128,
  bnn_bconv2d_affine: 1280,
  bnn_bconv2d_threshold: 1280,
  bnn_affine_f32: 128,
  bnn_add_f32: 64,
  bnn_clip_f32: 64,
  bnn_add_clip_f32: 128,
  bnn_sign_f32: 64,
  bnn_maxpool_f32: 256,
  bnn_maxpool_bits: 128,
  bnn_avgpool_f32: 256,
  bnn_global_avgpool_f32: 64,
  bnn_remap_f32: 128,
  bnn_concat_f32: 64,
  bnn_bwconv2d_f32: 256,
  bnn_prelu_f32: 64,
  bnn_softmax_f32: 128,
};

/**
 * Extra per bconv kernel on Helium (popcount 'mve'), whose kernels compute four output channels a vector
 * (popcount_mve.h): their group loops and the 256-byte popcount table in code, and the window and mask
 * broadcast to vectors on the stack (4 x BNN_WINDOW_WORDS words each: at most 2 x 1 KiB for 64-word filters;
 * 1,264 bytes of stack in all were measured for the ResNet-20 benchmark, whose longest filter has 18 words).
 */
const MVE_X4 = { code: 2048, stack: 2048 };

/**
 * The exact float multiply-accumulate the float convolutions call on targets with kernels.fmac 'exact' (bnn_fmac
 * and its float fallback, fmac_exact.h): measured 810 bytes on cortex-m0, 756 on rv32imc, 538 on rv32imc_zbb.
 */
const FMAC_EXACT_BYTES = 896;

/** <name>_run's own frame (measured 32-40 bytes) and a soft-float routine called from a kernel. */
const RUN_STACK_BYTES = 128;

/**
 * bnn_bconv2d_affine's pairs of windows (the target's kernels.pairs): each shape's channel loops again for two
 * windows, full and masked, in a function of their own. Measured on the example's 3x3 16/32/64-channel shapes:
 * 6.7 KB more with cpop (rv32imc_zbb), 11.6 KB with the Thumb-2 SWAR blocks (cortex-m3), 15.2 KB with the C
 * SWAR count (rv32imc).
 */
function affinePairBytes(p: Program, kernels: ReadonlySet<CKernel>, target: Target): number {
  if (!kernels.has('bnn_bconv2d_affine') || target.kernels.pairs !== true) return 0;
  const perWord = target.kernels.popcount === 'cpop' ? 128 : 256;
  return specialisedBConvShapes(p.steps).reduce((n, s) => n + 1024 + perWord * filterWords(s.c, s.kh, s.kw), 0);
}

export function estimateFootprint(p: Program, target: Target): FootprintEstimate {
  const names = { buffer: () => 'b', constant: () => 'c' };
  const kernels = new Set(p.steps.map((_, i) => stepC(p, i, names).kernel));
  const usedConsts = new Set(p.steps.flatMap((s) => stepConsts(s)));
  const constBytes =
    p.consts.filter((c) => usedConsts.has(c.id)).reduce((n, c) => n + c.data.length * 4, 0) +
    p.steps.reduce((n, s) => n + geometryBytes(s), 0);
  const x4 = fourChannelsAVector(target) ? MVE_X4 : { code: 0, stack: 0 };
  const bconvCount = BCONV_KERNELS.filter((k) => kernels.has(k)).length;
  const codeBytes =
    affinePairBytes(p, kernels, target) +
    [...kernels].reduce((n, k) => n + CODE_BYTES[k], 0) +
    RUN_BYTES + RUN_BYTES_PER_STEP * p.steps.length +
    bconvShapeBytes(p, kernels) + bconvCount * x4.code + swarAffineLoopBytes(p, kernels, target) +
    (target.fpu ? 0 : SOFT_FLOAT_BYTES) +
    (exactMac(target, neededHelpers([...kernels], target)) ? FMAC_EXACT_BYTES : 0);
  const arenaBytes = 4 * arenaWords(p);
  const stackBytes = RUN_STACK_BYTES +
    Math.max(0, ...[...kernels].map((k) => STACK_BYTES[k] + (k.startsWith('bnn_bconv2d_') ? x4.stack : 0)));
  return {
    constBytes, codeBytes, arenaBytes, stackBytes,
    flashBytes: constBytes + codeBytes,
    ramBytes: arenaBytes + stackBytes,
  };
}

/** Words of the arena emitC declares: it spans every internal buffer a step writes, at its planned offset. */
function arenaWords(p: Program): number {
  let words = 0;
  for (const b of p.buffers) {
    if (b.external || b.offset === undefined || !p.steps.some((s) => s.output === b.id)) continue;
    words = Math.max(words, b.offset + b.words);
  }
  return words;
}

/** Bytes of the `static const` geometry a step's call passes (all int32 fields; see steps.ts). */
function geometryBytes(s: Step): number {
  switch (s.kernel) {
    case 'conv2d_f32':
    case 'bconv2d':
    case 'maxpool_f32':
    case 'maxpool_bits':
    case 'avgpool_f32':
    case 'bwconv2d_f32':
      return 14 * 4; // bnn_window_geom: in, out, window
    case 'pack_sign':
    case 'affine_f32':
    case 'prelu_f32':
    case 'global_avgpool_f32':
      return 3 * 4; // bnn_shape
    case 'remap_f32':
      return 12 * 4; // bnn_remap_geom: in, out, start, step
    case 'concat_f32':
      return 4 * s.inputs.length; // the sizes array
    case 'add_f32':
    case 'clip_f32':
    case 'add_clip_f32':
    case 'sign_f32':
    case 'softmax_f32':
      return 0;
  }
}
