/**
 * Shared by the exact soft-float helper tests (affine-exact, fmac-exact): float32 bit views, and a host-gcc
 * harness that feeds (a, b, c) bit triples to a helper and reads back [helper bits, float expression bits] pairs.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { templateText } from '../../src/phases/7-emit/templates.js';
import { STRICT_CFLAGS } from './lowered-host.js';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
export const bitsOf = (x: number): number => ((f32[0] = x), u32[0]!);
export const floatOf = (b: number): number => ((u32[0] = b >>> 0), f32[0]!);
export const isNaNBits = (b: number): boolean => (b & 0x7fffffff) >>> 0 > 0x7f800000;
export const hex = (x: number): string => `0x${(x >>> 0).toString(16).padStart(8, '0')}`;

/** The four builds every helper is checked in: with and without a clz instruction and a 32x32->64 multiply. */
export const CONFIGS = [0, 1].flatMap((clz) => [0, 1].map((wide) => [`-DBNN_CLZ_INSTRUCTION=${clz}`, `-DBNN_WIDE_MULTIPLY=${wide}`]));

/**
 * Compiles `harness` (main.c) next to the kernel `headers` with `defines`, feeds it `triples` (three 32-bit words a
 * case) on stdin and returns its stdout: two words a case.
 */
export function runTriples(headers: readonly string[], harness: string, triples: Uint32Array, defines: readonly string[]): Uint32Array {
  const dir = mkdtempSync(join(tmpdir(), 'bnngen-softfloat-'));
  try {
    for (const h of headers) writeFileSync(join(dir, h), templateText(`kernels/${h}`));
    writeFileSync(join(dir, 'main.c'), harness);
    const cc = spawnSync('gcc', [...STRICT_CFLAGS, ...defines, 'main.c', '-o', 'test.bin'], { cwd: dir, encoding: 'utf8' });
    if (cc.status !== 0) throw new Error(`gcc failed:\n${cc.stderr}`);
    const run = spawnSync(join(dir, 'test.bin'), [], { input: Buffer.from(triples.buffer, triples.byteOffset, triples.byteLength), maxBuffer: 1 << 30 });
    if (run.status !== 0) throw new Error(`harness exited with ${run.status}: ${run.stderr.toString()}`);
    const out = run.stdout;
    assert.equal(out.length, (triples.length / 3) * 8, 'one result pair per case');
    return new Uint32Array(out.buffer.slice(out.byteOffset, out.byteOffset + out.length));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
