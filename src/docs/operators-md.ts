/**
 * docs/operators.md, generated from the code so that it cannot drift: the operator registry (src/ops/index.ts:
 * types and domains), each operator's own file (its doc comment, the attributes it reads, the opset versions it
 * tests), the binarization phase (which layers can be binary, which nodes binarize) and the lowering of plain
 * nodes (which operators have a kernel or are views). `node scripts/operators-doc.mjs` writes the file;
 * test/unit/operators-doc.test.ts fails when it is stale.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../io/package-root.js';
import type { OpDef } from '../ops/op.js';
import { OPS } from '../ops/index.js';
import { isBinarizer } from '../ops/util/binarizer.js';

export const OPERATORS_DOC = 'docs/operators.md';

/** What one registered operator type looks like in the document. */
export interface OperatorEntry {
  readonly type: string;
  /** '' is ai.onnx. */
  readonly domains: readonly string[];
  /** The first paragraph of the doc comment of the op's file. */
  readonly summary: string;
  readonly file: string;
  /** Attribute names the op's file (and the src/ops/util helpers it imports) reads. */
  readonly attributes: readonly string[];
  /** Opset versions the code compares against: where the operator's definition changes. */
  readonly opsetSwitches: readonly number[];
  /** How the operator appears in the generated C. */
  readonly inC: string;
}

const read = (relative: string) => readFileSync(join(packageRoot(), relative), 'utf8');

/** The first `/** ... *\/` comment of a source text, as plain lines. */
function docComment(text: string, file: string): string[] {
  const match = /\/\*\*([\s\S]*?)\*\//.exec(text);
  if (!match) throw new Error(`${file}: no doc comment`);
  return match[1]!.split('\n').map((l) => l.replace(/^\s*\* ?/, '').trim());
}

/** First paragraph of a doc comment, one line. */
function firstParagraph(lines: readonly string[]): string {
  const start = lines.findIndex((l) => l !== '');
  const rest = lines.slice(start);
  const end = rest.findIndex((l) => l === '');
  return (end < 0 ? rest : rest.slice(0, end)).join(' ');
}

/**
 * The file in src/ops/ that defines `type`: the one with `type: 'X'`, or else the one naming 'X' at all (a factory
 * such as softmaxOp('LogSoftmax') shares its file with Softmax).
 */
function opFile(type: string, files: ReadonlyMap<string, string>): string {
  const named = (pattern: string) => [...files].filter(([, text]) => text.includes(pattern)).map(([f]) => f);
  const exact = named(`type: '${type}'`);
  const found = exact.length > 0 ? exact : named(`'${type}'`);
  if (found.length !== 1) throw new Error(`operator ${type}: defined in ${found.length} files of src/ops (${found.join(', ')})`);
  return found[0]!;
}

/** The op file's text with the texts of the src/ops/util helpers it imports. */
function withHelpers(text: string): string {
  const helpers = [...text.matchAll(/from '\.\/util\/([\w-]+)\.js'/g)].map((m) => read(`src/ops/util/${m[1]}.ts`));
  return [text, ...helpers].join('\n');
}

