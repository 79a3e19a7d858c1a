/**
 * Builds emitted C with the host gcc under the project's strict flags and runs it: one binary runs every program
 * on its samples (read from stdin, outputs written to stdout as raw float32), so a whole sweep costs one compile.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { executeProgram } from '../../src/lowered/execute.js';
import type { Program } from '../../src/lowered/program.js';
import { emitC } from '../../src/phases/7-emit/emit.js';
import type { Target } from '../../src/targets/target.js';

export const HOST_TARGET: Target = {
  name: 'host',
  description: 'host gcc (tests)',
  part: { name: 'host', flash: 1 << 30, ram: 1 << 30 },
  cc: 'gcc',
  cflags: [],
  ldflags: [],
  fpu: true,
  kernels: { popcount: 'swar' },
};

export const STRICT_CFLAGS = [
  '-std=c99', '-O2', '-ffp-contract=off',
  '-Wall', '-Wextra', '-Wpedantic', '-Wshadow', '-Wcast-align', '-Wstrict-prototypes', '-Werror',
];

export const SANITIZE_CFLAGS = ['-fsanitize=address,undefined', '-fno-sanitize-recover=all', '-g'];

/** The test main: for every program, checks the NULL guard, then runs each sample from stdin to stdout. */
export function testMain(programs: readonly Program[], samples: number): string {
  const upper = (p: Program) => p.name.toUpperCase();
  return `#include <stdio.h>
#include <stdlib.h>
${programs.map((p) => `#include "${p.name}.h"`).join('\n')}

typedef int (*run_fn)(const float *input, float *output);

static const struct {
    run_fn run;
    size_t in, out;
} cases[] = {
${programs.map((p) => `    { ${p.name}_run, ${upper(p)}_INPUT_SIZE, ${upper(p)}_OUTPUT_SIZE },`).join('\n')}
};

int main(void)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
        float *in = malloc(cases[i].in * sizeof(float));
        float *out = malloc(cases[i].out * sizeof(float));
        if (in == NULL || out == NULL) {
            return 2;
        }
        if (cases[i].run(NULL, out) != -1 || cases[i].run(in, NULL) != -1) {
            return 3;
        }
        for (int s = 0; s < ${samples}; ++s) {
            if (fread(in, sizeof(float), cases[i].in, stdin) != cases[i].in) {
                return 4;
            }
            if (cases[i].run(in, out) != 0) {
                return 5;
            }
            fwrite(out, sizeof(float), cases[i].out, stdout);
        }
        free(in);
        free(out);
    }
    return 0;
}
`;
}

/**
 * Compiles `files` (all .c files plus the test main) and runs the binary on samples[program][sample].
 * Returns the outputs in the same nesting. Throws with gcc's or the binary's stderr on failure.
 */
export function buildAndRun(
  files: ReadonlyMap<string, string>,
  programs: readonly Program[],
  samples: readonly (readonly Float32Array[])[],
  extraFlags: readonly string[] = [],
): Float32Array[][] {
  const dir = mkdtempSync(join(tmpdir(), 'bnngen-lowered-'));
  try {
    const count = samples[0]?.length ?? 0;
    for (const [name, text] of files) writeFileSync(join(dir, name), text);
    writeFileSync(join(dir, 'main.c'), testMain(programs, count));
    const sources = [...files.keys()].filter((f) => f.endsWith('.c')).concat('main.c');
    const cc = spawnSync('gcc', [...STRICT_CFLAGS, ...extraFlags, ...sources, '-o', 'test.bin'], { cwd: dir, encoding: 'utf8' });
    if (cc.status !== 0) throw new Error(`gcc failed:\n${cc.stderr}`);
    const input = Buffer.concat(samples.flat().map((s) => Buffer.from(s.buffer, s.byteOffset, s.byteLength)));
    const run = spawnSync(join(dir, 'test.bin'), [], { cwd: dir, input, maxBuffer: 1 << 30 });
    if (run.status !== 0) throw new Error(`test binary exited with ${run.status}:\n${run.stderr.toString()}`);
    const out = run.stdout;
    let offset = 0;
    return programs.map((p, i) => {
      const n = p.output.shape.reduce((a, d) => a * d, 1);
      return samples[i]!.map(() => {
        const values = new Float32Array(out.buffer.slice(out.byteOffset + offset, out.byteOffset + offset + n * 4));
        offset += n * 4;
        return values;
      });
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Index of the first word where two float arrays differ bitwise, or -1. */
export function firstBitDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return 0;
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) return i;
  return -1;
}

/**
 * Builds the C files emitC wrote for `program` on `target` (plain, then under both sanitizers) and asserts every
 * sample's output equals the reference executor's bit for bit.
 */
export function assertHostBitExact(program: Program, target: Target, samples: readonly Float32Array[]): void {
  const files = new Map([...emitC(program, target)].filter(([name]) => /\.[ch]$/.test(name)));
  for (const flags of [[], SANITIZE_CFLAGS]) {
    const out = buildAndRun(files, [program], [samples], flags);
    samples.forEach((x, i) => {
      const want = executeProgram(program, x);
      const at = firstBitDifference(want, out[0]![i]!);
      assert.equal(at, -1, `sample ${i}: output[${at}] C ${out[0]![i]![at]} vs reference ${want[at]}`);
    });
  }
}
