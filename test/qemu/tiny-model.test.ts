import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BnnError } from '../../src/errors.js';
import { packageRoot } from '../../src/io/package-root.js';
import { loadTarget } from '../../src/targets/load.js';
import type { Target } from '../../src/targets/target.js';
import { buildFirmware } from '../../src/toolchain/build.js';
import { runFirmware } from '../../src/toolchain/run.js';
import { runModelOnTarget } from '../../src/toolchain/run-model.js';

const FIXTURE = join(packageRoot(), 'test', 'fixtures', 'tiny-model');
const INPUT_SIZE = 6;
const OUTPUT_SIZE = 3;

// The same constants and operation order as test/fixtures/tiny-model/tiny.c; Math.fround after every
// operation is float32 arithmetic (double rounding is exact for one +, -, *, / of float32 operands).
const WEIGHTS = [
  [0.5, -1.25, 0.375, 2.0, -0.0625, 1.5],
  [-0.75, 0.8125, -3.0, 0.125, 1.0, -0.5],
  [1.75, 0.25, -0.4375, -1.0, 0.6875, 0.03125],
];
const BIAS = [0.25, -0.5, 1.125];
const f = Math.fround;

function tinyReference(inputs: Float32Array, samples: number): Float32Array {
  const out = new Float32Array(samples * OUTPUT_SIZE);
  for (let s = 0; s < samples; s++) {
    const x = inputs.subarray(s * INPUT_SIZE, (s + 1) * INPUT_SIZE);
    for (let j = 0; j < OUTPUT_SIZE; j++) {
      let acc = BIAS[j];
      for (let i = 0; i < INPUT_SIZE; i++) acc = f(acc + f(WEIGHTS[j][i] * x[i]));
      if (acc < 0) acc = f(acc * 0.25);
      out[s * OUTPUT_SIZE + j] = f(acc / f(1 + f(x[j] * x[j])));
    }
  }
  return out;
}

/** Deterministic inputs mixing ordinary values, large ones, subnormals and signed zeros (never NaN). */
function makeInputs(samples: number): Float32Array {
  const values = new Float32Array(samples * INPUT_SIZE);
  let state = 12345;
  const next = (): number => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  for (let i = 0; i < values.length; i++) {
    const u = next() * 2 - 1;
    const kind = next();
    values[i] = kind < 0.8 ? u * 4 : kind < 0.9 ? u * 1e18 : kind < 0.97 ? u * 1e-39 : i % 2 ? -0 : 0;
  }
  return values;
}

function assertBitExact(actual: Float32Array, expected: Float32Array): void {
  assert.equal(actual.length, expected.length);
  const a = new Uint32Array(actual.buffer, actual.byteOffset, actual.length);
  const e = new Uint32Array(expected.buffer, expected.byteOffset, expected.length);
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== e[i]) assert.fail(`value ${i}: target ${actual[i]} (0x${a[i].toString(16)}) != reference ${expected[i]} (0x${e[i].toString(16)})`);
  }
}

async function bnnError(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof BnnError, `expected a BnnError, got ${String(e)}`);
    return e.reason;
  }
  assert.fail('no error');
}

