/**
 * Hostile and broken models (issue 6): thousands of mutated ONNX files, each of which must end in a compiled
 * program or a BnnError, within a time bound, without exhausting memory. A sample also goes through the real CLI.
 *
 * BNNGEN_FUZZ_SEED sets the run seed (printed on every run; fixed by default so CI is reproducible) and BNNGEN_FUZZ_CASES the number
 * of cases on the small seed models (default 2000). A failing case is reported with the seed and case number;
 * makeCase(seedModels()[k], seed, index) in test/helpers/fuzz-cases.ts rebuilds it.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { execa } from 'execa';
import { packageRoot } from '../../src/io/package-root.js';
import { loadTarget } from '../../src/targets/load.js';
import { makeCase, reasonClass, runCase, type Outcome } from '../helpers/fuzz-cases.js';
import { seedModels } from '../helpers/fuzz-seeds.js';
import type { CaseResult, FuzzJob, FuzzWorkerInput } from '../helpers/fuzz-worker.js';

const CASE_LIMIT_MS = 2000;
/** Without any result for this long, the case in flight is declared hung (generous: the CPU is shared). */
const HANG_MS = 30_000;
/** Heap of the worker running the cases: a case that needs more exhausts it and is reported. */
const HEAP_MB = 1024;
const LARGE_SEED_CASES = 12;
const CLI_SAMPLE = 30;

