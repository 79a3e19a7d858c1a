import assert from 'node:assert/strict';
import { formatInstructions } from '../../src/cli/verify.js';
import { BnnError } from '../../src/errors.js';
import { renderHarness } from '../../src/toolchain/harness.js';
import { icountQemuArgs, parseIcountReport } from '../../src/toolchain/icount.js';
import { instructionStats } from '../../src/verify.js';

const MARKERS = { begin: { start: 0x204, size: 12 }, end: { start: 0x210, size: 12 }, ids: { start: 0x2024, size: 256 } };

describe('instruction counting: plugin options, report, statistics', () => {
  it('brackets every model run of the harness with the profile markers', () => {
    assert.match(
      renderHarness('net_1'),
      /bnn_profile_begin\(BNN_PROFILE_ID_RUN\);\n\s*status = net_1_run\(input, output\);\n\s*bnn_profile_end\(BNN_PROFILE_ID_RUN\);/,
    );
  });

  it('passes the markers to the plugin in hex, escaping commas of paths as QEMU needs', () => {
    assert.deepEqual(icountQemuArgs('/p/icount.so', MARKERS, '/w/a,b.txt'), [
      '-plugin',
      '/p/icount.so,begin=0x204,begin_size=0xc,end=0x210,end_size=0xc,ids=0x2024,ids_size=0x100,out=/w/a,,b.txt,count=tb',
    ]);
    assert.match(icountQemuArgs('/p/icount.so', MARKERS, '/w/r.txt', { perInstruction: true })[1]!, /,count=insn$/);
  });

  it('reads regions in order and the summary', () => {
    const report = parseIcountReport('bnn-icount 1\nregion 3 10\nregion 2 15\nsummary 25 2 0\n');
    assert.deepEqual(report, { regions: [{ id: 3, instructions: 10 }, { id: 2, instructions: 15 }], total: 25 });
  });

  it('refuses a report without summary (QEMU killed), an inconsistent one, and reports marker misuse', () => {
    const reason = (text: string): string => {
      try {
        parseIcountReport(text);
      } catch (e) {
        assert.ok(e instanceof BnnError);
        return e.reason;
      }
      return assert.fail('no error');
    };
    assert.match(reason('bnn-icount 1\nregion 0 10\n'), /incomplete/);
    assert.match(reason('bnn-icount 1\nregion 0 10\nsummary 10 2 0\n'), /lists 1 regions but counted 2/);
    assert.match(reason('bnn-icount 1\nregion 0 x\nsummary 0 0 0\n'), /bad line 'region 0 x'/);
    assert.match(reason('something else\n'), /unknown format/);
    assert.match(
      reason('bnn-icount 1\nsummary 0 0 1\nerror bnn_profile_end without bnn_profile_begin (id 9)\n'),
      /misused: bnn_profile_end without bnn_profile_begin \(id 9\)/,
    );
  });

  it('summarises per-run counts and prints one number when all runs agree, else mean and range', () => {
    assert.equal(instructionStats(undefined), undefined);
    assert.equal(instructionStats({ total: 0, regions: 0, perRun: [] }), undefined);
    const same = instructionStats({ total: 24691356, regions: 2, perRun: [12345678, 12345678] })!;
    assert.deepEqual(same, { mean: 12345678, min: 12345678, max: 12345678 });
    assert.equal(formatInstructions('cortex-m4', same), 'instructions per inference on cortex-m4: 12,345,678 (exact, QEMU TCG plugin)');
    const varied = instructionStats({ total: 300, regions: 3, perRun: [90, 100, 110] })!;
    assert.deepEqual(varied, { mean: 100, min: 90, max: 110 });
    assert.equal(formatInstructions('rv32imc', varied), 'instructions per inference on rv32imc: mean 100 (min 90, max 110) (exact, QEMU TCG plugin)');
  });
});
