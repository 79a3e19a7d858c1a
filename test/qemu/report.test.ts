/**
 * HTML reports in a real headless Chromium (Debian's, driven by playwright-core), on cortex-m4: `report --verify`
 * of the example, and `bench --json --report` of a small block (its JSON is the bench data the bars must show),
 * made side by side. The pages must load nothing, log no error, and draw what the data says: a bar per step with
 * the exact instruction count and a height in proportion, the verdicts with their reasons, the compiler's memory
 * plan, the verification summary.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import type { Browser, Page } from 'playwright-core';
import type { BenchReport } from '../../src/bench.js';
import { stepCost } from '../../src/lowered/cost.js';
import { packageRoot } from '../../src/io/package-root.js';
import { bufferLifetimes } from '../../src/phases/6-plan/plan.js';
import { compileFile, type Compiled } from '../../src/pipeline.js';
import { encodeModel } from '../../src/onnx/encode.js';
import { BAR_CHART } from '../../src/report/bar-chart.js';
import { wordsInUse } from '../helpers/arena.js';
import { twoBinaryConvs } from '../helpers/bnn-models.js';
import { launchChromium, openFile, type OpenedPage } from '../helpers/browser.js';

const CLI = join(packageRoot(), 'dist/src/cli/main.js');
const MODEL = join(packageRoot(), 'examples/irnet-fashion-mnist/model.onnx');
const n = (v: number) => Math.round(v).toLocaleString('en-US');

interface DrawnBar {
  readonly step: number;
  readonly value: number;
  /** Height in the SVG's own units, and as laid out on the page in CSS pixels. */
  readonly height: number;
  readonly rendered: number;
  readonly title: string;
}

/** The chart's axis top, its bars, and CSS pixels per SVG unit as laid out. */
async function bars(page: Page, chart: string): Promise<{ max: number; bars: DrawnBar[]; pixelsPerUnit: number }> {
  return page.$eval(`#${chart}`, (svg) => ({
    max: Number(svg.getAttribute('data-max')),
    pixelsPerUnit: svg.getBoundingClientRect().width / (svg as SVGSVGElement).viewBox.baseVal.width,
    bars: [...svg.querySelectorAll('rect.bar')].map((r) => ({
      step: Number(r.getAttribute('data-step')),
      value: Number(r.getAttribute('data-value')),
      height: Number(r.getAttribute('height')),
      rendered: r.getBoundingClientRect().height,
      title: r.querySelector('title')?.textContent ?? '',
    })),
  }));
}

