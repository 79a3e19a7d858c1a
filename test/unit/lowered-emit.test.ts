import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BnnError } from '../../src/errors.js';
import { packageRoot } from '../../src/io/package-root.js';
import type { Program } from '../../src/lowered/program.js';
import { planMemory } from '../../src/phases/6-plan/plan.js';
import { callStatement, commentText, floatLiteral, int32Literal, uint32Literal } from '../../src/phases/7-emit/c-text.js';
import { emitC } from '../../src/phases/7-emit/emit.js';
import { kernelCases, residualNet } from './lowered-cases.js';
import { ProgramBuilder, Rng } from './lowered-fixtures.js';
import { HOST_TARGET, STRICT_CFLAGS } from './lowered-host.js';

/** Reads a C99 hex-float literal back (the test's own parser, independent of floatLiteral). */
function parseHexFloat(text: string): number {
  if (text === '0.0f' || text === '-0.0f') return text === '0.0f' ? 0 : -0;
  const m = /^(-?)0x([01])(?:\.([0-9a-f]+))?p([+-]\d+)f$/i.exec(text);
  assert.ok(m, `not a hex float: ${text}`);
  const digits = m[3] ?? '';
  const mantissa = parseInt(m[2]! + digits, 16) / 16 ** digits.length;
  const value = mantissa * 2 ** Number(m[4]);
  return m[1] ? -value : value;
}