for (const targetName of ['cortex-m4', 'host']) {
  describe(`tiny fixture model on ${targetName}`, function () {
    this.timeout(120_000);
    const target = loadTarget(targetName);
    let scratch: string;
    before(() => (scratch = mkdtempSync(join(tmpdir(), `bnngen-qemu-${targetName}-`))));
    after(() => rmSync(scratch, { recursive: true, force: true }));

    it('runs 50 samples in one program run, bit-exact with the TypeScript computation', async () => {
      const samples = 50;
      const inputs = makeInputs(samples);
      const result = await runModelOnTarget({
        target, sourceDir: FIXTURE, modelName: 'tiny', inputs, samples, inputSize: INPUT_SIZE, outputSize: OUTPUT_SIZE,
      });
      assertBitExact(result.outputs, tinyReference(inputs, samples));
      assert.ok(result.flashBytes > result.model.flashBytes && result.model.flashBytes > 0, `${result.flashBytes}`);
      assert.ok(result.ramBytes > 0);
    });

    it('keeps the build and data in workDir when one is given', async () => {
      const workDir = join(scratch, 'work');
      const inputs = makeInputs(2);
      await runModelOnTarget({
        target, sourceDir: FIXTURE, modelName: 'tiny', inputs, samples: 2, inputSize: 6, outputSize: 3, workDir,
      });
      for (const file of ['firmware.elf', 'inputs.f32', 'outputs.f32', 'bnn_harness_main.c']) {
        assert.ok(existsSync(join(workDir, file)), file);
      }
    });

    it('reports the model returning an error code, with the sample', async () => {
      const inputs = makeInputs(5);
      inputs[3 * INPUT_SIZE] = NaN;
      const reason = await bnnError(runModelOnTarget({
        target, sourceDir: FIXTURE, modelName: 'tiny', inputs, samples: 5, inputSize: 6, outputSize: 3,
      }));
      assert.match(reason, new RegExp(`harness for tiny on ${targetName} exited with status 6: tiny_run failed on sample 3 with code -3`));
    });

    it('reports sizes that disagree with the model header', async () => {
      const reason = await bnnError(runModelOnTarget({
        target, sourceDir: FIXTURE, modelName: 'tiny', inputs: new Float32Array(10), samples: 2, inputSize: 5, outputSize: 3,
      }));
      assert.match(reason, /size mismatch: caller expects 5 -> 3 floats, tiny.h declares 6 -> 3/);
    });

    it('measures the model apart from harness and C library', async () => {
      const build = await buildFirmware({
        target, sourceDir: FIXTURE, extraSources: [join(FIXTURE, 'programs', 'forever.c')], outDir: join(scratch, 'forever'),
      });
      // 18 weights + 3 biases are 84 bytes of constants, plus a little code.
      assert.ok(build.model.flashBytes >= 84 && build.model.flashBytes < 2048, `model flash ${build.model.flashBytes}`);
      assert.ok(build.flashBytes > build.model.flashBytes);
    });

    it('kills a program that never ends, with a clear timeout error', async () => {
      const build = await buildFirmware({
        target, sourceDir: FIXTURE, extraSources: [join(FIXTURE, 'programs', 'forever.c')], outDir: join(scratch, 'forever'),
      });
      const started = Date.now();
      const reason = await bnnError(runFirmware({ target, elf: build.elf, args: [], cwd: scratch, timeoutMs: 1500 }));
      assert.equal(reason, target.qemu
        ? 'QEMU timed out after 1.5 s running firmware.elf on cortex-m4'
        : 'firmware.elf timed out after 1.5 s on host');
      assert.ok(Date.now() - started < 10_000);
    });

    it('reports a crash clearly', async () => {
      const build = await buildFirmware({
        target, sourceDir: FIXTURE, extraSources: [join(FIXTURE, 'programs', 'fault.c')], outDir: join(scratch, 'fault'),
      });
      const reason = await bnnError(runFirmware({ target, elf: build.elf, args: [], cwd: scratch, timeoutMs: 20_000 }));
      assert.match(reason, target.qemu
        ? /^firmware.elf crashed on cortex-m4: ARM fault: hardfault at PC 0xfffffff0$/
        : /^firmware.elf was killed by SIGSEGV on host$/);
    });

    it('quotes the first compiler error', async () => {
      const broken = join(scratch, 'broken.c');
      writeFileSync(broken, 'int main(void) { return undeclared_thing; }\n');
      const reason = await bnnError(buildFirmware({ target, sourceDir: FIXTURE, extraSources: [broken], outDir: join(scratch, 'broken') }));
      assert.match(reason, new RegExp(`^compiling broken.c for ${targetName} failed: .*broken.c:1:\\d+: error: 'undeclared_thing' undeclared`));
      assert.doesNotMatch(reason, /\n/);
    });
  });
}

describe('missing tools', () => {
  const m4 = loadTarget('cortex-m4');

  it('names the packages to install when the cross compiler is missing', async () => {
    const target: Target = { ...m4, cc: 'bnngen-no-such-gcc' };
    const dir = mkdtempSync(join(tmpdir(), 'bnngen-nocc-'));
    try {
      const reason = await bnnError(buildFirmware({ target, sourceDir: FIXTURE, outDir: dir }));
      assert.equal(reason, 'bnngen-no-such-gcc not found: install gcc-arm-none-eabi picolibc-arm-none-eabi');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the package to install when QEMU is missing, and refuses arguments semihosting cannot carry', async () => {
    const qemu = m4.qemu;
    assert.ok(qemu);
    const target: Target = { ...m4, qemu: { ...qemu, binary: 'bnngen-no-such-qemu' } };
    const run = (args: string[]): Promise<unknown> => runFirmware({ target, elf: 'x.elf', args, cwd: tmpdir(), timeoutMs: 5000 });
    assert.equal(await bnnError(run([])), 'bnngen-no-such-qemu not found: install qemu-system-arm');
    assert.match(await bnnError(run(['a b'])), /'a b' is empty or has whitespace/);
  });

  it('reports QEMU refusing to start', async () => {
    const qemu = m4.qemu;
    assert.ok(qemu);
    const target: Target = { ...m4, qemu: { ...qemu, machine: 'bnngen-no-such-board' } };
    const reason = await bnnError(runFirmware({ target, elf: 'x.elf', args: [], cwd: tmpdir(), timeoutMs: 20_000 }));
    assert.equal(reason, 'QEMU failed for cortex-m4: qemu-system-arm: unsupported machine type');
  });
});
