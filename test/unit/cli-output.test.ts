/**
 * Output conventions of every command (docs/cli.md): --json gives one document and nothing else on stdout,
 * --quiet and --verbose, colour only on a terminal and never with NO_COLOR, progress bars only on a terminal
 * (and erased), exit statuses 0/1/2/3 and their --help text.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Command } from 'commander';
import { execa } from 'execa';
import { action, EXIT } from '../../src/cli/common.js';
import { colorEnabled, Output, type OutputEnvironment } from '../../src/cli/output.js';
import { passed } from '../../src/cli/verify.js';
import { packageRoot } from '../../src/io/package-root.js';
import { writeNpy } from '../../src/io/npy.js';
import { encodeModel } from '../../src/onnx/encode.js';
import type { VerifyReport } from '../../src/verify.js';
import { rng, twoBinaryConvs } from '../helpers/bnn-models.js';

const CLI = join(packageRoot(), 'dist/src/cli/main.js');
const ANSI = /\u001b\[/;
/** The environment of a plain pipe: no colour variables inherited from whoever runs the tests. */
const PLAIN_ENV = { NO_COLOR: undefined, FORCE_COLOR: undefined, TERM: 'xterm' };

function bnngen(args: string[], env: Record<string, string | undefined> = {}) {
  return execa('node', [CLI, ...args], { reject: false, env: { ...PLAIN_ENV, ...env } });
}

