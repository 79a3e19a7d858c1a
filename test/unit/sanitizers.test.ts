/**
 * The generated C under AddressSanitizer and UndefinedBehaviorSanitizer (target host-asan: host gcc with
 * -fsanitize=address,undefined -fno-sanitize-recover=all, so any report ends the run with an error): the example
 * ResNet and small generated models on 32 Fashion-MNIST test images, bit-exact with the reference executor and
 * without a report; and a deliberately wrong model, to show that a report does fail the run.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BnnError } from '../../src/errors.js';
import { loadDataset } from '../../src/io/datasets.js';
import { packageRoot } from '../../src/io/package-root.js';
import { encodeModel } from '../../src/onnx/encode.js';
import { compileBytes, compileFile, type Compiled } from '../../src/pipeline.js';
import { loadTarget } from '../../src/targets/load.js';
import { runModelOnTarget } from '../../src/toolchain/run-model.js';
import { verify } from '../../src/verify.js';
import { twoBinaryConvs } from '../helpers/bnn-models.js';
import { EXAMPLE_MODEL } from '../helpers/golden.js';

const SAMPLES = 32;

const MODELS: readonly [string, () => Promise<Compiled>][] = [
  ['the example ResNet', () => compileFile(EXAMPLE_MODEL)],
  ['a binary block (threshold, then affine epilogue)', async () =>
    compileBytes(encodeModel(twoBinaryConvs(7, 1, 28, 28, { channels: 40, kernel: 3, pad: 1, clip: true })), 'block.onnx')],
  ['a strided 5x5 binary block', async () =>
    compileBytes(encodeModel(twoBinaryConvs(8, 1, 28, 28, { channels: 33, kernel: 5, pad: 2, stride: 2 })), 'strided.onnx')],
];

describe('sanitizers: the generated C on host-asan', function () {
  this.timeout(300_000);
  const target = loadTarget('host-asan');
  const data = loadDataset('fashion-mnist', 'test', SAMPLES);
  const samples = { inputs: data.inputs, count: SAMPLES, labels: data.labels, description: 'fashion-mnist' };

  it('builds with both sanitizers and stops at the first report', () => {
    assert.ok(target.cflags.includes('-fsanitize=address,undefined') && target.ldflags.includes('-fsanitize=address,undefined'));
    assert.ok(target.cflags.includes('-fno-sanitize-recover=all'));
  });

  for (const [what, compile] of MODELS) {
    it(`${what}: ${SAMPLES} Fashion-MNIST images, no report, bit-exact`, async () => {
      const report = await verify(await compile(), target, samples);
      assert.equal(report.bitExact, SAMPLES, JSON.stringify(report.firstMismatch));
    });
  }

  describe('a report fails the run, quoting it', () => {
    let dir: string;
    before(() => (dir = mkdtempSync(join(tmpdir(), 'bnngen-asan-'))));
    after(() => rmSync(dir, { recursive: true, force: true }));

    /** tiny_run (test/fixtures/tiny-model/tiny.h) with `body`; runs one sample on `targetName`. */
    async function runTiny(name: string, body: string, targetName: string): Promise<string> {
      const src = join(dir, name);
      mkdirSync(src, { recursive: true });
      copyFileSync(join(packageRoot(), 'test/fixtures/tiny-model/tiny.h'), join(src, 'tiny.h'));
      writeFileSync(join(src, 'tiny.c'), `#include "tiny.h"\nint tiny_run(const float *input, float *output)\n{\n${body}\n    return 0;\n}\n`);
      try {
        await runModelOnTarget({
          target: loadTarget(targetName), sourceDir: src, modelName: 'tiny', inputs: new Float32Array(6).fill(1), samples: 1, inputSize: 6, outputSize: 3,
        });
        return 'ok';
      } catch (e) {
        assert.ok(e instanceof BnnError, String(e));
        return e.reason;
      }
    }

    it('AddressSanitizer: a read past the input', async () => {
      const body = '    for (int i = 0; i < 3; ++i) {\n        output[i] = input[i + 4];\n    }';
      assert.equal(await runTiny('overflow', body, 'host'), 'ok', 'unnoticed without the sanitizer');
      assert.match(await runTiny('overflow', body, 'host-asan'), /^harness for tiny on host-asan exited with status 1: ERROR: AddressSanitizer: global-buffer-overflow/);
    });

    it('UndefinedBehaviorSanitizer: a signed overflow', async () => {
      const body = '    int big = 2147483000 + (int)input[0] * 1000;\n    output[0] = output[1] = output[2] = (float)big;';
      assert.match(await runTiny('signed', body, 'host-asan'), /^harness for tiny on host-asan exited with status 1: .*tiny\.c:4:\d+: runtime error: signed integer overflow/);
    });
  });
});
