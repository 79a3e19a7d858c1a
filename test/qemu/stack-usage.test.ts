/**
 * Static worst-case stack of <name>_run (gcc -fstack-usage / -fcallgraph-info, summed along the deepest call
 * chain): the call-graph arithmetic on hand-written graphs, then every cross target with the example ResNet,
 * the golden small block and a network calling every kernel, checked against the stack budget and the
 * allowance the footprint estimate (and so the budget check) uses; and the line `bnngen compile` prints.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { formatTable } from '../../src/cli/common.js';
import { BnnError } from '../../src/errors.js';
import { encodeModel } from '../../src/onnx/encode.js';
import { writeGeneratedFiles } from '../../src/io/output-dir.js';
import { packageRoot } from '../../src/io/package-root.js';
import type { Program } from '../../src/lowered/program.js';
import { planMemory } from '../../src/phases/6-plan/plan.js';
import { emitC } from '../../src/phases/7-emit/emit.js';
import { estimateFootprint } from '../../src/phases/7-emit/footprint.js';
import { compileBytes, compileFile } from '../../src/pipeline.js';
import { listTargets } from '../../src/targets/load.js';
import {
  LIBRARY_CALL_STACK_BYTES, measureStackUsage, parseCallGraph, worstCaseStack, type CallGraph,
} from '../../src/toolchain/stack-usage.js';
import { EXAMPLE_MODEL, smallBlock } from '../helpers/golden.js';
import { residualNet } from '../unit/lowered-cases.js';

/** The stack a model's run may use on any cross target: 4 KiB, a common main-stack size on Cortex-M parts. */
const STACK_BUDGET = 4096;

const ci = (...lines: string[]): CallGraph => parseCallGraph(['graph: { title: "x.c"', ...lines, '}'].join('\n'));
const node = (title: string, bytes: number, qualifier = 'static') =>
  `node: { title: "${title}" label: "${title.replace(/^.*:/, '')}\\nx.c:1:1\\n${bytes} bytes (${qualifier})" }`;
const edge = (from: string, to: string) => `edge: { sourcename: "${from}" targetname: "${to}" label: "x.c:2:3" }`;
const builtin = (title: string) => `node: { title: "${title}" label: "__builtin_${title}\\n<built-in>" shape : ellipse }`;

const reason = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof BnnError, String(e));
    return e.reason;
  }
  assert.fail('no error');
};

describe('static stack usage: the call-graph arithmetic', () => {
  it('sums frames along the deepest chain, static helpers and library routines included', () => {
    const graph = ci(
      node('model_run', 40), node('k_small', 100), node('k_big', 500), node('x.c:helper', 30), builtin('memcpy'),
      edge('model_run', 'k_small'), edge('model_run', 'k_big'), edge('k_small', 'x.c:helper'), edge('k_big', 'memcpy'),
      edge('k_small', 'memcpy'),
    );
    const s = worstCaseStack(graph, 'model_run');
    assert.equal(s.bytes, 40 + 500 + LIBRARY_CALL_STACK_BYTES);
    assert.deepEqual(s.chain.map((f) => [f.name, f.bytes, f.library]), [
      ['model_run', 40, false], ['k_big', 500, false], ['memcpy', LIBRARY_CALL_STACK_BYTES, true],
    ]);
    assert.deepEqual(s.libraryCalls, ['memcpy']);
    // A helper kept out of line adds to its kernel's frame.
    assert.equal(worstCaseStack(ci(node('run', 8), node('k', 100), node('x.c:h', 30), edge('run', 'k'), edge('k', 'x.c:h')), 'run').bytes, 138);
  });

  it('takes the frame from the object defining a function, not from a caller declaring it', () => {
    const graph = parseCallGraph(['node: { title: "k" label: "k" }', edge('run', 'k'), node('run', 16)].join('\n'));
    parseCallGraph(node('k', 200), graph);
    assert.equal(worstCaseStack(graph, 'run').bytes, 216);
  });

  it('refuses what has no static bound: recursion, calls through pointers, variable frames, a missing entry', () => {
    assert.match(reason(() => worstCaseStack(ci(node('run', 8), node('a', 8), edge('run', 'a'), edge('a', 'run')), 'run')), /recursion run -> a -> run/);
    const indirect = ci(node('run', 8), 'node: { title: "__indirect_call" label: "Indirect Call Placeholder" shape : ellipse }', edge('run', '__indirect_call'));
    assert.match(reason(() => worstCaseStack(indirect, 'run')), /run calls through a pointer/);
    assert.match(reason(() => worstCaseStack(ci(node('run', 8, 'dynamic')), 'run')), /run has a dynamic stack frame/);
    assert.match(reason(() => worstCaseStack(ci(node('run', 8)), 'other_run')), /other_run was not compiled/);
  });
});

