import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BnnError } from '../../src/errors.js';
import { packageRoot } from '../../src/io/package-root.js';
import { listTargets, loadTarget } from '../../src/targets/load.js';
import { buildFirmware } from '../../src/toolchain/build.js';
import { ensureIcountPlugin } from '../../src/toolchain/icount-plugin.js';
import { findProfileMarkers, icountQemuArgs, readIcountReport, type IcountReport } from '../../src/toolchain/icount.js';
import { runFirmware } from '../../src/toolchain/run.js';
import { runModelOnTarget } from '../../src/toolchain/run-model.js';

const HARNESS = join(packageRoot(), 'templates', 'harness');
const FIXTURE = join(packageRoot(), 'test', 'fixtures', 'icount');

/** Instructions per region id (the fixture uses each id once). */
const byId = (report: IcountReport): Map<number, number> => new Map(report.regions.map((r) => [r.id, r.instructions]));

// Every emulated target: the markers, the plugin and the address arithmetic must work for Thumb and RISC-V.
for (const target of listTargets().filter((t) => t.qemu)) {
  describe(`exact instruction counts on ${target.name}`, function () {
    this.timeout(180_000);
    let scratch: string;
    let elf: string;
    let plugin: string;

    before(async () => {
      scratch = mkdtempSync(join(tmpdir(), `bnngen-icount-${target.name}-`));
      plugin = await ensureIcountPlugin();
      const build = await buildFirmware({
        target, sourceDir: FIXTURE, extraSources: [join(HARNESS, 'bnn_profile.c')], outDir: scratch, extraCflags: ['-I', HARNESS],
      });
      elf = build.elf;
    });
    after(() => rmSync(scratch, { recursive: true, force: true }));

    async function count(args: string[], report = 'icount.txt', perInstruction = false): Promise<IcountReport> {
      const markers = await findProfileMarkers(target, elf);
      const qemuOptions = icountQemuArgs(plugin, markers, join(scratch, report), { perInstruction });
      const run = await runFirmware({ target, elf, args, cwd: scratch, timeoutMs: 60_000, qemuOptions });
      assert.equal(run.exitCode, 0, run.stdout);
      return readIcountReport(join(scratch, report));
    }

    it('counts a 4-instruction loop exactly: 4n more for n more iterations, the same in every run', async () => {
      const n = 1000;
      const first = await count([String(n)]);
      const again = await count([String(n)], 'again.txt');
      const doubled = await count([String(2 * n)], 'doubled.txt');
      const perInstruction = await count([String(n)], 'per-instruction.txt', true);
      assert.deepEqual(again, first, 'two runs of the same program give identical reports');
      assert.deepEqual(perInstruction, first, 'counting per block and per instruction agree');
      const a = byId(first);
      const b = byId(doubled);
      assert.deepEqual(first.regions.map((r) => r.id), [0, 1, 3, 2], 'regions in the order they closed');
      assert.equal(a.get(1)! - a.get(0)!, 4 * n, 'spin(2n) - spin(n) in one run');
      assert.equal(b.get(0)! - a.get(0)!, 4 * n, 'spin(2n) - spin(n) across runs');
      const fixed = a.get(0)! - 4 * n;
      assert.ok(fixed >= 1 && fixed <= 6, `fixed cost of a region ${fixed}: loop setup and the call of the end marker`);
      // Nesting: region 2 holds region 3 and two marker calls (argument + call instruction each): begin(3), end(2).
      assert.equal(a.get(2)! - a.get(3)!, 4, 'region 2 - region 3');
      assert.ok(Math.abs(a.get(3)! - a.get(0)!) <= 1, 'region 3 and region 0 both spin n times');
      assert.equal(first.total, [...a.values()].reduce((x, y) => x + y, 0));
    });

    it('reports an end marker without a begin', async () => {
      await assert.rejects(count(['10', 'misuse'], 'misuse.txt'), (e: unknown) => e instanceof BnnError && /id 9/.test(e.reason));
    });
  });
}

describe('instruction counts of a model run', function () {
  this.timeout(180_000);
  const tinyModel = join(packageRoot(), 'test', 'fixtures', 'tiny-model');
  const inputs = Float32Array.from({ length: 3 * 6 }, (_, i) => (i % 5) - 2);

  it('gives one exact count per sample on an emulated target, identical across two runs and counting modes', async () => {
    const target = loadTarget('cortex-m4');
    const workDir = mkdtempSync(join(tmpdir(), 'bnngen-icount-model-'));
    try {
      const opts = { target, sourceDir: tinyModel, modelName: 'tiny', inputs, samples: 3, inputSize: 6, outputSize: 3 };
      const counted = await runModelOnTarget({ ...opts, countInstructions: true, workDir });
      const again = await runModelOnTarget({ ...opts, countInstructions: true });
      const plain = await runModelOnTarget(opts);
      const c = counted.instructions!;
      assert.equal(c.regions, 3);
      assert.equal(c.perRun.length, 3);
      assert.ok(c.perRun.every((n) => n > 50 && n < 5000), `per run ${c.perRun}`);
      assert.equal(c.total, c.perRun.reduce((x, y) => x + y, 0));
      assert.deepEqual(again.instructions, c);
      assert.deepEqual(plain.outputs, counted.outputs, 'the plugin does not change results');
      assert.equal(plain.instructions, undefined);

      // The same firmware counted before every instruction: the per-block count of a real program is exact too.
      const elf = join(workDir, 'firmware.elf');
      const qemuOptions = icountQemuArgs(await ensureIcountPlugin(), await findProfileMarkers(target, elf), join(workDir, 'insn.txt'), { perInstruction: true });
      const args = ['inputs.f32', 'outputs.f32', '3', '6', '3'];
      await runFirmware({ target, elf, args, cwd: workDir, timeoutMs: 60_000, qemuOptions });
      const perInstruction = await readIcountReport(join(workDir, 'insn.txt'));
      assert.deepEqual(perInstruction.regions.map((r) => r.instructions), c.perRun);
    } finally {
      rmSync(workDir, { recursive: true, force: true });
    }
  });

  it('has no counts on the host target', async () => {
    const run = await runModelOnTarget({
      target: loadTarget('host'), sourceDir: tinyModel, modelName: 'tiny', inputs, samples: 3, inputSize: 6, outputSize: 3, countInstructions: true,
    });
    assert.equal(run.instructions, undefined);
    assert.equal(run.outputs.length, 9);
  });
});