/** Streams that record what is written, with a chosen isTTY. */
function fakeIo(stdoutTTY: boolean, stderrTTY: boolean, env: NodeJS.ProcessEnv = {}): OutputEnvironment & { text: () => { out: string; err: string } } {
  const record = (isTTY: boolean) => {
    const stream = Object.assign(new PassThrough(), { isTTY, columns: 80 });
    const chunks: string[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c.toString()));
    return { stream, chunks };
  };
  const out = record(stdoutTTY);
  const err = record(stderrTTY);
  return { stdout: out.stream, stderr: err.stream, env, text: () => ({ out: out.chunks.join(''), err: err.chunks.join('') }) };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('CLI output: colour, quiet, verbose, progress (unit)', () => {
  it('colour: on a terminal only; NO_COLOR (non-empty) always wins; FORCE_COLOR forces it; TERM=dumb disables', () => {
    assert.equal(colorEnabled({ isTTY: true }, {}), true);
    assert.equal(colorEnabled({ isTTY: false }, {}), false);
    assert.equal(colorEnabled({}, {}), false);
    assert.equal(colorEnabled({ isTTY: true }, { NO_COLOR: '1' }), false);
    assert.equal(colorEnabled({ isTTY: true }, { NO_COLOR: '' }), true);
    assert.equal(colorEnabled({ isTTY: false }, { FORCE_COLOR: '1' }), true);
    assert.equal(colorEnabled({ isTTY: false }, { FORCE_COLOR: '0' }), false);
    assert.equal(colorEnabled({ isTTY: true }, { FORCE_COLOR: '1', NO_COLOR: 'yes' }), false);
    assert.equal(colorEnabled({ isTTY: true }, { TERM: 'dumb' }), false);
  });

  it('print is silenced by --quiet and --json, detail needs --verbose, warnings always reach stderr', async () => {
    const cases: Array<[{ quiet?: boolean; verbose?: boolean; json?: boolean }, string]> = [
      [{}, 'result\n'], [{ quiet: true }, ''], [{ json: true }, ''], [{ verbose: true }, 'result\ndetail\n'],
    ];
    for (const [options, expected] of cases) {
      const io = fakeIo(false, false);
      const out = new Output(options, io);
      out.print('result');
      out.detail('detail');
      out.warn('careful');
      await tick();
      assert.equal(io.text().out, expected, JSON.stringify(options));
      assert.equal(io.text().err, 'bnngen: warning: careful\n');
    }
  });

  it('styles colour stdout text only when stdout is a terminal', () => {
    assert.equal(new Output({}, fakeIo(false, false)).style.pass('PASS'), 'PASS');
    assert.equal(new Output({}, fakeIo(true, false)).style.pass('PASS'), '\u001b[1;32mPASS\u001b[0m');
    assert.equal(new Output({}, fakeIo(true, false, { NO_COLOR: '1' })).style.fail('FAIL'), 'FAIL');
  });

  it('a progress bar is drawn on a terminal stderr and erased when stopped; never off a terminal, quiet or json', async () => {
    const io = fakeIo(false, true);
    const out = new Output({}, io);
    assert.equal(out.showsProgress, true);
    const bar = out.progress('verify');
    bar.update({ done: 0, total: 4, stage: 'reference executor' });
    bar.update({ done: 3, total: 4, stage: 'float ONNX model' });
    bar.stop();
    await tick();
    const err = io.text().err;
    assert.match(err, /verify \[=+-+\] 3\/4 float ONNX model/);
    assert.ok(err.endsWith('\u001b[2K') || /\u001b\[2K[^=]*$/.test(err), `the bar is not erased at the end: ${JSON.stringify(err.slice(-40))}`);
    assert.equal(io.text().out, '');
    for (const [options, stderrTTY] of [[{}, false], [{ quiet: true }, true], [{ json: true }, true]] as const) {
      const quietIo = fakeIo(true, stderrTTY);
      const display = new Output(options, quietIo).progress('verify');
      display.update({ done: 1, total: 2, stage: 'x' });
      display.stop();
      await tick();
      assert.deepEqual(quietIo.text(), { out: '', err: '' }, JSON.stringify(options));
    }
  });

  it('exit statuses: BnnError -> 2, other errors -> 3 with the stack only under --verbose, a mismatch -> 1', async () => {
    const saved = { exitCode: process.exitCode, write: process.stderr.write };
    const written: string[] = [];
    process.stderr.write = ((chunk: string) => written.push(chunk) > 0) as typeof process.stderr.write;
    try {
      const verbose = new Command().option('-v, --verbose');
      verbose.parse(['node', 'x', '--verbose']);
      await action(async (_cmd: Command) => {
        throw new Error('boom\nsecond line');
      })(verbose);
      assert.equal(process.exitCode, EXIT.internal);
      assert.match(written.join(''), /^bnngen: internal error: boom\n/);
      assert.match(written.join(''), /\n\s+at /, 'the stack is printed under --verbose');
      written.length = 0;
      await action(async (_cmd: Command) => {
        throw new Error('boom');
      })(new Command());
      assert.equal(process.exitCode, EXIT.internal);
      assert.doesNotMatch(written.join(''), /\n\s+at /);
      await action(async () => EXIT.mismatch)();
      assert.equal(process.exitCode, 1);
    } finally {
      process.stderr.write = saved.write;
      process.exitCode = saved.exitCode;
    }
    const report = { samples: 7, bitExact: 6 } as VerifyReport;
    assert.equal(passed(report), false);
    assert.equal(passed({ ...report, bitExact: 7 }), true);
  });
});

describe('CLI output conventions (end to end)', function () {
  this.timeout(120_000);
  let dir: string;
  let model: string;
  let inputs: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bnngen-cli-output-'));
    model = join(dir, 'block.onnx');
    await writeFile(model, encodeModel(twoBinaryConvs(4, 3, 6, 6, { channels: 8, kernel: 3, pad: 1, clip: true })));
    const r = rng(9);
    inputs = join(dir, 'x.npy');
    writeNpy(inputs, Float32Array.from({ length: 3 * 3 * 6 * 6 }, () => r() * 2 - 1), [3, 3, 6, 6]);
  });

  it('inspect --json: one JSON document with its schema tag on stdout, nothing on stderr', async () => {
    const r = await bnngen(['inspect', model, '--json']);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(r.stderr, '');
    const doc = JSON.parse(r.stdout) as { schema: string; file: string; layers: unknown[]; verdicts: { binary: boolean }[] };
    assert.equal(doc.schema, 'bnngen.inspect/1');
    assert.equal(doc.file, model);
    assert.ok(doc.layers.length > 0);
    assert.ok(doc.verdicts.some((v) => v.binary));
  });

  it('verify --json (host): only the document on stdout, with schema, pass and the counts', async () => {
    const r = await bnngen(['verify', model, '--target', 'host', '--input', inputs, '--json']);
    assert.equal(r.exitCode, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as { schema: string; pass: boolean; samples: number; bitExact: number; target: string };
    assert.deepEqual([doc.schema, doc.pass, doc.samples, doc.bitExact, doc.target], ['bnngen.verify/1', true, 3, 3, 'host']);
  });

  it('verify prints PASS plainly into a pipe, in colour with FORCE_COLOR, plainly again with NO_COLOR', async () => {
    const plain = await bnngen(['verify', model, '--target', 'host', '--input', inputs]);
    assert.equal(plain.exitCode, 0, plain.stderr);
    assert.match(plain.stdout, /^PASS$/m);
    assert.doesNotMatch(plain.stdout + plain.stderr, ANSI);
    const forced = await bnngen(['verify', model, '--target', 'host', '--input', inputs], { FORCE_COLOR: '1' });
    assert.match(forced.stdout, /\u001b\[1;32mPASS\u001b\[0m/);
    const refused = await bnngen(['verify', model, '--target', 'host', '--input', inputs], { FORCE_COLOR: '1', NO_COLOR: '1' });
    assert.doesNotMatch(refused.stdout, ANSI);
  });

  it('an error line is red only when colour is on; the exit status stays 2', async () => {
    const missing = join(dir, 'missing.onnx');
    const plain = await bnngen(['inspect', missing]);
    assert.equal(plain.exitCode, 2);
    assert.match(plain.stderr, /^bnngen: /);
    const red = await bnngen(['inspect', missing], { FORCE_COLOR: '1' });
    assert.equal(red.exitCode, 2);
    assert.match(red.stderr, /^\u001b\[31mbnngen: .*missing\.onnx/);
  });

  it('--quiet prints nothing on stdout (the files are still written); --verbose lists them', async () => {
    const quiet = await bnngen(['compile', model, '--target', 'host', '-o', join(dir, 'q'), '--quiet']);
    assert.equal(quiet.exitCode, 0, quiet.stderr);
    assert.equal(quiet.stdout, '');
    assert.ok(existsSync(join(dir, 'q', 'model.c')));
    const verbose = await bnngen(['compile', model, '--target', 'host', '-o', join(dir, 'v'), '--verbose']);
    assert.equal(verbose.exitCode, 0, verbose.stderr);
    assert.match(verbose.stdout, /^ {2}bnngen\.mk: [\d,]+ bytes$/m);
    const targets = await bnngen(['targets', '-q']);
    assert.deepEqual([targets.exitCode, targets.stdout], [0, '']);
  });

  it('usage errors exit with 2: a missing option, --quiet with --verbose', async () => {
    assert.equal((await bnngen(['verify', model])).exitCode, 2);
    const both = await bnngen(['inspect', model, '--quiet', '--verbose']);
    assert.equal(both.exitCode, 2);
    assert.match(both.stderr, /cannot be used with/);
  });

  it('--help of the program and of each command documents the exit statuses', async () => {
    for (const args of [['--help'], ['verify', '--help'], ['compile', '--help'], ['bench', '--help']]) {
      const r = await bnngen(args);
      assert.equal(r.exitCode, 0);
      assert.match(r.stdout, /Exit status:\n {2}0 .*\n {2}1 .*verification failed.*\n {2}2 .*bad input or usage.*\n {2}3 .*internal error/);
      if (args.length === 2) assert.match(r.stdout, /--quiet[\s\S]*--verbose/);
    }
  });

  it('on a terminal (script(1) gives a pseudo-terminal) verify draws a progress bar on stderr and erases it', async () => {
    const command = ['node', CLI, 'verify', model, '--target', 'host', '--input', inputs].map((a) => `'${a}'`).join(' ');
    const tty = await execa('script', ['-qec', command, '/dev/null'], { reject: false, env: { ...PLAIN_ENV, NO_COLOR: '1' } });
    assert.equal(tty.exitCode, 0, tty.stdout);
    assert.match(tty.stdout, /verify \[[=-]+\] \d+\/7 /);
    assert.match(tty.stdout, /\u001b\[2K/, 'the bar line is erased');
    assert.match(tty.stdout, /PASS/);
    const json = await execa('script', ['-qec', `${command} --json`, '/dev/null'], { reject: false, env: { ...PLAIN_ENV, NO_COLOR: '1' } });
    assert.doesNotMatch(json.stdout, /verify \[/);
    assert.equal((JSON.parse(json.stdout.replaceAll('\r', '')) as { pass: boolean }).pass, true);
  });
});
