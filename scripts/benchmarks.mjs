#!/usr/bin/env node
/**
 * Regenerates BENCHMARKS.md: `bnngen bench` of the benchmark model (benchmarks/resnet20-cifar/model.onnx) on
 * every emulated target, one table. Run from anywhere after scripts/setup.sh (it needs the built dist/):
 *
 *     scripts/benchmarks.sh            # builds, then runs this script
 *     node scripts/benchmarks.mjs [--model file.onnx] [--targets cortex-m4,rv32imc] [--out BENCHMARKS.md]
 *
 * Targets run one after the other (QEMU is single-threaded; the counts do not depend on load). A target on
 * which a path cannot be measured gets a row saying why, never a crash.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { bench, compileBenchPaths } = await import(join(root, 'dist/src/bench.js'));
const { BnnError } = await import(join(root, 'dist/src/errors.js'));
const { loadSamples } = await import(join(root, 'dist/src/io/samples.js'));
const { loadTarget, listTargets } = await import(join(root, 'dist/src/targets/load.js'));

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
const model = option('--model', join(root, 'benchmarks/resnet20-cifar/model.onnx'));
const out = option('--out', join(root, 'BENCHMARKS.md'));
const targetNames = option('--targets', listTargets().filter((t) => t.qemu).map((t) => t.name).join(',')).split(',');

const n = (v) => Math.round(v).toLocaleString('en-US');
const f = (v, digits) => v.toFixed(digits);

/** Binary weight bits in flash per binary weight, over the binary conv steps of a program. */
function bitsPerBinaryWeight(program) {
  let bits = 0;
  let weights = 0;
  for (const s of program.steps) {
    if (s.kernel !== 'bconv2d') continue;
    bits += program.consts[s.weights].data.byteLength * 8;
    weights += s.outShape[0] * s.inShape[0] * s.window.kH * s.window.kW;
  }
  return weights === 0 ? undefined : bits / weights;
}

/** Instructions of the steps of one kind ('binary', 'real' or 'data') in a path's profile. */
const kindInstructions = (path, kind) => path.steps.filter((s) => s.kind === kind).reduce((t, s) => t + s.instructions.mean, 0);

/** "1,234" when every sample gave the same count, else "mean 1,234 (min-max)". */
const count = (s) => (s.min === s.max ? n(s.min) : `${n(s.mean)} (${n(s.min)}–${n(s.max)})`);

