/**
 * Phase 7: a planned lowered program + a target -> C sources. The output is a pure function of its arguments
 * (no time, no paths, stable names and order), so the same model always gives byte-identical files.
 * Files: <name>.h (API), <name>.c (weights, geometry, arena, <name>_run), bnn_kernels.h / bnn_kernels.c (only the
 * kernels this program calls, with the target's popcount variant), bnngen.mk / CMakeLists.txt (build fragments).
 */
import { BnnError } from '../../errors.js';
import type { ConstDecl, Program } from '../../lowered/program.js';
import { stepConsts, validateProgram } from '../../lowered/validate.js';
import type { Target } from '../../targets/target.js';
import { commentText, floatLiteral, int32Literal, needsMathH, uint32Literal, wrapValues } from './c-text.js';
import { emitBuildFiles } from './build-files.js';
import { C_KERNELS, emitKernels, KERNEL_HEADER_TYPES, specialisedBConvShapes } from './kernel-files.js';
import { stepC, type Names, type StepC } from './steps.js';
import { render } from './templates.js';

export interface EmitOptions {
  /**
   * Profiling build for `bnngen bench`: step k's call is wrapped in bnn_profile_begin(k + 1) / bnn_profile_end(k + 1)
   * (templates/harness/bnn_profile.h, which the build must provide). Default false: the files `compile` writes.
   */
  readonly profile?: boolean;
}

/** Profile region id of step `index` in a profiling build; id 0 is the whole run (BNN_PROFILE_ID_RUN). */
export function stepProfileId(index: number): number {
  return index + 1;
}

export function emitC(p: Program, target: Target, options: EmitOptions = {}): Map<string, string> {
  validateProgram(p);
  const arenaWords = arenaSize(p);
  const names = cNames(p);
  const steps = p.steps.map((_, i) => stepC(p, i, names));
  const consts = usedConsts(p);
  checkIdentifiers(p, consts, steps);

  const common = {
    name: p.name,
    upper: p.name.toUpperCase(),
    source: commentText(p.source, 60),
    target: commentText(target.name, 40),
  };
  const header = render('model.h.hbs', {
    ...common,
    inputSize: p.input.shape.reduce((n, d) => n * d, 1),
    inputRank: p.input.shape.length,
    inputShape: p.input.shape.join(', '),
    outputSize: p.output.shape.reduce((n, d) => n * d, 1),
    outputRank: p.output.shape.length,
    outputShape: p.output.shape.join(', '),
    arenaBytes: arenaWords * 4,
  });
  const source = render('model.c.hbs', {
    ...common,
    stepCount: p.steps.length,
    weightBytes: consts.reduce((n, { decl }) => n + decl.data.length * 4, 0),
    arenaBytes: arenaWords * 4,
    arenaWords,
    needsMath: steps.some((s) => s.needsMath) || consts.some(({ decl }) => decl.data instanceof Float32Array && decl.data.some(needsMathH)),
    consts: consts.map(({ decl, firstStep }) => constView(p, decl, firstStep)),
    geometry: steps.flatMap((s) => s.declarations),
    buffers: bufferPointers(p),
    calls: steps.map((s, i) => ({ comment: s.comment, code: options.profile ? profiled(s.code, stepProfileId(i)) : s.code })),
    profile: options.profile === true,
  });
  const kernels = emitKernels(
    steps.map((s) => s.kernel),
    target,
    `${p.name}.c`,
    specialisedBConvShapes(p.steps),
  );
  const files = new Map([
    [`${p.name}.h`, header],
    [`${p.name}.c`, source],
    ['bnn_kernels.h', kernels.header],
    ['bnn_kernels.c', kernels.source],
  ]);
  for (const [file, text] of emitBuildFiles(p.name, p.source, target, [...files.keys()])) files.set(file, text);
  return files;
}

/** A step's statement(s) between the begin and end markers of its profile region. */
function profiled(code: string, id: number): string {
  return [`    bnn_profile_begin(${id}u);`, code, `    bnn_profile_end(${id}u);`].join('\n');
}

