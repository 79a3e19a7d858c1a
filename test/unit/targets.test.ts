import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BnnError } from '../../src/errors.js';
import { execa } from 'execa';
import { formatBytes } from '../../src/cli/targets.js';
import { packageRoot } from '../../src/io/package-root.js';
import { templateExists } from '../../src/phases/7-emit/templates.js';
import { compareTargetNames, listTargets, loadTarget, parseTarget, targetsDir } from '../../src/targets/load.js';

/** A valid target description as plain JSON, to break one field at a time. */
function cortexM4Json(): Record<string, unknown> {
  return JSON.parse(readFileSync(join(targetsDir(), 'cortex-m4.json'), 'utf8')) as Record<string, unknown>;
}

function refusal(json: unknown): string {
  try {
    parseTarget(json, 'targets/broken.json');
  } catch (e) {
    assert.ok(e instanceof BnnError, `expected a BnnError, got ${String(e)}`);
    assert.equal(e.where.file, 'targets/broken.json');
    return e.reason;
  }
  assert.fail('the target was accepted');
}

describe('targets', () => {
  it('loads cortex-m4 with the board, the real part and the toolchain', () => {
    const t = loadTarget('cortex-m4');
    assert.equal(t.cc, 'arm-none-eabi-gcc');
    assert.deepEqual(t.cflags, ['-mcpu=cortex-m4', '-mthumb', '-mfloat-abi=hard', '-mfpu=fpv4-sp-d16']);
    assert.equal(t.qemu?.machine, 'mps2-an386');
    assert.equal(t.qemu?.clockHz, 25_000_000);
    assert.deepEqual(t.memory, { flash: { base: 0, size: 4 << 20 }, ram: { base: 0x20000000, size: 4 << 20 } });
    assert.equal(t.part.name, 'STM32F407VG');
    assert.equal(t.part.flash, 1 << 20);
    assert.equal(t.part.ram, 192 * 1024);
    assert.equal(t.fpu, true);
    assert.equal(t.kernels.popcount, 'swar');
    assert.match(t.kernels.notes ?? '', /instructions a word/);
  });

  it('loads host without emulation or memory map', () => {
    const t = loadTarget('host');
    assert.equal(t.cc, 'gcc');
    assert.equal(t.qemu, undefined);
    assert.equal(t.memory, undefined);
    assert.equal(t.part.name, 'host');
  });

  it('lists every target, each valid, numbers in order (cortex-m7 before cortex-m33)', () => {
    assert.deepEqual(listTargets().map((t) => t.name), [
      'cortex-m0', 'cortex-m3', 'cortex-m4', 'cortex-m7', 'cortex-m33', 'cortex-m55', 'host', 'host-asan', 'rv32imc', 'rv32imc_zbb',
    ]);
    assert.deepEqual(['b10', 'a', 'b9', 'b'].sort(compareTargetNames), ['a', 'b', 'b9', 'b10']);
  });

  it('gives every target a real part smaller than its emulated board, and a popcount variant file', () => {
    for (const t of listTargets()) {
      assert.ok(templateExists(`kernels/popcount_${t.kernels.popcount}.h`), `${t.name}: popcount_${t.kernels.popcount}.h`);
      if (!t.qemu) continue;
      assert.ok(t.part.notes, `${t.name}: part notes say what the budget counts`);
      // Every model within the RAM budget can be verified on the board (flash: all but cortex-m55, see its notes).
      assert.ok(t.memory!.ram.size >= t.part.ram, `${t.name}: emulated RAM ${t.memory!.ram.size} < budget ${t.part.ram}`);
    }
    const fpuLess = listTargets().filter((t) => !t.fpu).map((t) => t.name);
    assert.deepEqual(fpuLess, ['cortex-m0', 'cortex-m3', 'rv32imc', 'rv32imc_zbb']);
  });

  it('states the RISC-V link rule as data: the full ISA string to compile, plain rv32imc to link', () => {
    for (const [name, march] of [['rv32imc', 'rv32imc_zicsr'], ['rv32imc_zbb', 'rv32imc_zicsr_zbb']] as const) {
      const t = loadTarget(name);
      assert.ok(t.cflags.includes(`-march=${march}`), `${name} cflags`);
      assert.ok(t.ldflags.includes('-march=rv32imc') && !t.ldflags.includes(`-march=${march}`), `${name} ldflags`);
    }
    assert.deepEqual(loadTarget('rv32imc').qemu?.args, ['-cpu', 'rv32,zbb=false', '-bios', 'none']);
    assert.equal(loadTarget('rv32imc_zbb').kernels.popcount, 'cpop');
    assert.equal(loadTarget('cortex-m55').kernels.popcount, 'mve');
  });

  it('names the available targets when the name is unknown', () => {
    assert.throws(() => loadTarget('cortex-m99'), (e: unknown) =>
      e instanceof BnnError && /unknown target 'cortex-m99'; available targets: .*cortex-m4.*host/.test(e.reason));
    assert.throws(() => loadTarget('../package'), /unknown target/);
  });

  it('refuses a missing field, a wrong type and an unknown key, naming them', () => {
    const missing = cortexM4Json();
    delete missing.cc;
    assert.match(refusal(missing), /^cc must be a non-empty string$/);
    assert.match(refusal({ ...cortexM4Json(), fpu: 'yes' }), /^fpu must be true or false$/);
    assert.match(refusal({ ...cortexM4Json(), cflag: [] }), /unknown field 'cflag' in target/);
    assert.match(refusal({ ...cortexM4Json(), cflags: ['-O2', 3] }), /cflags must be an array of non-empty strings/);
    assert.match(refusal({ ...cortexM4Json(), part: { name: 'x', flash: -1, ram: 1 } }), /part.flash must be a non-negative integer/);
    assert.match(refusal({ ...cortexM4Json(), part: { name: 'x', flash: 1, ram: 0 } }), /part.ram must be greater than 0/);
    assert.match(refusal([]), /^target must be an object$/);
    const m4 = cortexM4Json();
    assert.match(refusal({ ...m4, kernels: { popcount: 'swar', notes: 7 } }), /^kernels.notes must be a non-empty string$/);
    assert.match(refusal({ ...m4, qemu: { ...(m4.qemu as object), notes: '' } }), /^qemu.notes must be a non-empty string$/);
    assert.match(refusal({ ...m4, kernels: { popcount: 'swar', variant: 'x' } }), /unknown field 'variant' in kernels/);
    assert.match(refusal({ ...m4, kernels: { popcount: 'swar', pairs: 'yes' } }), /^kernels.pairs must be true when given$/);
  });

  it('kernels.pairs: rv32imc_zbb and the host targets take the affine bconv window pairs, the others not', () => {
    const withPairs = listTargets().filter((t) => t.kernels.pairs === true).map((t) => t.name).sort();
    assert.deepEqual(withPairs, ['host', 'host-asan', 'rv32imc_zbb']);
  });

  it('refuses an emulated target without a memory map and a region past 4 GiB', () => {
    const noMemory = cortexM4Json();
    delete noMemory.memory;
    assert.match(refusal(noMemory), /needs a memory map/);
    const high = { ...cortexM4Json(), memory: { flash: { base: 0xffff0000, size: 0x20000 }, ram: { base: 0, size: 1 } } };
    assert.match(refusal(high), /memory.flash ends beyond the 32-bit address space/);
  });

  it('bnngen targets lists every target with its budget; with a name it shows the notes and memory map', async () => {
    const cli = join(packageRoot(), 'dist/src/cli/main.js');
    const list = await execa('node', [cli, 'targets']);
    const rows = list.stdout.split('\n').slice(2, -1);
    assert.deepEqual(rows.map((r) => r.split(' ')[0]), listTargets().map((t) => t.name));
    assert.match(list.stdout, /cortex-m0 +-mcpu=cortex-m0 -mthumb +qemu-system-arm -M microbit +STM32F091RC: 256 KiB flash \/ 32 KiB RAM +no +swar/);
    assert.match(list.stdout, /rv32imc_zbb +-march=rv32imc_zicsr_zbb .* RP2354 \(Hazard3 cores\): 2 MiB flash \/ 520 KiB RAM +no +cpop/);
    const m55 = await execa('node', [cli, 'targets', 'cortex-m55']);
    assert.match(m55.stdout, /^memory map +flash 0x10000000 \(512 KiB\), RAM 0x31000000 \(4 MiB\)$/m);
    assert.match(m55.stdout, /^popcount +mve \(templates\/kernels\/popcount_mve.h\)\n +Helium: /m);
    assert.deepEqual([262144, 532480, 5767168, 1 << 30].map(formatBytes), ['256 KiB', '520 KiB', '5.5 MiB', 'n/a']);
  });

  it('accepts the JSON it validates unchanged', () => {
    const json = cortexM4Json();
    assert.deepEqual(parseTarget(json, 'x.json'), json);
  });
});
