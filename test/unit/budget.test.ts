import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { BnnError } from '../../src/errors.js';
import { packageRoot } from '../../src/io/package-root.js';
import { encodeModel } from '../../src/onnx/encode.js';
import { planMemory } from '../../src/phases/6-plan/plan.js';
import { emitC } from '../../src/phases/7-emit/emit.js';
import { estimateFootprint, type FootprintEstimate } from '../../src/phases/7-emit/footprint.js';
import { budgetSummary, checkBudget } from '../../src/targets/budget.js';
import { loadTarget } from '../../src/targets/load.js';
import type { Target } from '../../src/targets/target.js';
import { residualNet } from './lowered-cases.js';

const CLI = join(packageRoot(), 'dist/src/cli/main.js');

function refusal(fp: FootprintEstimate, target: Target, verb = 'compile'): string {
  try {
    checkBudget(fp, target, verb, 'net.onnx');
  } catch (e) {
    assert.ok(e instanceof BnnError, String(e));
    assert.equal(e.where.file, 'net.onnx');
    return e.reason;
  }
  assert.fail('the budget check passed');
}

const footprint = (flash: [number, number], ram: [number, number]): FootprintEstimate => ({
  constBytes: flash[0], codeBytes: flash[1], flashBytes: flash[0] + flash[1],
  arenaBytes: ram[0], stackBytes: ram[1], ramBytes: ram[0] + ram[1],
});

