/**
 * bnn_kernels.h / bnn_kernels.c: assembled from templates/kernels/, one file per kernel, plus the helpers the
 * chosen kernels need. Each kernel file holds a doc comment and the definition; the header's declaration is that
 * comment and signature, so a kernel is described in exactly one place.
 */
import { BnnError } from '../../errors.js';
import { filterWords } from '../../lowered/kernels/bconv-layout.js';
import type { Step } from '../../lowered/program.js';
import type { Target } from '../../targets/target.js';
import { render, templateExists, templateText } from './templates.js';

/** Every C kernel, in the order bnn_kernels.c lists them. */
export const C_KERNELS = [
  'bnn_conv2d_f32',
  'bnn_conv2d_f32_3x3',
  'bnn_pack_sign_f32',
  'bnn_bconv2d_affine',
  'bnn_bconv2d_threshold',
  'bnn_affine_f32',
  'bnn_add_f32',
  'bnn_clip_f32',
  'bnn_add_clip_f32',
  'bnn_sign_f32',
  'bnn_maxpool_f32',
  'bnn_maxpool_bits',
  'bnn_avgpool_f32',
  'bnn_global_avgpool_f32',
  'bnn_remap_f32',
  'bnn_concat_f32',
  'bnn_bwconv2d_f32',
  'bnn_prelu_f32',
  'bnn_softmax_f32',
] as const;

export type CKernel = (typeof C_KERNELS)[number];

/** Type names bnn_kernels.h defines (templates/kernels/bnn_kernels.h.hbs). */
export const KERNEL_HEADER_TYPES = ['bnn_shape', 'bnn_window', 'bnn_window_geom', 'bnn_remap_geom'] as const;

/**
 * Static inline helpers, in dependency order; 'float_bits' reads and writes a float's representation, 'popcount' is
 * the target's variant file, 'affine' the bconv float
 * epilogue: the float expression on FPU targets, its exact integer emulation on the others. 'fmac' is the float
 * convolutions' multiply-accumulate: the float expression, or its exact integer emulation on the FPU-less targets
 * that ask for it (kernels.fmac); those and the exact 'affine' build on 'softfloat'.
 */
const HELPERS = ['float_bits', 'popcount', 'softfloat', 'affine', 'fmac', 'tap_range', 'bconv_window'] as const;
export type Helper = (typeof HELPERS)[number];

const NEEDS: Record<CKernel, { readonly helpers: readonly Helper[]; readonly mathH?: boolean }> = {
  bnn_conv2d_f32: { helpers: ['fmac', 'tap_range'] },
  bnn_conv2d_f32_3x3: { helpers: ['fmac', 'tap_range'] },
  bnn_pack_sign_f32: { helpers: ['float_bits'] },
  bnn_bconv2d_affine: { helpers: ['popcount', 'affine', 'tap_range', 'bconv_window'] },
  bnn_bconv2d_threshold: { helpers: ['popcount', 'tap_range', 'bconv_window'] },
  bnn_affine_f32: { helpers: [] },
  bnn_add_f32: { helpers: [] },
  bnn_clip_f32: { helpers: [] },
  bnn_add_clip_f32: { helpers: ['float_bits'] },
  bnn_sign_f32: { helpers: [] },
  bnn_maxpool_f32: { helpers: ['tap_range'], mathH: true },
  bnn_maxpool_bits: { helpers: [] },
  bnn_avgpool_f32: { helpers: ['tap_range'] },
  bnn_global_avgpool_f32: { helpers: [] },
  bnn_remap_f32: { helpers: [] },
  bnn_concat_f32: { helpers: [] },
  bnn_bwconv2d_f32: { helpers: ['tap_range'] },
  bnn_prelu_f32: { helpers: [] },
  bnn_softmax_f32: { helpers: ['float_bits'] },
};

export interface KernelFiles {
  readonly header: string;
  readonly source: string;
}

/** A binary convolution shape the bconv kernels specialise their loops for. */
export interface BConvShape {
  readonly c: number;
  readonly kh: number;
  readonly kw: number;
}

/**
 * Filters longer than this many words are not gathered into a window but go tap by tap, so specialising their
 * shapes would only add code.
 */
const WINDOW_WORDS = 64;

/**
 * BNN_WINDOW_WORDS, the window buffers' capacity: the longest specialised filter, so the stack holds no more
 * than the program needs (longer filters go tap by tap). At least 8 words: the generic popcount loops read up to
 * four words at a time, and gcc's -Warray-bounds flags such reads of a shorter buffer even where no shape reaches them.
 */
function windowWords(shapes: readonly BConvShape[]): number {
  return Math.max(8, ...shapes.map((s) => filterWords(s.c, s.kh, s.kw)));
}

/** The distinct shapes of `steps`' binary convolutions that the bconv kernels specialise, in first-seen order. */
export function specialisedBConvShapes(steps: readonly Step[]): BConvShape[] {
  const seen = new Map<string, BConvShape>();
  for (const s of steps) {
    if (s.kernel !== 'bconv2d') continue;
    const shape = { c: s.inShape[0], kh: s.window.kH, kw: s.window.kW };
    if (filterWords(shape.c, shape.kh, shape.kw) > WINDOW_WORDS) continue;
    seen.set(`${shape.c},${shape.kh},${shape.kw}`, shape);
  }
  return [...seen.values()];
}

