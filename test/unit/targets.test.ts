import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BnnError } from '../../src/errors.js';
import { listTargets, loadTarget, parseTarget, targetsDir } from '../../src/targets/load.js';

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
  });

  it('loads host without emulation or memory map', () => {
    const t = loadTarget('host');
    assert.equal(t.cc, 'gcc');
    assert.equal(t.qemu, undefined);
    assert.equal(t.memory, undefined);
    assert.equal(t.part.name, 'host');
  });

  it('lists every target, sorted, each valid', () => {
    const names = listTargets().map((t) => t.name);
    assert.ok(names.includes('cortex-m4') && names.includes('host'));
    assert.deepEqual(names, [...names].sort());
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
  });

  it('refuses an emulated target without a memory map and a region past 4 GiB', () => {
    const noMemory = cortexM4Json();
    delete noMemory.memory;
    assert.match(refusal(noMemory), /needs a memory map/);
    const high = { ...cortexM4Json(), memory: { flash: { base: 0xffff0000, size: 0x20000 }, ram: { base: 0, size: 1 } } };
    assert.match(refusal(high), /memory.flash ends beyond the 32-bit address space/);
  });

  it('accepts the JSON it validates unchanged', () => {
    const json = cortexM4Json();
    assert.deepEqual(parseTarget(json, 'x.json'), json);
  });
});