/** Compiles C files to objects only (no link, no run): warnings are errors. */
function compileOnly(files: ReadonlyMap<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'bnngen-emit-'));
  try {
    for (const [name, text] of files) writeFileSync(join(dir, name), text);
    const sources = [...files.keys()].filter((f) => f.endsWith('.c'));
    const cc = spawnSync('gcc', [...STRICT_CFLAGS, '-c', ...sources], { cwd: dir, encoding: 'utf8' });
    assert.equal(cc.status, 0, `gcc failed:\n${cc.stderr}`);
    return cc.stderr;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function planned(p: Program): Program {
  return planMemory(p).program;
}

describe('C emission', () => {
  it('prints every float32 as an exact hex float (random bit patterns, subnormals, extremes)', () => {
    const r = new Rng(11);
    const bits = new Uint32Array(5000).map(() => r.u32());
    bits.set([0x00000001, 0x80000001, 0x007fffff, 0x00800000, 0x7f7fffff, 0xff7fffff, 0x3f800000, 0x00400000]);
    const f = new Float32Array(bits.buffer);
    for (const v of f) {
      if (!Number.isFinite(v)) continue;
      const text = floatLiteral(v);
      const back = parseHexFloat(text);
      assert.ok(Object.is(back, v), `${v} -> ${text} -> ${back}`);
    }
    assert.equal(floatLiteral(-0.1875), '-0x1.8p-3f');
    assert.equal(floatLiteral(1), '0x1p+0f');
    assert.equal(floatLiteral(2 ** -149), '0x1p-149f');
    assert.equal(floatLiteral(-0), '-0.0f');
    assert.equal(floatLiteral(0), '0.0f');
    assert.equal(floatLiteral(-Infinity), '-HUGE_VALF');
    assert.throws(() => floatLiteral(NaN));
    assert.throws(() => floatLiteral(0.1), 'a double that is not a float32');
  });

  it('prints integers without overflowing int and words as unsigned hex', () => {
    assert.equal(int32Literal(-2147483648), '(-2147483647 - 1)');
    assert.equal(int32Literal(2147483647), '2147483647');
    assert.equal(uint32Literal(0xdeadbeef), '0xDEADBEEFu');
    assert.equal(uint32Literal(5), '0x00000005u');
  });

  it('makes comments and long calls safe and readable', () => {
    const nasty = commentText('a */ b /* c ??/ \\ ??= \u00e9\n');
    assert.ok(!nasty.includes('*/') && !nasty.includes('/*') && !nasty.includes('??') && !nasty.includes('\\'), nasty);
    assert.ok(/^[\x20-\x7e]*$/.test(nasty));
    const call = callStatement('bnn_some_kernel', Array.from({ length: 8 }, (_, i) => `argument_number_${i}`));
    const lines = call.split('\n');
    assert.ok(lines.length > 1 && lines.every((l) => l.length <= 110), call);
    assert.ok(lines.slice(1).every((l) => l.startsWith(' '.repeat(4 + 'bnn_some_kernel('.length))));
  });

  it('is deterministic: the same program gives byte-identical files, with no paths or times', () => {
    const a = emitC(planned(residualNet(5).program), HOST_TARGET);
    const b = emitC(planned(residualNet(5).program), HOST_TARGET);
    assert.deepEqual([...a.keys()], ['resnet_tiny.h', 'resnet_tiny.c', 'bnn_kernels.h', 'bnn_kernels.c', 'bnngen.mk', 'CMakeLists.txt']);
    assert.deepEqual(a, b);
    const all = [...a.values()].join('\n');
    assert.ok(!all.includes(packageRoot()) && !all.includes(tmpdir()), 'no absolute paths');
    assert.ok(!/20\d\d-\d\d-\d\d|\d\d:\d\d:\d\d/.test(all), 'no dates or times');
  });

  it('never uses __builtin_popcount, and emits only the kernels a program calls', () => {
    const templates = join(packageRoot(), 'templates', 'kernels');
    for (const f of readdirSync(templates)) {
      assert.ok(!readFileSync(join(templates, f), 'utf8').includes('__builtin_popcount('), `${f} calls __builtin_popcount`);
    }
    const net = emitC(planned(residualNet(5).program), HOST_TARGET);
    const kernels = net.get('bnn_kernels.c')!;
    assert.ok(kernels.includes('static inline uint32_t bnn_xor_popcount(const uint32_t *a, const uint32_t *w, int32_t n)'));
    assert.ok(!/__builtin_popcount\s*\(/.test([...net.values()].join('\n')));

    const b = new ProgramBuilder('pools', [2, 4, 4]);
    const pool = { kH: 2, kW: 2, strideH: 2, strideW: 2, padTop: 0, padLeft: 0, dilH: 1, dilW: 1 };
    const files = emitC(planned(b.finish(b.pool('avgpool_f32', b.input, pool, [2, 2]))), HOST_TARGET);
    const source = files.get('bnn_kernels.c')!;
    assert.ok(source.includes('void bnn_avgpool_f32('));
    for (const absent of ['bnn_popcount', 'bnn_bconv2d', 'bnn_maxpool_f32', 'bnn_conv2d_f32', '<math.h>']) {
      assert.ok(!source.includes(absent), `${absent} should not be emitted for a pool-only program`);
    }
    assert.ok(!files.get('bnn_kernels.h')!.includes('bnn_maxpool_f32'));
    compileOnly(files);
  });

  it('compiles warning-free with -Wall -Wextra -Wpedantic ... -Werror for each test program on its own', () => {
    // Per-program kernel subsets: unused static helpers or constants would be warnings, hence errors.
    const programs = kernelCases(77).filter((_, i) => i % 4 === 0).map((c) => c.program);
    for (const p of programs) {
      const files = emitC(planned(p), HOST_TARGET);
      compileOnly(files);
    }
  });

  it('handles a program without an arena, nasty origins and infinite clip bounds', () => {
    const b = new ProgramBuilder('edge', [3, 2, 2]);
    const p = b.finish(b.clip(b.input, -Infinity, 0));
    const weird: Program = { ...p, steps: p.steps.map((s) => ({ ...s, origin: 'node */ with ??/ trigraph\\\nand newline' })) };
    const files = emitC(planned(weird), HOST_TARGET);
    const c = files.get('edge.c')!;
    assert.ok(!c.includes('_arena'), 'no arena for a program without internal buffers');
    assert.ok(c.includes('bnn_clip_f32(12, -HUGE_VALF, 0.0f, input, output);'));
    assert.ok(c.includes('#include <math.h>'));
    compileOnly(files);
  });

  it('a profiling build wraps each step k in profile region k + 1 and differs in nothing else', () => {
    const p = planned(residualNet(5).program);
    const plain = emitC(p, HOST_TARGET);
    const profiled = emitC(p, HOST_TARGET, { profile: true });
    const c = profiled.get('resnet_tiny.c')!;
    assert.ok(![...plain.values()].join('\n').includes('bnn_profile'), 'the files compile writes have no markers');
    const markers = [...c.matchAll(/^ {4}bnn_profile_(begin|end)\((\d+)u\);$/gm)].map((m) => `${m[1]} ${m[2]}`);
    assert.deepEqual(markers, p.steps.flatMap((_, k) => [`begin ${k + 1}`, `end ${k + 1}`]), 'one region per step, in order, not nested');
    assert.match(c, /bnn_profile_begin\(5u\);\n {4}bnn_bconv2d_threshold\([^;]*\);\n {4}bnn_profile_end\(5u\);/);
    const withoutMarkers = c.split('\n').filter((l) => !l.includes('bnn_profile')).join('\n');
    assert.equal(withoutMarkers, plain.get('resnet_tiny.c'));
    for (const name of ['resnet_tiny.h', 'bnn_kernels.h', 'bnn_kernels.c']) assert.equal(profiled.get(name), plain.get(name), name);
    const header = readFileSync(join(packageRoot(), 'templates', 'harness', 'bnn_profile.h'), 'utf8');
    compileOnly(new Map([...profiled, ['bnn_profile.h', header]]));
  });

  it('writes the API the header documents', () => {
    const files = emitC(planned(residualNet(5).program), HOST_TARGET);
    const h = files.get('resnet_tiny.h')!;
    for (const line of [
      '#define RESNET_TINY_INPUT_SIZE 585',
      '#define RESNET_TINY_OUTPUT_SIZE 64',
      '#define RESNET_TINY_INPUT_SHAPE { 1, 3, 15, 13 }',
      '#define RESNET_TINY_ERR_NULL (-1)',
      'int resnet_tiny_run(const float *input, float *output);',
      '#ifndef RESNET_TINY_H',
    ]) {
      assert.ok(h.includes(line), `missing: ${line}`);
    }
    assert.match(h, /generated by bnngen from resnet_tiny\.onnx for target host/);
    const c = files.get('resnet_tiny.c')!;
    // Comments describe the computation, never ONNX node names (those differ between exports of one model).
    assert.match(c, /\/\* step 4: binary conv [^*]*threshold to packed signs \*\/\n {4}bnn_bconv2d_threshold\(/);
    assert.ok(!c.includes('/bconv4/Conv'));
    assert.ok(c.split('\n').every((l) => l.length <= 120), 'lines stay within 120 columns');
  });

  it('refuses an unplanned program, an unknown popcount variant and clashing C names', () => {
    const p = residualNet(5).program;
    assert.throws(() => emitC(p, HOST_TARGET), /no arena offset/);
    const target = { ...HOST_TARGET, kernels: { popcount: 'magic' } };
    assert.throws(() => emitC(planned(p), target), (e: unknown) => e instanceof BnnError && /popcount variant 'magic'/.test(e.message));
    const clash: Program = { ...p, name: 'bnn', consts: p.consts.map((c, i) => (i === 0 ? { ...c, name: 'shape' } : c)) };
    assert.throws(() => emitC(planned(clash), HOST_TARGET), (e: unknown) => e instanceof BnnError && /named bnn_shape/.test(e.message));
  });
});