const paths = await compileBenchPaths(model);
const samples = await loadSamples({ samples: 1 }, paths.binary.program.input.shape, 1);
const bitsPerWeight = bitsPerBinaryWeight(paths.binary.program);
const rows = [];
const breakdown = [];
const steps = [];
const results = new Map();
for (const name of targetNames) {
  const target = loadTarget(name);
  process.stderr.write(`bench ${relative(process.cwd(), model)} on ${name}...\n`);
  const started = Date.now();
  let r;
  try {
    r = await bench(paths, target, samples);
  } catch (e) {
    if (!(e instanceof BnnError)) throw e;
    rows.push([name, `not measured: ${e.reason}`, '', '', '', '', '', '', '']);
    continue;
  }
  process.stderr.write(`  ${n(r.binary.instructions.run.mean)} instructions, ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
  results.set(name, r);
  const b = r.binary;
  const ram = b.ram;
  rows.push([
    name,
    count(b.instructions.run),
    b.binarySteps ? f(b.binarySteps.instructionsPerMac, 3) : '',
    r.float ? count(r.float.instructions.run) : '',
    r.float ? `${f(r.floatOverBinary, 2)}x` : `not measured: ${r.floatSkipped}`,
    n(b.flash.modelBytes),
    n(ram.peakBytes),
    `${n(ram.staticBytes)} + ${ram.stackExhausted ? '≥ ' : ''}${n(ram.stackBytes)}`,
    `${n(ram.lowerBoundBytes)} (peak ${f((100 * ram.peakBytes) / ram.lowerBoundBytes - 100, 1)} % above)`,
  ]);
  const total = b.instructions.run.mean;
  const share = (v) => `${n(v)} (${f((100 * v) / total, 1)} %)`;
  breakdown.push([name, share(kindInstructions(b, 'binary')), share(kindInstructions(b, 'real')), share(kindInstructions(b, 'data')),
    `${b.outputs.bitExact}/${b.outputs.samples}`, r.float ? `${r.float.outputs.bitExact}/${r.float.outputs.samples}` : '']);
  if (name === 'cortex-m4') steps.push(...stepKernels(b));
}

/** Per kernel on cortex-m4: calls, instructions and instructions per MAC where it has MACs. */
function stepKernels(path) {
  const byKernel = new Map();
  for (const s of path.steps) {
    const k = byKernel.get(s.kernel) ?? { calls: 0, instructions: 0, binaryMacs: 0, realMacs: 0 };
    k.calls++;
    k.instructions += s.instructions.mean;
    k.binaryMacs += s.binaryMacs;
    k.realMacs += s.realMacs;
    byKernel.set(s.kernel, k);
  }
  const total = path.instructions.run.mean;
  return [...byKernel].sort((a, b) => b[1].instructions - a[1].instructions).map(([kernel, k]) => {
    const macs = k.binaryMacs + k.realMacs;
    return [kernel, String(k.calls), n(k.instructions), `${f((100 * k.instructions) / total, 1)} %`, macs ? n(macs) : '',
      macs ? f(k.instructions / macs, 3) : ''];
  });
}

/** Issue 5's goals, each against the measured value ('' when its target was not run). */
function goals() {
  const verdict = (ok) => (ok ? 'met' : 'not met');
  const perMac = (t) => results.get(t)?.binary.binarySteps?.instructionsPerMac;
  const rows = [];
  for (const [t, limit] of [['cortex-m4', 0.25], ['rv32imc_zbb', 0.16], ['cortex-m55', 0.1]]) {
    const v = perMac(t);
    if (v !== undefined) rows.push([`binary convs on ${t}, instructions per binary MAC`, `≤ ${limit}`, f(v, 3), verdict(v <= limit)]);
  }
  const m4 = results.get('cortex-m4');
  if (m4?.float) rows.push(['whole model on cortex-m4, float path / binary path', '≥ 15x', `${f(m4.floatOverBinary, 2)}x`, verdict(m4.floatOverBinary >= 15)]);
  if (bitsPerWeight !== undefined) rows.push(['flash bits per binary weight (binary layers)', '≤ 1.05', f(bitsPerWeight, 3), verdict(bitsPerWeight <= 1.05)]);
  const above = [...results.values()].map((r) => r.binary.ram.peakBytes / r.binary.ram.lowerBoundBytes - 1);
  if (above.length) {
    const worst = Math.max(...above);
    rows.push(['peak RAM over the liveness lower bound, worst target', '≤ 10 %', `${f(100 * worst, 1)} %`, verdict(worst <= 0.1)]);
  }
  return rows;
}

/**
 * Peers measured by the project's CEO on the same QEMU boards and the same workload (shared docs, peers.md);
 * quoted, not regenerated: [peer, target, instructions, what they cover].
 */
const PEERS = [
  ['onnx2c, float, -O2', 'cortex-m4', 766.6e6, 'whole model'],
  ['onnx2c, float, -O2', 'cortex-m55', 763.0e6, 'whole model'],
  ['onnx2c, float, -O2 (soft-float)', 'rv32imc', 7.13e9, 'whole model'],
  ['CMSIS-NN int8 arm_convolve_s8', 'cortex-m4', 85.6e6, 'the 18 binary-layer convs'],
  ['CMSIS-NN int8 arm_convolve_s8 (Helium)', 'cortex-m55', 11.8e6, 'the 18 binary-layer convs'],
  ['CMSIS-NN int8 arm_convolve_s8', 'rv32imc', 196.7e6, 'the 18 binary-layer convs'],
];

function peers() {
  return PEERS.filter(([, t]) => results.has(t)).map(([peer, t, theirs, what]) => {
    const b = results.get(t).binary;
    const ours = what === 'whole model' ? b.instructions.run.mean : kindInstructions(b, 'binary');
    return [peer, t, what, n(theirs), n(ours), `${f(theirs / ours, 1)}x`];
  });
}

function table(header, body) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...body.map(line)].join('\n');
}

let commit = 'unknown';
try {
  commit = execFileSync('git', ['-C', root, 'describe', '--always', '--dirty'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
} catch {
  // not a git checkout: the table stands without it
}
const p = paths.binary.program;
const binarySteps = p.steps.filter((s) => s.kernel === 'bconv2d').length;
const md = `# Benchmarks

Generated by \`scripts/benchmarks.sh\` (\`node scripts/benchmarks.mjs\`) at ${commit}; do not edit by hand.

Model: \`${relative(root, model)}\`, the IR-Net ResNet-20 for CIFAR (1×3×32×32, 16/32/64 channels, real-valued
option-A shortcuts, random weights; see \`benchmarks/resnet20-cifar/README.md\`): ${p.steps.length} kernel calls,
${binarySteps} binary convolutions. Input: ${samples.description}. Every number is \`bnngen bench\` on that model
(docs/benchmarking.md): exact executed instructions of one inference under QEMU (not cycles), the build
\`bnngen compile\` writes; the outputs were bit-exact with the reference executor on every target listed.

- **instructions**: one \`model_run\` call, binary path.
- **per binary MAC**: the binary convolution steps only, instructions per binary multiply-accumulate (padded taps
  counted, as \`inspect\` does).
- **float path**: the same graph with binarization disabled (every layer float32, the same kernels as the
  binary path's real layers); **speed-up** = float path / binary path.
- **flash**: text + data of \`model.o\` and \`bnn_kernels.o\` (binary path). The binary layers' weights take
  ${bitsPerWeight === undefined ? 'n/a' : f(bitsPerWeight, 3)} bits per binary weight.
- **peak RAM** = static (the activation arena and other static data) + the deepest stack of one call (measured by
  painting); the **liveness lower bound** is the most activation memory live at any one step of the program:
  no memory plan can use less.

${table(['target', 'instructions', 'per binary MAC', 'float path', 'speed-up', 'flash bytes', 'peak RAM bytes', 'static + stack', 'liveness lower bound'], rows)}

Where the binary path's instructions go (steps by kind: binary convolutions; real layers, i.e. the stem conv and
the head; data steps: packing, residual adds, clips, shortcuts, pooling), and bit-exactness of each path:

${table(['target', 'binary convs', 'real layers', 'data steps', 'bit-exact (binary)', 'bit-exact (float)'], breakdown)}
${steps.length ? `
Per kernel on cortex-m4 (binary path):

${table(['kernel', 'calls', 'instructions', 'share', 'MACs', 'per MAC'], steps)}
` : ''}
Issue 5's goals against these numbers:

${table(['goal', 'target', 'measured', ''], goals())}

Against the peers (their instruction counts are quoted from the project's peer study on the same QEMU boards and
the same model shape, not regenerated here; ours are the binary path of the table above):

${table(['peer', 'target', 'covers', 'peer instructions', 'bnngen instructions', 'bnngen fewer by'], peers())}
`;
writeFileSync(out, md);
process.stderr.write(`wrote ${relative(process.cwd(), out)}\n`);