describe('HTML report in Chromium (example on cortex-m4)', function () {
  this.timeout(600_000);
  let dir: string;
  let compiled: Compiled;
  let bench: BenchReport;
  let browser: Browser;
  let report: OpenedPage;
  let fromBench: OpenedPage;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bnngen-report-test-'));
    const block = join(dir, 'block.onnx');
    await writeFile(block, encodeModel(twoBinaryConvs(7, 3, 8, 8, { channels: 16, kernel: 3, pad: 1, clip: true })));
    const [r, b] = await Promise.all([
      execa('node', [CLI, 'report', MODEL, '--target', 'cortex-m4', '-o', join(dir, 'report.html'), '--verify', '--samples', '1'], { reject: false }),
      execa('node', [CLI, 'bench', block, '--target', 'cortex-m4', '--json', '--report', join(dir, 'bench.html')], { reject: false }),
    ]);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(b.exitCode, 0, b.stderr);
    bench = JSON.parse(b.stdout) as BenchReport;
    compiled = await compileFile(MODEL);
    browser = await launchChromium();
    report = await openFile(browser, join(dir, 'report.html'));
    fromBench = await openFile(browser, join(dir, 'bench.html'));
  });
  after(async () => {
    await browser?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('loads nothing from outside and logs no error', () => {
    assert.deepEqual(report.problems, []);
    assert.deepEqual(fromBench.problems, []);
  });

  /** The bars of the instruction chart: one per step, each drawn at value / axis top of the plot, visibly. */
  async function instructionBars(page: Page, steps: number): Promise<DrawnBar[]> {
    const { max, bars: drawn, pixelsPerUnit } = await bars(page, 'chart-instructions');
    assert.equal(drawn.length, steps);
    const largest = Math.max(...drawn.map((d) => d.value));
    assert.ok(max >= largest && max < 2.5 * largest, `axis top ${max} for a largest bar of ${largest}`);
    assert.ok(pixelsPerUnit > 0.5, `the chart is ${pixelsPerUnit} pixels per unit wide`);
    const plot = BAR_CHART.height - BAR_CHART.top - BAR_CHART.bottom;
    drawn.forEach((d, i) => {
      assert.equal(d.step, i);
      assert.ok(d.value > 0, `step ${i} executes instructions`);
      assert.ok(Math.abs(d.height - Math.max(1, (d.value / max) * plot)) < 0.01, `step ${i}: height ${d.height} for ${d.value}`);
      // As laid out by the browser: visible, and the drawn height at the page's scale.
      assert.ok(d.rendered > 0 && Math.abs(d.rendered - d.height * pixelsPerUnit) < 0.5, `step ${i} rendered ${d.rendered}`);
      assert.ok(d.title.includes(`#${i} `) && d.title.includes(n(d.value)), d.title);
    });
    return drawn;
  }

  it('draws the bench\'s exact instruction count of every step (bench --report)', async () => {
    const drawn = await instructionBars(fromBench.page, bench.binary.steps.length);
    assert.deepEqual(drawn.map((d) => d.value), bench.binary.steps.map((s) => s.instructions.mean));
    bench.binary.steps.forEach((s, i) => assert.ok(drawn[i]!.title.startsWith(`#${i} ${s.kernel} (${s.origin})`), drawn[i]!.title));
  });

  it('draws an instruction bar per step of the example that add up to the verified whole run', async () => {
    const drawn = await instructionBars(report.page, compiled.program.steps.length);
    // Coloured by kind: binary bars are exactly the binary convolutions.
    const binary = await report.page.$$eval('#chart-instructions rect.bar.binary', (rs) => rs.map((r) => Number(r.getAttribute('data-step'))));
    assert.deepEqual(binary, compiled.program.steps.flatMap((st, i) => (st.kernel === 'bconv2d' ? [i] : [])));
    // verify counts a separate build without step markers: the steps' sum is within the markers' cost of it.
    const table = await report.page.$eval('#verification-table', (e) => e.textContent ?? '');
    const run = Number(/instructions per inference([\d,]+)/.exec(table)![1]!.replace(/,/g, ''));
    const sum = drawn.reduce((total, d) => total + d.value, 0);
    const steps = drawn.length;
    assert.ok(run >= sum - 4 * steps && run <= sum + 8 * steps + 24, `verified run ${run}, steps ${sum}`);
  });

  it('draws flash, MAC and RAM bars per step from the program and the bench', async () => {
    const p = compiled.program;
    const values = async (page: Page, chart: string) => (await bars(page, chart)).bars.map((b) => b.value);
    assert.deepEqual(await values(report.page, 'chart-flash'), p.steps.map((st) => stepCost(p, st).bytes));
    assert.deepEqual(await values(report.page, 'chart-macs'), p.steps.map((st) => stepCost(p, st).macs));
    assert.deepEqual(await values(fromBench.page, 'chart-flash'), bench.binary.steps.map((st) => st.constBytes));
    assert.deepEqual(await values(fromBench.page, 'chart-macs'), bench.binary.steps.map((st) => st.binaryMacs + st.realMacs));
    const ram = await values(report.page, 'chart-ram');
    const lifetimes = bufferLifetimes(p);
    assert.deepEqual(ram, p.steps.map((_, i) => 4 * wordsInUse(lifetimes.filter((l) => l.first <= i && i <= l.last).map((l) => l.buffer))));
    assert.equal(Math.max(...ram), 4 * compiled.lowerBoundWords);
    const arena = await report.page.$eval('#chart-ram .reference-label', (e) => e.textContent);
    assert.equal(arena, `arena ${n(4 * compiled.arenaWords)} B`);
  });

  it('names every conv/linear layer binary or not, with the compiler\'s reason', async () => {
    const rows = await report.page.$$eval('#verdict-table tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
    const verdicts = compiled.binarized.verdicts;
    assert.equal(rows.length, verdicts.length);
    verdicts.forEach((v, i) => {
      assert.deepEqual(rows[i]!.slice(0, 4), [v.node, v.opType, v.binary ? 'binary' : 'not binary', v.reason]);
    });
    assert.equal(verdicts.filter((v) => !v.binary).length, 2);
    const first = await report.page.$eval('#step-0 .why', (e) => e.textContent);
    assert.equal(first, `not binary: ${verdicts[0]!.reason}`);
    const heading = await report.page.$eval('#binarization h2', (e) => e.textContent);
    assert.equal(heading, `Binarization: 18 of 20 conv/linear layers binary`);
  });

  it('draws the layer graph: a box per step, and arcs for the residual shortcuts', async () => {
    const graph = await report.page.$eval('#layer-graph', (svg) => ({
      nodes: [...svg.querySelectorAll('g.node[data-step]')].map((g) => g.getAttribute('data-step')),
      skips: svg.querySelectorAll('path.edge.skip').length,
      visible: svg.getBoundingClientRect().height,
    }));
    assert.deepEqual(graph.nodes, compiled.program.steps.map((_, i) => String(i)));
    // Nine residual blocks, each adding its input back after two binary convs.
    assert.ok(graph.skips >= 9, `${graph.skips} skip arcs`);
    assert.ok(graph.visible > 1000);
  });

  it('lists the memory plan as the compiler made it, drawn and in the table', async () => {
    const expected = bufferLifetimes(compiled.program)
      .map((l) => ({ name: l.buffer.name, offset: 4 * l.buffer.offset!, bytes: 4 * l.buffer.words, first: l.first, last: l.last }))
      .sort((a, b) => a.first - b.first || a.offset - b.offset);
    const rows = await report.page.$$eval('#memory-table tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
    assert.deepEqual(rows.map((r) => [r[0], r[3], r[4], r[5]]), expected.map((e) => [e.name, n(e.bytes), n(e.offset), `${e.first}–${e.last}`]));
    const drawn = await report.page.$$eval('#memory-chart g.buffer', (gs) => gs.map((g) =>
      ['data-offset', 'data-bytes', 'data-first', 'data-last'].map((a) => Number(g.getAttribute(a)))));
    assert.deepEqual(drawn, expected.map((e) => [e.offset, e.bytes, e.first, e.last]));
    assert.ok(expected.every((e) => e.offset + e.bytes <= 4 * compiled.arenaWords));
  });

  it('shows the verification summary and the whole-run counts', async () => {
    const card = await report.page.$eval('#card-verify .value', (e) => e.textContent);
    assert.equal(card, 'PASS');
    const table = await report.page.$eval('#verification-table', (e) => e.textContent ?? '');
    assert.match(table, /bit-exact vs the lowered reference executor1\/1 \(100\.00 %\)/);
    // The bench report's card quotes the run `compile` builds, and the float path against it.
    const instructions = await fromBench.page.$eval('#card-instructions', (e) => e.textContent ?? '');
    assert.ok(instructions.includes(n(bench.binary.instructions.run.mean)), instructions);
    assert.ok(instructions.includes(`float path ${bench.floatOverBinary!.toFixed(2)}×`), instructions);
    assert.equal(await fromBench.page.$eval('#card-verify .value', (e) => e.textContent), 'not run');
  });

  it('highlights a step everywhere on hover, and takes a screenshot', async () => {
    await report.page.hover('#chart-instructions rect.bar[data-step="3"]');
    const lit = await report.page.$$eval('.hl', (els) => els.map((e) => e.getAttribute('data-step')));
    assert.ok(lit.length >= 5 && lit.every((s) => s === '3'), `highlighted: ${lit.join(',')}`);
    const png = join(dir, 'report.png');
    await report.page.screenshot({ path: png });
    assert.ok((await stat(png)).size > 20_000);
    assert.deepEqual(report.problems, []);
  });
});