/**
 * The kernel header and source holding `used` (any order; duplicates ignored). `client` names who calls them,
 * for the files' opening comment (e.g. 'model.c'); `bconvShapes` (from specialisedBConvShapes) are the binary
 * convolution shapes for which the bconv kernels compile specialised loops.
 */
export function emitKernels(
  used: Iterable<CKernel>,
  target: Target,
  client: string,
  bconvShapes: readonly BConvShape[] = [],
): KernelFiles {
  const wanted = new Set(used);
  const kernels = C_KERNELS.filter((k) => wanted.has(k));
  const helpers = neededHelpers(kernels, target);
  const vectorX4 = fourChannelsAVector(target);
  const sources = kernels.map((k) => onlyForX4(templateText(`kernels/${k}.c`), vectorX4).trimEnd());
  const context = { client, target: target.name, popcount: target.kernels.popcount };
  const header = render('kernels/bnn_kernels.h.hbs', {
    ...context,
    declarations: kernels.map((k, i) => declaration(k, sources[i]!)),
  });
  const source = render('kernels/bnn_kernels.c.hbs', {
    ...context,
    needsMath: kernels.some((k) => NEEDS[k].mathH === true),
    bconv: kernels.some((k) => NEEDS[k].helpers.includes('bconv_window')),
    bconvShapes,
    windowWords: windowWords(bconvShapes),
    pairs: target.kernels.pairs === true,
    helpers: helpers.map((h) => onlyForX4(templateText(helperFile(h, target)), vectorX4).trimEnd()),
    kernels: sources,
  });
  return { header, source };
}

/** Whether the target's bconv kernels compute four output channels a vector (Helium, popcount_mve.h). */
export function fourChannelsAVector(target: Target): boolean {
  return target.kernels.popcount === 'mve';
}

/** The helpers `kernels` need on `target`, in HELPERS order. */
export function neededHelpers(kernels: readonly CKernel[], target: Target): Helper[] {
  const needed = new Set(kernels.flatMap((k) => NEEDS[k].helpers));
  if (!target.fpu && (needed.has('affine') || exactMac(target, [...needed]))) needed.add('softfloat').add('float_bits');
  return HELPERS.filter((h) => needed.has(h));
}

/** Whether the float convolutions among `needed` take the exact integer multiply-accumulate (fmac_exact.h). */
export function exactMac(target: Target, needed: readonly Helper[]): boolean {
  return target.kernels.fmac === 'exact' && needed.includes('fmac');
}

function helperFile(helper: Helper, target: Target): string {
  if (helper === 'affine') return `kernels/affine_${target.fpu ? 'float' : 'exact'}.h`;
  if (helper === 'fmac') return `kernels/fmac_${target.kernels.fmac === 'exact' ? 'exact' : 'float'}.h`;
  if (helper === 'softfloat') return 'kernels/softfloat_exact.h';
  if (helper !== 'popcount') return `kernels/${helper}.h`;
  const file = `kernels/popcount_${target.kernels.popcount}.h`;
  if (!templateExists(file)) {
    throw new BnnError(`target ${target.name}: unknown popcount variant '${target.kernels.popcount}' (no templates/${file})`);
  }
  return file;
}

/** The kernel's doc comment and signature, ending in ';'. */
function declaration(kernel: CKernel, source: string): string {
  const match = new RegExp(`^(/\\*\\*(?:(?!\\*/)[\\s\\S])*\\*/\\nvoid ${kernel}\\([^)]*\\))\\n\\{`, 'm').exec(source);
  if (!match) throw new Error(`templates/kernels/${kernel}.c: no doc comment + definition of ${kernel} found`);
  return `${match[1]};`;
}

/**
 * The kernel and helper templates' `#if defined(BNN_BCONV_X4)` blocks (four output channels a vector, defined only by
 * popcount_mve.h) as they stand where `keep`, else replaced by their `#else` part (or nothing), and the blank line
 * after them dropped, so every other target's kernels read exactly as without them. Conditionals nested inside a
 * block are matched, so its `#else` part may hold its own.
 */
function onlyForX4(text: string, keep: boolean): string {
  if (keep) return text;
  const lines = text.split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== '#if defined(BNN_BCONV_X4)') {
      out.push(lines[i]!);
      continue;
    }
    let depth = 0;
    let otherFrom = -1;
    let end = i + 1;
    for (; end < lines.length; end++) {
      const line = lines[end]!;
      if (/^#\s*if/.test(line)) depth++;
      else if (/^#\s*endif/.test(line) && depth-- === 0) break;
      else if (depth === 0 && /^#\s*else/.test(line)) otherFrom = end + 1;
    }
    if (otherFrom >= 0) out.push(...lines.slice(otherFrom, end));
    i = lines[end + 1] === '' ? end + 1 : end;
  }
  return out.join('\n');
}