function attributesRead(code: string): string[] {
  return [...new Set([...code.matchAll(/\(node, '([A-Za-z_]+)'/g)].map((m) => m[1]!))].sort();
}

function opsetSwitches(code: string): number[] {
  const compared = [...code.matchAll(/opset\s*(?:<|<=|>|>=)\s*(\d+)/g)].map((m) => Number(m[1]));
  const named = [...code.matchAll(/_OPSET\s*=\s*(\d+)/g)].map((m) => Number(m[1]));
  return [...new Set([...compared, ...named])].sort((a, b) => a - b);
}

/** What phase 3 says about binary layers: its opening doc comment, and the op types in "A Conv / Gemm / MatMul". */
export function binarizationRule(): { text: string; layerOps: string[] } {
  const lines = docComment(read('src/phases/3-binarize/binarize.ts'), 'binarize.ts');
  const text = firstParagraph(lines).replace(/^Phase 3: find the binary layers\. /, '');
  const list = /A ((?:\w+ \/ )*\w+) is binary when/.exec(text);
  if (!list) throw new Error('src/phases/3-binarize/binarize.ts: the doc comment no longer names the layer types ("A X / Y is binary when")');
  return { text, layerOps: list[1]!.split(' / ') };
}

/**
 * Op types the plain-node lowering turns into a kernel call, and those it turns into a view (no code): the ALIASES
 * set, and the `case` groups of lowerNode whose code only aliases the output to the input.
 */
function loweredOps(): { kernels: Set<string>; views: Set<string> } {
  const text = read('src/phases/5-lower/nodes.ts');
  const aliases = /const ALIASES = new Set\(\[([^\]]*)\]\)/.exec(text);
  const body = /export function lowerNode[\s\S]*?\n}\n/.exec(text);
  if (!aliases || !body) throw new Error('src/phases/5-lower/nodes.ts: ALIASES or lowerNode not found');
  const views = new Set([...aliases[1]!.matchAll(/'(\w+)'/g)].map((m) => m[1]!));
  const kernels = new Set<string>();
  for (const group of body[0].matchAll(/((?:case '\w+':\s*)+)([\s\S]*?)(?=case '|default:)/g)) {
    const onlyAliases = /ctx\.alias\(/.test(group[2]!) && !/ctx\.emit\(|return lower/.test(group[2]!);
    for (const m of group[1]!.matchAll(/case '(\w+)':/g)) (onlyAliases ? views : kernels).add(m[1]!);
  }
  return { kernels, views };
}

function inC(op: OpDef, layerOps: readonly string[], lowered: { kernels: Set<string>; views: Set<string> }): string {
  const binarizer = (op.domains ?? ['']).some((domain) => isBinarizer({ opType: op.type, domain }));
  if (layerOps.includes(op.type)) return 'binary layer when the rule above holds; else a float32 kernel';
  if (binarizer) {
    const elsewhere = lowered.kernels.has(op.type) ? '; elsewhere a float32 kernel' : '';
    return `binarizer: packed to sign bits in front of a binary layer${elsewhere}`;
  }
  if (lowered.views.has(op.type)) return 'no code: the output is a view of the input (data not moved)';
  if (lowered.kernels.has(op.type)) return 'float32 kernel (or fused into the layer before it)';
  return 'compile time only: folded into constants';
}

export function operatorEntries(): OperatorEntry[] {
  const dir = join(packageRoot(), 'src/ops');
  const files = new Map(readdirSync(dir).filter((f) => f.endsWith('.ts') && f !== 'index.ts' && f !== 'op.ts')
    .map((f) => [f, readFileSync(join(dir, f), 'utf8')] as const));
  const { layerOps } = binarizationRule();
  const lowered = loweredOps();
  return [...OPS].sort((a, b) => a.type.localeCompare(b.type)).map((op) => {
    const file = opFile(op.type, files);
    const text = files.get(file)!;
    const code = withHelpers(text);
    return {
      type: op.type,
      domains: op.domains ?? [''],
      summary: firstParagraph(docComment(text, file)),
      file: `src/ops/${file}`,
      attributes: attributesRead(code),
      opsetSwitches: opsetSwitches(code),
      inC: inC(op, layerOps, lowered),
    };
  });
}

const cell = (text: string) => text.replace(/\|/g, '\\|');

export function operatorsMarkdown(): string {
  const entries = operatorEntries();
  const rule = binarizationRule();
  const domains = (e: OperatorEntry) => e.domains.map((d) => (d === '' ? 'ai.onnx' : d)).join(', ');
  const lines = [
    '# Supported operators',
    '',
    '<!-- Generated by `node scripts/operators-doc.mjs` from the operator registry and the op files; do not edit.',
    '     test/unit/operators-doc.test.ts fails when this file is stale. -->',
    '',
    `bnngen reads ${entries.length} operator types (src/ops/index.ts); any other operator is refused with its node`,
    'name and this list. Every opset version is accepted: the versions listed are where the operator\'s definition',
    'changes (attributes become inputs, types are added), and bnngen follows the version the model declares.',
    'Attributes not listed are ignored. Shapes must be static.',
    '',
    '## Which layers become binary',
    '',
    rule.text,
    '',
    'The binarizers are the nodes that feed binary layers; sign(0) is packed as +1 (docs/numerics.md). A',
    'BatchNormalization (with Clip/Relu-like ops) after a binary layer followed by a binarizer becomes an integer',
    'threshold; other element-wise ops after a layer become its float epilogue where they can. `bnngen inspect`',
    'says for every Conv/Gemm/MatMul whether it is binary, and why not.',
    '',
    '## Operators',
    '',
    '| operator | domain | in the generated C | attributes read | opset switches |',
    '|---|---|---|---|---|',
    ...entries.map((e) => `| ${e.type} | ${domains(e)} | ${e.inC} | ${e.attributes.join(', ') || '—'} | ` +
      `${e.opsetSwitches.join(', ') || '—'} |`),
    '',
    '"Compile time only": the operator is evaluated while folding constants (shape arithmetic, weight',
    'preprocessing such as the Libra-PB subgraph of IR-Net); on run-time activations it is refused.',
    '',
    '## What each operator computes',
    '',
    ...entries.flatMap((e) => [`- **${e.type}** (${e.file}): ${cell(e.summary)}`]),
    '',
  ];
  return lines.join('\n');
}
