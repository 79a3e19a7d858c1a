/**
 * The HTML report without a browser: its data (steps, verdicts, live bytes, memory plan), escaping of names from
 * the model file, self-containment, `compile --report`, and bad input in one line. test/qemu/report.test.ts
 * opens real reports in Chromium.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { packageRoot } from '../../src/io/package-root.js';
import { encodeModel, type ModelSpec } from '../../src/onnx/encode.js';
import { bufferLifetimes } from '../../src/phases/6-plan/plan.js';
import { compileBytes, type Compiled } from '../../src/pipeline.js';
import { escapeHtml } from '../../src/report/html.js';
import { buildReportData, type ReportData } from '../../src/report/model.js';
import { renderReport } from '../../src/report/render.js';
import { loadTarget } from '../../src/targets/load.js';
import { wordsInUse } from '../helpers/arena.js';
import { twoBinaryConvs } from '../helpers/bnn-models.js';

const CLI = join(packageRoot(), 'dist/src/cli/main.js');
const HOSTILE = 'bconv1"><script>alert("x")</script>&';

/**
 * The small block with its first conv renamed to markup, fed the real input (no Sign) and given a second weight
 * magnitude: it stays a float conv, for a reason the report must show.
 */
function hostileModel(): ModelSpec {
  const spec = twoBinaryConvs(3, 3, 8, 8, { channels: 8, kernel: 3, pad: 1, clip: true });
  const nodes = spec.nodes
    .filter((n) => n.name !== 'sign0')
    .map((n) => (n.name === 'bconv1' ? { ...n, name: HOSTILE, inputs: ['input', ...n.inputs.slice(1)] } : n));
  const initializers = spec.initializers!.map((i) => {
    if (i.name !== 'w1') return i;
    const data = Float32Array.from(i.tensor.data as Float32Array);
    data[0] = data[0]! * 1.5;
    return { ...i, tensor: { ...i.tensor, data } };
  });
  return { ...spec, nodes, initializers };
}

describe('HTML report: data and page', () => {
  const target = loadTarget('cortex-m4');
  let compiled: Compiled;
  let data: ReportData;
  let page: string;
  let dir: string;
  let model: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bnngen-report-unit-'));
    const bytes = encodeModel(hostileModel());
    compiled = compileBytes(bytes, 'hostile.onnx');
    data = buildReportData({ compiled, target, notMeasured: 'made in a test' });
    page = renderReport(data);
    model = join(dir, 'hostile.onnx');
    await writeFile(model, bytes);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('has one row per step, with the verdict of the layer the step computes', () => {
    assert.equal(data.steps.length, compiled.program.steps.length);
    const real = data.steps.filter((s) => s.verdict && !s.verdict.binary);
    assert.equal(real.length, 1);
    assert.equal(real[0]!.verdict!.node, HOSTILE);
    assert.equal(real[0]!.kind, 'real');
    assert.equal(real[0]!.origin[0], HOSTILE);
    const binary = data.steps.filter((s) => s.kind === 'binary');
    assert.deepEqual(binary.map((s) => s.verdict?.node), ['bconv2']);
    assert.equal(data.measurement, undefined);
    assert.equal(data.notMeasured, 'made in a test');
  });

  it('gives the arena bytes in use at each step from the buffer lifetimes; their peak is the lower bound', () => {
    const lifetimes = bufferLifetimes(compiled.program);
    data.steps.forEach((s, i) => {
      const live = lifetimes.filter((l) => l.first <= i && i <= l.last);
      assert.deepEqual(s.live, live.map((l) => l.buffer.id));
      assert.equal(s.liveBytes, 4 * wordsInUse(live.map((l) => l.buffer)));
    });
    assert.equal(Math.max(...data.steps.map((s) => s.liveBytes)), data.lowerBoundBytes);
    for (const b of data.buffers.filter((b) => b.offsetBytes !== undefined)) {
      assert.equal(b.offsetBytes, 4 * compiled.program.buffers[b.id]!.offset!);
    }
  });

  it('escapes names from the model file everywhere', () => {
    assert.ok(!page.includes(HOSTILE), 'the raw name must not appear');
    assert.ok(!page.includes('<script>alert'), 'no injected script');
    assert.ok(page.includes(escapeHtml(HOSTILE)));
    assert.equal(page.match(/<script>/g)?.length, 1, 'only the report\'s own script');
  });

  it('is self-contained: no external resource, no URL', () => {
    assert.doesNotMatch(page, /\b(src|href)\s*=/i);
    assert.doesNotMatch(page, /https?:\/\//);
    assert.doesNotMatch(page, /@import|url\(/);
  });

  it('renders one bar per step in every chart, and the not-measured note without a run', () => {
    for (const id of ['chart-macs', 'chart-flash', 'chart-ram']) {
      const svg = page.slice(page.indexOf(`id="${id}"`), page.indexOf('</svg>', page.indexOf(`id="${id}"`)));
      assert.equal(svg.match(/<rect class="bar /g)?.length, data.steps.length, id);
    }
    assert.ok(!page.includes('id="chart-instructions"'));
    assert.match(page, /id="not-measured">Not measured: made in a test/);
  });

  it('compile --report writes a static report next to the C', async () => {
    const out = join(dir, 'c');
    const html = join(dir, 'compile.html');
    const r = await execa('node', [CLI, 'compile', model, '--target', 'host', '-o', out, '--report', html], { reject: false });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`wrote the HTML report to ${html.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    const text = await readFile(html, 'utf8');
    assert.match(text, /Not measured: made by compile/);
    assert.ok(text.includes(escapeHtml(HOSTILE)));
  });

  it('refuses a report path in a missing folder or naming a folder, in one line with status 2', async () => {
    for (const [output, why] of [[join(dir, 'missing', 'r.html'), /no folder/], [dir, /it is a folder/]] as const) {
      const r = await execa('node', [CLI, 'report', model, '--target', 'cortex-m4', '--no-run', '-o', output], { reject: false });
      assert.equal(r.exitCode, 2, r.stderr);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, /^bnngen: cannot write the report to /);
      assert.match(r.stderr, why);
    }
    const r = await execa('node', [CLI, 'report', model, '--target', 'cortex-m4', '-o', join(dir, 'r.html'), '--samples', '0'], { reject: false });
    assert.equal(r.exitCode, 2, r.stderr);
    assert.equal(r.stderr.trim(), "bnngen: --samples must be a positive integer, got '0'");
  });
});
