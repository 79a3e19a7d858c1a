/**
 * bnngen cleans up after itself: `compile`, `run` and `verify` leave no bnngen-* temporary folder in the temporary
 * directory, neither on success nor when the build fails, the guest faults or the run times out. Each case runs
 * in a child process whose TMPDIR is a fresh, empty folder, checked afterwards. The one thing allowed to stay is
 * the documented cache of the instruction-count plugin (bnngen-plugin-<hash>/icount.so, docs/benchmarking.md).
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { writeNpy } from '../../src/io/npy.js';
import { encodeModel } from '../../src/onnx/encode.js';
import { packageRoot } from '../../src/io/package-root.js';
import { smallBlock } from '../helpers/golden.js';

const ROOT = packageRoot();
const CLI = join(ROOT, 'dist/src/cli/main.js');

/** Everything under `dir`, as relative paths, sorted. */
function tree(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? [`${prefix}${e.name}/`, ...tree(join(dir, e.name), `${prefix}${e.name}/`)] : [`${prefix}${e.name}`]).sort();
}

/**
 * A tiny_run (test/fixtures/tiny-model/tiny.h) that calls through an invalid address when input[0] > 0 (a CPU
 * fault under QEMU, SIGSEGV on the host) and spins forever otherwise.
 */
const MISBEHAVING_MODEL = `#include "tiny.h"
typedef void (*function)(void);
int tiny_run(const float *input, float *output)
{
    volatile unsigned long address = 0xFFFFFFF0ul;
    volatile unsigned spins = 0;
    (void)output;
    if (input[0] > 0.0f) {
        ((function)address)();
    }
    for (;;) {
        spins++;
    }
}
`;

/** Calls runModelOnTarget on the misbehaving model in a child process; prints the error's reason. */
function misbehavingRun(target: string, sourceDir: string, input: number, timeoutMs: number): string {
  return `
    import { loadTarget } from ${JSON.stringify(join(ROOT, 'dist/src/targets/load.js'))};
    import { runModelOnTarget } from ${JSON.stringify(join(ROOT, 'dist/src/toolchain/run-model.js'))};
    const inputs = new Float32Array(6).fill(${input});
    try {
      await runModelOnTarget({ target: loadTarget(${JSON.stringify(target)}), sourceDir: ${JSON.stringify(sourceDir)},
        modelName: 'tiny', inputs, samples: 1, inputSize: 6, outputSize: 3, timeoutMs: ${timeoutMs} });
      console.log('no error');
    } catch (e) {
      console.log(e.reason ?? e.message);
    }`;
}

describe('no temporary folders left behind', function () {
  this.timeout(300_000);
  let scratch: string;
  let model: string;
  let inputs: string;
  let misbehaving: string;

  before(() => {
    scratch = mkdtempSync(join(tmpdir(), 'bnngen-tmpcheck-'));
    model = join(scratch, 'block.onnx');
    writeFileSync(model, encodeModel(smallBlock()));
    inputs = join(scratch, 'x.npy');
    writeNpy(inputs, Float32Array.from({ length: 2 * 300 }, (_, i) => Math.sin(i)), [2, 3, 10, 10]);
    misbehaving = join(scratch, 'misbehaving');
    mkdirSync(misbehaving);
    copyFileSync(join(ROOT, 'test/fixtures/tiny-model/tiny.h'), join(misbehaving, 'tiny.h'));
    writeFileSync(join(misbehaving, 'tiny.c'), MISBEHAVING_MODEL);
  });
  after(() => rmSync(scratch, { recursive: true, force: true }));

  /** Runs node with `args` and a fresh TMPDIR (PATH replaced when given); returns its result and what it left. */
  async function inFreshTmp(args: string[], path?: string) {
    const tmp = mkdtempSync(join(scratch, 'tmp-'));
    const env = { TMPDIR: tmp, ...(path === undefined ? {} : { PATH: path }) };
    const result = await execa(process.execPath, args, { env, reject: false, cwd: scratch });
    return { result, left: tree(tmp) };
  }

  it('compile (which measures the stack in a temporary build)', async () => {
    const { result, left } = await inFreshTmp([CLI, 'compile', model, '--target', 'cortex-m4', '-o', join(scratch, 'out')]);
    assert.equal(result.exitCode, 0, result.stderr);
    assert.match(result.stdout, /^stack: [\d,]+ bytes/m);
    assert.deepEqual(left, []);
  });

  it('run on the host', async () => {
    const { result, left } = await inFreshTmp([CLI, 'run', model, '--target', 'host', '--input', inputs, '--output', join(scratch, 'y.npy')]);
    assert.equal(result.exitCode, 0, result.stderr);
    assert.deepEqual(left, []);
  });

  it('verify under QEMU with instruction counting: only the plugin cache stays', async () => {
    const { result, left } = await inFreshTmp([CLI, 'verify', model, '--target', 'cortex-m4', '--samples', '2']);
    assert.equal(result.exitCode, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /instructions per inference/);
    assert.equal(left.length, 2, left.join(', '));
    assert.match(left[0]!, /^bnngen-plugin-[0-9a-f]{16}\/$/);
    assert.equal(left[1], `${left[0]}icount.so`);
  });

  it('run and verify whose build fails (no cross compiler on PATH)', async () => {
    for (const command of [['run', '--input', inputs, '--output', join(scratch, 'z.npy')], ['verify', '--samples', '2']]) {
      const { result, left } = await inFreshTmp([CLI, command[0]!, model, '--target', 'cortex-m4', ...command.slice(1)], join(scratch, 'no-tools'));
      assert.equal(result.exitCode, 2, result.stderr);
      assert.match(result.stderr, /arm-none-eabi-gcc not found/);
      assert.deepEqual(left, [], command[0]);
    }
  });

  for (const target of ['cortex-m4', 'host']) {
    it(`a guest fault and a timeout on ${target}`, async () => {
      const fault = await inFreshTmp(['--input-type=module', '-e', misbehavingRun(target, misbehaving, 1, 60_000)]);
      assert.match(fault.result.stdout, target === 'host' ? /was killed by SIGSEGV on host/ : /crashed on cortex-m4: ARM fault/);
      assert.deepEqual(fault.left, []);
      const timeout = await inFreshTmp(['--input-type=module', '-e', misbehavingRun(target, misbehaving, -1, 2000)]);
      assert.match(timeout.result.stdout, /timed out after 2 s/);
      assert.deepEqual(timeout.left, []);
    });
  }
});
