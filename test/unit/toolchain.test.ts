import assert from 'node:assert/strict';
import { BnnError } from '../../src/errors.js';
import { loadTarget } from '../../src/targets/load.js';
import { GENERATED_CODE_CFLAGS, runtimeCompileFlags, runtimeLinkFlags, sizeTool } from '../../src/toolchain/flags.js';
import { renderHarness } from '../../src/toolchain/harness.js';

describe('toolchain flags and harness', () => {
  it('keeps -ffp-contract=off in the flags of generated code', () => {
    assert.ok(GENERATED_CODE_CFLAGS.includes('-ffp-contract=off'));
    assert.ok(GENERATED_CODE_CFLAGS.includes('-Werror'));
  });

  it('links emulated targets with picolibc semihosting and the board memory map', () => {
    const m4 = loadTarget('cortex-m4');
    assert.deepEqual(runtimeCompileFlags(m4), ['--specs=picolibc.specs', '--oslib=semihost', '--crt0=semihost']);
    assert.deepEqual(runtimeLinkFlags(m4).slice(3), [
      '-Wl,--defsym=__flash=0x0', '-Wl,--defsym=__flash_size=0x400000',
      '-Wl,--defsym=__ram=0x20000000', '-Wl,--defsym=__ram_size=0x400000',
    ]);
    assert.equal(sizeTool(m4), 'arm-none-eabi-size');
  });

  it('links the host target plainly', () => {
    const host = loadTarget('host');
    assert.deepEqual(runtimeCompileFlags(host), []);
    assert.deepEqual(runtimeLinkFlags(host), []);
    assert.equal(sizeTool(host), 'size');
  });

  it('renders the harness for a model name and its upper-case prefix', () => {
    const c = renderHarness('net_1');
    assert.match(c, /#include "net_1\.h"/);
    assert.match(c, /status = net_1_run\(input, output\);/);
    assert.match(c, /static float input\[NET_1_INPUT_SIZE\];/);
    assert.doesNotMatch(c, /\{\{|\}\}/);
  });

  it('refuses a model name that is not a C identifier', () => {
    assert.throws(() => renderHarness('my-model'), (e: unknown) => e instanceof BnnError && /not a C identifier/.test(e.reason));
  });
});