function envInt(name: string, fallback: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got '${v}'`);
  return n;
}

// A fixed default keeps CI reproducible; set BNNGEN_FUZZ_SEED to explore other corners.
const runSeed = envInt('BNNGEN_FUZZ_SEED', 20261125);
const caseCount = envInt('BNNGEN_FUZZ_CASES', 2000);
const seeds = seedModels();
const repro = (index: number) => `BNNGEN_FUZZ_SEED=${runSeed} case ${index}`;

/** Small seeds in turn; the large seeds (if any) get a few cases after them. */
function jobs(): FuzzJob[] {
  const small = seeds.flatMap((s, k) => (s.large ? [] : [k]));
  const large = seeds.flatMap((s, k) => (s.large ? [k] : []));
  const out: FuzzJob[] = Array.from({ length: caseCount }, (_, i) => ({ seed: small[i % small.length]!, index: i }));
  large.forEach((seed) => {
    for (let i = 0; i < LARGE_SEED_CASES; i++) out.push({ seed, index: out.length });
  });
  return out;
}

/** Runs `list` in a worker; rejects naming the case in flight when the worker hangs, dies or runs out of heap. */
function runInWorker(list: readonly FuzzJob[]): Promise<CaseResult[]> {
  const input: FuzzWorkerInput = { runSeed, jobs: list };
  const worker = new Worker(new URL('../helpers/fuzz-worker.js', import.meta.url), {
    workerData: input,
    resourceLimits: { maxOldGenerationSizeMb: HEAP_MB },
  });
  const results: CaseResult[] = [];
  const inFlight = () => {
    const job = list[results.length];
    return job ? `${repro(job.index)} (seed model ${seeds[job.seed]!.name})` : 'after the last case';
  };
  return new Promise((resolve, reject) => {
    let last = Date.now();
    const watchdog = setInterval(() => {
      if (Date.now() - last < HANG_MS) return;
      clearInterval(watchdog);
      void worker.terminate();
      reject(new Error(`${inFlight()} hung: no result for ${HANG_MS / 1000} s`));
    }, 1000);
    worker.on('message', (m: CaseResult | 'done') => {
      last = Date.now();
      if (m !== 'done') {
        results.push(m);
        return;
      }
      clearInterval(watchdog);
      void worker.terminate();
      resolve(results);
    });
    worker.on('error', (e) => {
      clearInterval(watchdog);
      reject(new Error(`${inFlight()} killed the worker: ${e.message}`));
    });
    worker.on('exit', (code) => {
      clearInterval(watchdog);
      if (results.length < list.length) reject(new Error(`${inFlight()}: worker exited with code ${code}`));
    });
  });
}

function describeFailure(r: CaseResult, problem: string): string {
  return `${repro(r.index)} (seed model ${r.seedModel}; ${r.mutations.join('; ')}): ${problem}`;
}

function outcomeClass(o: Outcome): string {
  if (o.kind === 'compiled') return 'compiled (and emitted)';
  if (o.kind === 'refused') return `BnnError${o.stage === 'emit' ? ' at emission' : ''}: ${reasonClass(o.reason)}`;
  return 'CRASH (not a BnnError)';
}

function summary(results: readonly CaseResult[]): string {
  const counts = new Map<string, number>();
  for (const r of results) counts.set(outcomeClass(r.outcome), (counts.get(outcomeClass(r.outcome)) ?? 0) + 1);
  const large = results.filter((r) => seeds.find((s) => s.name === r.seedModel)?.large).length;
  const rows = [...counts].sort((a, b) => b[1] - a[1]).map(([k, n]) => `      ${String(n).padStart(5)}  ${k}`);
  const slowest = [...results].sort((a, b) => b.ms - a.ms)[0];
  const total = results.reduce((t, r) => t + r.ms, 0);
  return [
    `      ${results.length} cases${large > 0 ? ` (${large} on the trained example model)` : ''}:`,
    ...rows,
    `      compiler time ${(total / 1000).toFixed(1)} s, slowest case ${slowest ? `${slowest.index} (${slowest.ms.toFixed(0)} ms)` : '-'}`,
  ].join('\n');
}

/** `size` jobs for the CLI: the outcome classes in turn (so compiled models and every kind of refusal appear). */
function cliSample(results: readonly CaseResult[], size: number): FuzzJob[] {
  const all = jobs();
  if (results.length === 0) return Array.from({ length: Math.min(size, all.length) }, (_, k) => all[k]!);
  const byClass = new Map<string, CaseResult[]>();
  for (const r of results.filter((x) => !seeds.find((s) => s.name === x.seedModel)?.large)) {
    const k = outcomeClass(r.outcome);
    byClass.set(k, [...(byClass.get(k) ?? []), r]);
  }
  const picked: FuzzJob[] = [];
  for (let round = 0; picked.length < size && round < results.length; round++) {
    for (const list of byClass.values()) {
      const r = list[round];
      if (r && picked.length < size) picked.push(all[r.index]!);
    }
  }
  return picked;
}

describe('fuzz: hostile and broken models end in a compiled program or a BnnError', () => {
  let results: CaseResult[] = [];

  before(() => {
    console.log(`      fuzz seed ${runSeed} (set BNNGEN_FUZZ_SEED=${runSeed} to repeat), ${caseCount} cases on small seeds`);
  });

  it('every seed model compiles and emits C (otherwise the mutations start from broken input)', () => {
    const target = loadTarget('host');
    for (const s of seeds) {
      const outcome = runCase(s.bytes, s.name, target);
      assert.equal(outcome.kind, 'compiled', `${s.name}: ${JSON.stringify(outcome)}`);
    }
  });

  it(`mutated models: no crash, no case over ${CASE_LIMIT_MS} ms, no hang, no heap exhaustion`, async () => {
    const list = jobs();
    assert.ok(caseCount === 0 || list.length >= caseCount);
    results = await runInWorker(list);
    console.log(summary(results));
    const failures = results.flatMap((r) => {
      if (r.outcome.kind === 'crash') return [describeFailure(r, r.outcome.error)];
      if (r.outcome.kind === 'refused' && /[\n\r]/.test(r.outcome.line)) {
        return [describeFailure(r, `the error is not one line: ${JSON.stringify(r.outcome.line)}`)];
      }
      if (r.ms > CASE_LIMIT_MS) return [describeFailure(r, `took ${r.ms.toFixed(0)} ms (limit ${CASE_LIMIT_MS})`)];
      return [];
    });
    assert.ok(failures.length === 0, `${failures.length} failing cases; the first ones:\n${failures.slice(0, 10).join('\n\n')}`);
  });

  it(`a sample of ${CLI_SAMPLE} mutated models through the CLI: exit 0 or 2, at most one 'bnngen: ' line, no stack`, async () => {
    const sample = cliSample(results, CLI_SAMPLE);
    const dir = await mkdtemp(join(tmpdir(), 'bnngen-fuzz-'));
    const cli = join(packageRoot(), 'dist/src/cli/main.js');
    try {
      const check = async ({ seed, index }: FuzzJob) => {
        const c = makeCase(seeds[seed]!, runSeed, index);
        const file = join(dir, `case-${index}.onnx`);
        await writeFile(file, c.bytes);
        const r = await execa('node', [cli, 'inspect', file], { reject: false });
        const what = `${repro(index)} (${c.mutations.join('; ')}): exit ${r.exitCode}, stderr:\n${r.stderr}`;
        assert.ok(r.exitCode === 0 || r.exitCode === 2, what);
        assert.doesNotMatch(r.stderr, /\n\s+at /, what);
        if (r.exitCode === 0) assert.equal(r.stderr, '', what);
        else assert.match(r.stderr, new RegExp(`^bnngen: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: [^\n]+\n?$`), what);
        // In process, the same file is refused (at compile) exactly when the CLI refuses it.
        const inProcess = results.find((x) => x.index === index)?.outcome;
        if (inProcess) assert.equal(inProcess.kind === 'refused' && inProcess.stage === 'compile', r.exitCode === 2, what);
      };
      // Two at a time: the machine is shared.
      for (let k = 0; k < sample.length; k += 2) await Promise.all(sample.slice(k, k + 2).map(check));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
