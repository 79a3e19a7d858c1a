/**
 * Golden snapshots of the generated C (test/golden/<model>/<target>/): what each case compiles to, how a
 * snapshot tree is read and written, and a readable first difference. `npm run golden:update` rewrites the
 * trees (test/helpers/update-golden.ts); test/unit/golden.test.ts compares fresh output with them.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeModel } from '../../src/onnx/encode.js';
import { packageRoot } from '../../src/io/package-root.js';
import { emitC } from '../../src/phases/7-emit/emit.js';
import { compileBytes, compileFile, type Compiled } from '../../src/pipeline.js';
import { loadTarget } from '../../src/targets/load.js';
import { twoBinaryConvs } from './bnn-models.js';

export const GOLDEN_DIR = join(packageRoot(), 'test', 'golden');
export const EXAMPLE_MODEL = join(packageRoot(), 'examples', 'irnet-fashion-mnist', 'model.onnx');

/** Which generated files a target's snapshot holds in full; the others are recorded as `<file>.sha256`. */
type Kept = 'all' | readonly string[];

export interface GoldenCase {
  /** Folder under test/golden/. */
  readonly model: string;
  readonly compile: () => Promise<Compiled>;
  /** Targets whose kernels differ (popcount variants): cortex-m4 (swar), cortex-m55 (mve), rv32imc_zbb (cpop). */
  readonly targets: Readonly<Record<string, Kept>>;
}

/**
 * The example ResNet keeps model.c (about 190 KB of weights; the same on every target but for the target's name
 * in its first comment) in full for cortex-m4 only. The small generated block has both bconv epilogues
 * (threshold, then affine), a Clip folded into the threshold, and 40 channels (a partial last word).
 */
export const GOLDEN_CASES: readonly GoldenCase[] = [
  {
    model: 'irnet-fashion-mnist',
    compile: () => compileFile(EXAMPLE_MODEL),
    targets: {
      'cortex-m4': 'all',
      'cortex-m55': ['model.h', 'bnn_kernels.h', 'bnn_kernels.c'],
      'rv32imc_zbb': ['model.h', 'bnn_kernels.h', 'bnn_kernels.c'],
    },
  },
  {
    model: 'two-binary-convs',
    compile: async () => compileBytes(encodeModel(smallBlock()), 'two-binary-convs.onnx'),
    targets: { 'cortex-m4': 'all', 'cortex-m55': 'all', 'rv32imc_zbb': 'all' },
  },
];

/** Sign -> bconv (threshold, with a Clip) -> bconv (affine) on a 3x10x10 input: the golden small model. */
export function smallBlock() {
  return twoBinaryConvs(5, 3, 10, 10, { channels: 40, kernel: 3, pad: 1, clip: true });
}

export function sha256Line(name: string, text: string): string {
  return `${createHash('sha256').update(text).digest('hex')}  ${name}\n`;
}

/** The snapshot tree a case should have: relative path ('cortex-m4/model.c') -> content. */
export async function expectedTree(c: GoldenCase): Promise<Map<string, string>> {
  const compiled = await c.compile();
  const tree = new Map<string, string>();
  for (const [target, kept] of Object.entries(c.targets)) {
    for (const [name, text] of emitC(compiled.program, loadTarget(target))) {
      if (kept === 'all' || kept.includes(name)) tree.set(`${target}/${name}`, text);
      else tree.set(`${target}/${name}.sha256`, sha256Line(name, text));
    }
  }
  return tree;
}

/** The snapshot tree on disk (empty when the folder does not exist). */
export async function readTree(model: string): Promise<Map<string, string>> {
  const tree = new Map<string, string>();
  const root = join(GOLDEN_DIR, model);
  let targets: string[];
  try {
    targets = (await readdir(root)).sort();
  } catch {
    return tree;
  }
  for (const target of targets) {
    for (const name of (await readdir(join(root, target))).sort()) {
      tree.set(`${target}/${name}`, await readFile(join(root, target, name), 'utf8'));
    }
  }
  return tree;
}

/** Replaces the case's folder with `tree`; returns the bytes written. */
export async function writeTree(model: string, tree: ReadonlyMap<string, string>): Promise<number> {
  const root = join(GOLDEN_DIR, model);
  await rm(root, { recursive: true, force: true });
  let bytes = 0;
  for (const [path, text] of tree) {
    await mkdir(join(root, path.split('/')[0]!), { recursive: true });
    await writeFile(join(root, path), text);
    bytes += Buffer.byteLength(text);
  }
  return bytes;
}

/**
 * Where two texts first differ, for a test failure: the line number, two lines of context, then the differing
 * lines of each side ('-' golden, '+' fresh output) up to the next line they share at the same number, at most
 * `shown` of them. Undefined when the texts are equal.
 */
export function firstDifference(golden: string, fresh: string, shown = 6): string | undefined {
  if (golden === fresh) return undefined;
  const a = golden.split('\n');
  const b = fresh.split('\n');
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const number = (n: number) => String(n + 1).padStart(6);
  const lines = [`first difference at line ${i + 1} (golden ${a.length} lines, fresh ${b.length}):`];
  for (let k = Math.max(0, i - 2); k < i; k++) lines.push(`  ${number(k)}  ${a[k]}`);
  let end = i + 1;
  while (end < i + shown && end < Math.max(a.length, b.length) && a[end] !== b[end]) end++;
  for (let k = i; k < Math.min(a.length, end); k++) lines.push(`- ${number(k)}  ${a[k]}`);
  for (let k = i; k < Math.min(b.length, end); k++) lines.push(`+ ${number(k)}  ${b[k]}`);
  return lines.join('\n');
}