/** Words the arena needs; every internal buffer a step touches must have been placed by the memory plan. */
function arenaSize(p: Program): number {
  let words = 0;
  for (const b of p.buffers) {
    if (b.external || !p.steps.some((s) => s.output === b.id)) continue;
    if (b.offset === undefined) throw new Error(`emitC: buffer ${b.name} has no arena offset (run planMemory first)`);
    words = Math.max(words, b.offset + b.words);
  }
  return words;
}

function cNames(p: Program): Names {
  const buffers = new Map(p.buffers.map((b) => [b.id, b.external ?? `buf_${b.name}`]));
  const consts = new Map(p.consts.map((c) => [c.id, `${p.name}_${c.name}`]));
  return { buffer: (id) => buffers.get(id)!, constant: (id) => consts.get(id)! };
}

/** Constants some step uses (unused ones would be -Wunused-const-variable errors), in declaration order. */
function usedConsts(p: Program): { decl: ConstDecl; firstStep: number }[] {
  const firstUse = new Map<number, number>();
  p.steps.forEach((s, i) => {
    for (const id of stepConsts(s)) if (!firstUse.has(id)) firstUse.set(id, i);
  });
  return p.consts.filter((c) => firstUse.has(c.id)).map((decl) => ({ decl, firstStep: firstUse.get(decl.id)! }));
}

interface ConstFormat {
  readonly ctype: string;
  readonly what: string;
  readonly literal: (v: number) => string;
  /** Values per line, so lines stay near 100 columns. */
  readonly perLine: number;
}

function constFormat(data: ConstDecl['data']): ConstFormat {
  if (data instanceof Float32Array) return { ctype: 'float', what: 'float32 values', literal: floatLiteral, perLine: 6 };
  if (data instanceof Uint32Array) return { ctype: 'uint32_t', what: 'words of packed sign bits', literal: uint32Literal, perLine: 8 };
  return { ctype: 'int32_t', what: 'int32 thresholds', literal: int32Literal, perLine: 10 };
}

function constView(p: Program, c: ConstDecl, firstStep: number) {
  const f = constFormat(c.data);
  return {
    comment: commentText(`${c.name}: ${c.data.length} ${f.what}, used by step ${firstStep}`),
    ctype: f.ctype,
    ident: `${p.name}_${c.name}`,
    length: c.data.length,
    body: wrapValues(Array.from(c.data, f.literal), f.perLine),
  };
}

/** `float *const buf_x = <name>_arena.f + offset;` for every internal buffer a step writes. */
function bufferPointers(p: Program): string[] {
  return p.buffers
    .filter((b) => !b.external && p.steps.some((s) => s.output === b.id))
    .map((b) => {
      const [c, h, w] = b.shape;
      return b.kind === 'f32'
        ? `float *const buf_${b.name} = ${p.name}_arena.f + ${b.offset}; /* [${c}, ${h}, ${w}] floats */`
        : `uint32_t *const buf_${b.name} = ${p.name}_arena.u + ${b.offset}; /* [${c}, ${h}, ${w}] packed signs */`;
    });
}

/**
 * File-scope names must not collide with each other (a constant named 's3_geom' would clash with step 3's
 * geometry) or with what bnn_kernels.h declares (a model named 'bnn' with a constant named 'shape').
 */
function checkIdentifiers(p: Program, consts: readonly { decl: ConstDecl }[], steps: readonly StepC[]): void {
  const seen = new Set<string>([`${p.name}_arena`, `${p.name}_run`, ...C_KERNELS, ...KERNEL_HEADER_TYPES]);
  for (const id of [...consts.map(({ decl }) => `${p.name}_${decl.name}`), ...steps.flatMap((s) => s.identifiers)]) {
    if (seen.has(id)) throw new BnnError(`two C objects would be named ${id}; choose another model name`);
    seen.add(id);
  }
}
