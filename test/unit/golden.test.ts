/**
 * The generated C of the example model and of a small generated block, byte for byte against the snapshots in
 * test/golden/. A change to the compiler or the templates that changes the output fails here with the first
 * differing lines; if the change is intended, `npm run golden:update` and review `git diff test/golden`.
 */
import assert from 'node:assert/strict';
import { expectedTree, firstDifference, GOLDEN_CASES, readTree, sha256Line } from '../helpers/golden.js';

const UPDATE = 'if the change is intended: npm run golden:update, then review git diff test/golden';

describe('golden snapshots of the generated C', function () {
  this.timeout(120_000);

  for (const c of GOLDEN_CASES) {
    it(`${c.model} on ${Object.keys(c.targets).join(', ')}`, async () => {
      const fresh = await expectedTree(c);
      const golden = await readTree(c.model);
      assert.ok(golden.size > 0, `no snapshot in test/golden/${c.model}; create it with npm run golden:update`);
      assert.deepEqual([...fresh.keys()].sort(), [...golden.keys()].sort(), `the set of snapshot files changed; ${UPDATE}`);
      for (const [path, text] of fresh) {
        const diff = firstDifference(golden.get(path)!, text);
        if (diff !== undefined) assert.fail(`test/golden/${c.model}/${path} differs from the fresh output, ${diff}\n(${UPDATE})`);
      }
    });
  }

  it('keeps Helium-only blocks (#if defined(BNN_BCONV_X4)) out of every other target\'s kernels', async () => {
    for (const c of GOLDEN_CASES) {
      for (const [path, text] of await expectedTree(c)) {
        if (path.endsWith('bnn_kernels.c') && !path.startsWith('cortex-m55/')) {
          assert.doesNotMatch(text, /^#if defined\(BNN_BCONV_X4\)$/m, `${c.model}/${path}`);
        }
      }
    }
  });

  it('shows the first differing lines with their numbers', () => {
    const golden = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].join('\n');
    const fresh = ['a', 'b', 'c', 'X', 'Y', 'f', 'Z'].join('\n');
    assert.equal(firstDifference(golden, golden), undefined);
    const diff = firstDifference(golden, fresh)!;
    assert.equal(diff, [
      'first difference at line 4 (golden 7 lines, fresh 7):',
      '       2  b', '       3  c', '-      4  d', '-      5  e', '+      4  X', '+      5  Y',
    ].join('\n'));
    assert.match(firstDifference(golden, fresh, 1)!, /-      4  d\n\+      4  X$/);
    assert.match(firstDifference('a\nb', 'a\nb\nc')!, /line 3 .*\n.*\n.*\n\+ +3 {2}c$/);
  });

  it('records files kept out of the snapshot by their sha256', () => {
    assert.equal(sha256Line('model.c', ''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  model.c\n');
  });
});
