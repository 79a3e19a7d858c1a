/**
 * `npm run golden:update [model...]`: rewrites the golden snapshots (test/golden/<model>/<target>/) from the
 * current compiler and templates; all cases without arguments. Review the result with `git diff test/golden`.
 */
import { relative } from 'node:path';
import { packageRoot } from '../../src/io/package-root.js';
import { expectedTree, GOLDEN_CASES, GOLDEN_DIR, readTree, writeTree } from './golden.js';

const wanted = process.argv.slice(2);
const unknown = wanted.filter((m) => !GOLDEN_CASES.some((c) => c.model === m));
if (unknown.length > 0) {
  process.stderr.write(`unknown golden model ${unknown.join(', ')}; known: ${GOLDEN_CASES.map((c) => c.model).join(', ')}\n`);
  process.exit(2);
}
for (const c of GOLDEN_CASES.filter((g) => wanted.length === 0 || wanted.includes(g.model))) {
  const tree = await expectedTree(c);
  const before = await readTree(c.model);
  const changed = [...tree].filter(([path, text]) => before.get(path) !== text).length +
    [...before.keys()].filter((path) => !tree.has(path)).length;
  const bytes = await writeTree(c.model, tree);
  const where = relative(packageRoot(), `${GOLDEN_DIR}/${c.model}`);
  process.stdout.write(`${where}: ${tree.size} files, ${bytes.toLocaleString('en-US')} bytes, ${changed} changed\n`);
}
