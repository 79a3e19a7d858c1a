/**
 * bnngen.mk and CMakeLists.txt: fragments that drop the generated sources into a firmware's own Make or CMake
 * build, with the flags the model needs (the target's core flags and the numerics flags of every bnngen build).
 * Pure functions of their arguments, like every emitted file.
 */
import type { Target } from '../../targets/target.js';
import { GENERATED_CODE_CFLAGS } from '../../toolchain/flags.js';
import { commentText } from './c-text.js';
import { render } from './templates.js';

/** The flags of bnngen's own builds that the model's correctness or measured cost depends on (not the warnings). */
export const MODEL_CFLAGS: readonly string[] = GENERATED_CODE_CFLAGS.filter((f) => !f.startsWith('-W'));

/** The CMake library target of a model named `name` (a C identifier, so a valid CMake name too). */
export function cmakeLibrary(name: string): string {
  return `bnngen_${name}`;
}

/**
 * The build fragments for the generated `files` (names in the output folder): every .c is a source, every .h
 * a header. `source` is the model file the comment names.
 */
export function emitBuildFiles(name: string, source: string, target: Target, files: readonly string[]): Map<string, string> {
  const sources = files.filter((f) => f.endsWith('.c')).sort();
  const headers = files.filter((f) => f.endsWith('.h')).sort();
  const common = { name, source: commentText(source, 60), target: commentText(target.name, 40), sources, headers };
  const makefile = render('build/bnngen.mk.hbs', {
    ...common,
    targetCflags: target.cflags.join(' '),
    modelCflags: MODEL_CFLAGS.join(' '),
  });
  const cmake = render('build/CMakeLists.txt.hbs', {
    ...common,
    library: cmakeLibrary(name),
    // C_STANDARD 99 replaces -std=c99.
    compileOptions: [...target.cflags, ...MODEL_CFLAGS.filter((f) => !f.startsWith('-std='))],
  });
  return new Map([
    ['bnngen.mk', makefile],
    ['CMakeLists.txt', cmake],
  ]);
}
