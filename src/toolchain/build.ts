import { mkdir, readdir } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { BnnError } from '../errors.js';
import type { Target } from '../targets/target.js';
import { notFound, runTool, type ToolResult } from './exec.js';
import { GENERATED_CODE_CFLAGS, runtimeCompileFlags, runtimeLinkFlags } from './flags.js';
import { measureFootprint, type Footprint } from './size.js';

export interface BuildOptions {
  readonly target: Target;
  /** Every .c file directly in this folder is compiled (the generated model); it is also on the include path. */
  readonly sourceDir: string;
  /** More C files, e.g. the rendered harness (which holds main). */
  readonly extraSources?: readonly string[];
  /** Objects and the ELF go here (created if needed). */
  readonly outDir: string;
  readonly extraCflags?: readonly string[];
  /** Appended to the link command (e.g. a larger stack reservation). */
  readonly extraLdflags?: readonly string[];
}

export interface BuildResult extends Footprint {
  /** Absolute path of the linked program. */
  readonly elf: string;
  /** Footprint of sourceDir's objects alone, without harness and C library: what the model itself costs. */
  readonly model: Footprint;
}

/**
 * Compiles sourceDir/*.c and extraSources with the target's compiler and flags, links them (on emulated
 * targets with picolibc's semihosting runtime and the board's memory map) and measures the result.
 */
export async function buildFirmware(opts: BuildOptions): Promise<BuildResult> {
  const { target } = opts;
  const sourceDir = resolve(opts.sourceDir);
  const outDir = resolve(opts.outDir);
  const modelSources = await cSourcesIn(sourceDir);
  const extraSources = (opts.extraSources ?? []).map((f) => resolve(f));
  if (modelSources.length + extraSources.length === 0) throw new BnnError(`no .c files to build in ${sourceDir}`);
  const objects = await compileObjects({
    target, sources: [...modelSources, ...extraSources], outDir, includeDir: sourceDir, extraCflags: opts.extraCflags,
  });

  const elf = join(outDir, 'firmware.elf');
  await compilerStep(target, [...target.ldflags, ...runtimeLinkFlags(target), ...(opts.extraLdflags ?? []), ...objects, '-o', elf], 'linking');
  const footprint = await measureFootprint(target, [elf]);
  const model = await measureFootprint(target, objects.slice(0, modelSources.length));
  return { elf, ...footprint, model };
}

export interface CompileObjectsOptions {
  readonly target: Target;
  readonly sources: readonly string[];
  /** Objects go to outDir/obj/ (created if needed), with whatever side files the flags ask for (.su, .ci). */
  readonly outDir: string;
  /** On the include path (the folder of the generated model). */
  readonly includeDir?: string;
  readonly extraCflags?: readonly string[];
}

/**
 * Compiles each source on its own (-c, no link) with the flags of generated code, the target's flags and the
 * emulated runtime's headers; returns the object paths in the order of `sources`.
 */
export async function compileObjects(opts: CompileObjectsOptions): Promise<string[]> {
  const { target } = opts;
  const outDir = resolve(opts.outDir);
  await mkdir(join(outDir, 'obj'), { recursive: true });
  const cflags = [...GENERATED_CODE_CFLAGS, ...target.cflags, ...runtimeCompileFlags(target), ...(opts.extraCflags ?? []),
    ...(opts.includeDir === undefined ? [] : ['-I', resolve(opts.includeDir)])];
  const objects: string[] = [];
  // Numbered object names: a harness and a model file may share a base name.
  for (const [i, source] of opts.sources.entries()) {
    const object = join(outDir, 'obj', `${i}-${basename(source, '.c')}.o`);
    await compilerStep(target, [...cflags, '-c', resolve(source), '-o', object], `compiling ${basename(source)}`);
    objects.push(object);
  }
  return objects;
}

async function cSourcesIn(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    throw new BnnError(`source folder ${dir} cannot be read`);
  }
  return names.filter((n) => n.endsWith('.c')).sort().map((n) => join(dir, n));
}

/** Runs the target's gcc; a failure becomes a BnnError quoting the compiler's first error lines. */
async function compilerStep(target: Target, args: readonly string[], what: string): Promise<ToolResult> {
  const result = await runTool(target.cc, args, { packages: target.toolchainPackages });
  if (result.exitCode === 0) return result;
  // gcc present but its C library missing shows up as an unreadable spec file: same advice as a missing gcc.
  if (/cannot read spec file/.test(result.stderr)) throw notFound(`${target.cc} with picolibc`, target.toolchainPackages);
  throw new BnnError(`${what} for ${target.name} failed: ${firstErrors(result.stderr)}`);
}

/** The first three diagnostic lines (errors first), joined so that the message stays one line. */
function firstErrors(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const errors = lines.filter((l) => /error|undefined reference|multiple definition/.test(l) && !/^collect2/.test(l));
  const chosen = (errors.length > 0 ? errors : lines).slice(0, 3);
  return chosen.length > 0 ? chosen.join(' | ') : 'compiler exited without a message';
}
