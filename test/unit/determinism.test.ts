import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { encodeModel } from '../../src/onnx/encode.js';
import { packageRoot } from '../../src/io/package-root.js';
import { twoBinaryConvs } from '../helpers/bnn-models.js';

const CLI = join(packageRoot(), 'dist/src/cli/main.js');
const EXAMPLE = join(packageRoot(), 'examples/irnet-fashion-mnist/model.onnx');

async function treeHashes(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(dir)).sort()) {
    out[name] = createHash('sha256').update(await readFile(join(dir, name))).digest('hex');
  }
  return out;
}

describe('deterministic output', () => {
  const models: Array<[string, () => Promise<string>]> = [
    ['a generated binary block', async () => {
      const file = join(await mkdtemp(join(tmpdir(), 'bnngen-det-')), 'block.onnx');
      await writeFile(file, encodeModel(twoBinaryConvs(5, 3, 10, 10, { channels: 40, kernel: 3, pad: 1, clip: true })));
      return file;
    }],
    ['the example model', async () => EXAMPLE],
  ];
  for (const [what, make] of models) {
    it(`compiling ${what} twice, from different working directories, gives identical trees (sha256)`, async () => {
      const model = await make();
      const [a, b] = [await mkdtemp(join(tmpdir(), 'bnngen-a-')), await mkdtemp(join(tmpdir(), 'bnngen-b-'))];
      const first = await execa('node', [CLI, 'compile', model, '--target', 'cortex-m4', '-o', join(a, 'out')], { cwd: tmpdir() });
      const second = await execa('node', [CLI, 'compile', model, '--target', 'cortex-m4', '-o', join(b, 'out')], { cwd: a });
      assert.equal(first.exitCode, 0);
      assert.equal(second.exitCode, 0);
      const [ha, hb] = [await treeHashes(join(a, 'out')), await treeHashes(join(b, 'out'))];
      assert.ok(Object.keys(ha).length >= 4);
      // The build fragments are part of the tree, so they are held to the same determinism.
      assert.ok('bnngen.mk' in ha && 'CMakeLists.txt' in ha, `build fragments missing from ${Object.keys(ha).join(', ')}`);
      assert.deepEqual(ha, hb);
      for (const name of Object.keys(ha)) {
        const text = await readFile(join(a, 'out', name), 'utf8');
        assert.ok(!text.includes(tmpdir()) && !text.includes(packageRoot()), `${name} contains an absolute path`);
        assert.doesNotMatch(text, /20\d\d-\d\d-\d\d|\d\d:\d\d:\d\d/, `${name} contains a date or time`);
      }
    });
  }
});