describe('footprint estimate and budget check', () => {
  const m0 = loadTarget('cortex-m0');
  const m4 = loadTarget('cortex-m4');

  it('counts the constants and the arena exactly as emitted, code and stack as allowances', () => {
    const p = planMemory(residualNet(5).program).program;
    const fp = estimateFootprint(p, m4);
    const c = emitC(p, m4).get('resnet_tiny.c')!;
    const header = /weights (\d+) bytes \(const, flash\); arena (\d+) bytes/.exec(c);
    assert.ok(header, 'model.c states its weights and arena');
    // Geometry: every static const struct or size table the emitted file declares, by its C type.
    const count = (re: RegExp) => (c.match(re) ?? []).length;
    const sizes = [...c.matchAll(/static const int32_t \w+_sizes\[(\d+)\]/g)].reduce((n, m) => n + 4 * Number(m[1]), 0);
    const geometry = 56 * count(/static const bnn_window_geom /g) + 12 * count(/static const bnn_shape /g) +
      48 * count(/static const bnn_remap_geom /g) + sizes;
    assert.equal(fp.constBytes, Number(header[1]) + geometry);
    assert.equal(fp.arenaBytes, Number(header[2]));
    assert.equal(fp.flashBytes, fp.constBytes + fp.codeBytes);
    assert.equal(fp.ramBytes, fp.arenaBytes + fp.stackBytes);
    // This net calls 10 different kernels in 21 steps; code is a few KiB plus 1-3 KiB per specialised bconv shape.
    assert.ok(fp.codeBytes > 4000 && fp.codeBytes < 24_000, `code ${fp.codeBytes}`);
    assert.ok(fp.stackBytes >= 640 && fp.stackBytes <= 1536, `stack ${fp.stackBytes}`);
    // The affine kernel's assembly loops (popcount_swar.h) count only on the Thumb-2 cores that compile them.
    const plain = estimateFootprint(p, { ...m4, cflags: [] });
    assert.ok(fp.codeBytes > plain.codeBytes, `code ${fp.codeBytes} with the assembly loops, ${plain.codeBytes} without`);
    // Without an FPU the soft-float routines are added; with kernels.fmac, the float convolutions' exact MAC too.
    assert.equal(estimateFootprint(p, { ...m0, kernels: { popcount: 'swar' } }).codeBytes, plain.codeBytes + 4096);
    assert.equal(estimateFootprint(p, m0).codeBytes, plain.codeBytes + 4096 + 896);
  });

  it('passes a model within the budget and names the numbers when RAM, flash or both exceed it', () => {
    assert.doesNotThrow(() => checkBudget(footprint([30_000, 2_144], [32_000, 768]), m0, 'compile'));
    assert.equal(refusal(footprint([46_532, 8_976], [150_528, 768]), m0),
      "model needs 151,296 bytes of RAM (arena 150,528 + stack about 768) but cortex-m0's budget (STM32F091RC) is " +
      '32,768 bytes; use --ignore-budget to compile anyway');
    assert.equal(refusal(footprint([262_000, 9_000], [1_000, 768]), m0, 'verify'),
      "model needs 271,000 bytes of flash (constants 262,000 + code about 9,000) but cortex-m0's budget (STM32F091RC) " +
      'is 262,144 bytes; use --ignore-budget to verify anyway');
    assert.match(refusal(footprint([300_000, 9_000], [40_000, 768]), m0),
      /needs 309,000 bytes of flash .* and 40,768 bytes of RAM .* is 262,144 bytes of flash and 32,768 bytes of RAM;/);
    assert.match(budgetSummary(footprint([46_532, 8_976], [150_528, 768]), m4),
      /^estimated footprint: 55,508 bytes of flash .*, 5 % of STM32F407VG's 1,048,576; 151,296 bytes of RAM .*, 77 % of 196,608$/);
  });
});

describe('CLI: the budget refusal', function () {
  this.timeout(120_000);
  let dir: string;
  let model: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bnngen-budget-'));
    model = join(dir, 'wide.onnx');
    // 16 x 48 x 48 floats between the two Relus: a 147,456-byte arena, far beyond a 32 KiB Cortex-M0.
    await writeFile(model, encodeModel({
      inputs: [{ name: 'x', dtype: 'float32', shape: [1, 16, 48, 48] }],
      outputs: [{ name: 'y', dtype: 'float32' }],
      nodes: [
        { name: 'relu1', opType: 'Relu', inputs: ['x'], outputs: ['h'] },
        { name: 'relu2', opType: 'Relu', inputs: ['h'], outputs: ['y'] },
      ],
    }));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const bnngen = (...args: string[]) => execa('node', [CLI, ...args], { reject: false });

  it('compile exits 2 with the numbers and writes nothing; --ignore-budget writes the files', async () => {
    const out = join(dir, 'out');
    const refused = await bnngen('compile', model, '--target', 'cortex-m0', '-o', out);
    assert.equal(refused.exitCode, 2, refused.stderr);
    assert.equal(refused.stderr.trim().split('\n').length, 1, refused.stderr);
    assert.equal(refused.stderr.trim(),
      `bnngen: ${model}: model needs 147,648 bytes of RAM (arena 147,456 + stack about 192) but cortex-m0's budget ` +
      '(STM32F091RC) is 32,768 bytes; use --ignore-budget to compile anyway');
    assert.equal(refused.stdout, '');
    assert.ok(!existsSync(out), 'no output directory on refusal');

    const forced = await bnngen('compile', model, '--target', 'cortex-m0', '-o', out, '--ignore-budget');
    assert.equal(forced.exitCode, 0, forced.stderr);
    assert.deepEqual(readdirSync(out).sort(), ['CMakeLists.txt', 'bnn_kernels.c', 'bnn_kernels.h', 'bnngen.mk', 'model.c', 'model.h']);
    assert.match(forced.stdout, /estimated footprint: .* 147,648 bytes of RAM .*, 451 % of 32,768/);

    const fits = await bnngen('compile', model, '--target', 'cortex-m4', '-o', join(dir, 'm4'));
    assert.equal(fits.exitCode, 0, fits.stderr);
  });

  it('verify and run refuse too, before building anything, unless told to ignore the budget', async () => {
    const verify = await bnngen('verify', model, '--target', 'cortex-m0', '--samples', '1');
    assert.equal(verify.exitCode, 2, verify.stderr);
    assert.match(verify.stderr, /^bnngen: .*wide\.onnx: model needs 147,648 bytes of RAM .* use --ignore-budget to verify anyway$/);
    const run = await bnngen('run', model, '--target', 'cortex-m3', '--input', join(dir, 'none.npy'), '--output', join(dir, 'y.npy'));
    assert.equal(run.exitCode, 2, run.stderr);
    assert.match(run.stderr, /cortex-m3's budget \(STM32F207ZG\) is 131,072 bytes; use --ignore-budget to run anyway/);
  });
});