describe('static stack usage of <name>_run on every cross target', function () {
  this.timeout(300_000);
  const models: { name: string; program: Program }[] = [];
  const table = new Map<string, Map<string, number>>();
  let scratch: string;

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'bnngen-stack-test-'));
    models.push({ name: 'irnet-fashion-mnist', program: (await compileFile(EXAMPLE_MODEL)).program });
    models.push({ name: 'two-binary-convs', program: compileBytes(encodeModel(smallBlock()), 'two-binary-convs.onnx').program });
    models.push({ name: 'resnet_tiny', program: planMemory(residualNet(20240605).program).program });
  });
  after(() => rmSync(scratch, { recursive: true, force: true }));

  for (const target of listTargets().filter((t) => t.qemu)) {
    it(`${target.name}: below ${STACK_BUDGET} bytes, within the footprint allowance, arena + stack within the part's RAM`, async () => {
      const row = new Map<string, number>();
      table.set(target.name, row);
      for (const { name, program } of models) {
        const dir = join(scratch, target.name, name);
        await writeGeneratedFiles(dir, emitC(program, target));
        const usage = await measureStackUsage({
          target, sources: [join(dir, `${program.name}.c`), join(dir, 'bnn_kernels.c')], includeDir: dir, entry: `${program.name}_run`,
        });
        row.set(name, usage.bytes);
        const chain = usage.chain.map((f) => `${f.name} ${f.bytes}`).join(' -> ');
        assert.equal(usage.chain[0]!.name, `${program.name}_run`);
        assert.ok(usage.chain.length >= 2 && usage.bytes > usage.chain[0]!.bytes, `${name}: the run calls a kernel (${chain})`);
        assert.ok(usage.bytes < STACK_BUDGET, `${name}: ${usage.bytes} bytes (${chain})`);
        const estimate = estimateFootprint(program, target);
        assert.ok(usage.bytes <= estimate.stackBytes, `${name}: measured ${usage.bytes} > the estimate's allowance ${estimate.stackBytes} (${chain})`);
        if (estimate.ramBytes <= target.part.ram) {
          assert.ok(estimate.arenaBytes + usage.bytes <= target.part.ram, `${name}: arena + stack exceed ${target.part.name}'s RAM`);
        }
      }
    });
  }

  it('prints the numbers (bytes, targets x models)', () => {
    const rows = [...table].map(([target, row]) => [target, ...models.map((m) => String(row.get(m.name) ?? '-'))]);
    process.stdout.write(`\n${formatTable(['target', ...models.map((m) => m.name)], rows, new Set([1, 2, 3])).replace(/^/gm, '      ')}\n\n`);
    assert.equal(rows.length, listTargets().filter((t) => t.qemu).length);
  });
});

describe('bnngen compile reports the stack', function () {
  this.timeout(120_000);
  const cli = join(packageRoot(), 'dist/src/cli/main.js');
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'bnngen-stack-cli-'));
    writeFileSync(join(dir, 'block.onnx'), encodeModel(smallBlock()));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('prints the measured bytes and the chain', async () => {
    const r = await execa(process.execPath, [cli, 'compile', join(dir, 'block.onnx'), '--target', 'cortex-m4', '-o', join(dir, 'out')]);
    assert.match(r.stdout, /^stack: [\d,]+ bytes \(static, -fstack-usage\): model_run \d+ -> bnn_bconv2d_\w+ \d+/m);
  });

  it('still compiles without the cross compiler, saying what it could not measure', async () => {
    const r = await execa(process.execPath, [cli, 'compile', join(dir, 'block.onnx'), '--target', 'cortex-m4', '-o', join(dir, 'out2')], {
      env: { PATH: join(dir, 'no-tools') }, extendEnv: false, reject: false,
    });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stdout, /^stack: not measured \(arm-none-eabi-gcc not found: install gcc-arm-none-eabi picolibc-arm-none-eabi\)$/m);
    assert.match(r.stdout, /^wrote 6 files/m);
  });
});
