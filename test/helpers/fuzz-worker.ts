/**
 * Runs fuzz cases in a worker thread, so the test can stop a case that hangs or exhausts the heap and still name
 * it. Input (workerData): the run seed and the jobs. Posts one CaseResult per job, then 'done'.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadTarget } from '../../src/targets/load.js';
import { makeCase, runCase, type Outcome } from './fuzz-cases.js';
import { seedModels } from './fuzz-seeds.js';

export interface FuzzJob {
  /** Index into seedModels(). */
  readonly seed: number;
  readonly index: number;
}

export interface FuzzWorkerInput {
  readonly runSeed: number;
  readonly jobs: readonly FuzzJob[];
}

export interface CaseResult {
  readonly index: number;
  readonly seedModel: string;
  readonly mutations: readonly string[];
  readonly outcome: Outcome;
  readonly ms: number;
}

const { runSeed, jobs } = workerData as FuzzWorkerInput;
const seeds = seedModels();
const target = loadTarget('host');
for (const job of jobs) {
  const c = makeCase(seeds[job.seed]!, runSeed, job.index);
  // The reported time covers the compiler only (making the case is the test's own work).
  const start = performance.now();
  const outcome = runCase(c.bytes, `case-${c.index}.onnx`, target);
  const ms = performance.now() - start;
  const result: CaseResult = { index: c.index, seedModel: c.seedModel, mutations: c.mutations, outcome, ms };
  parentPort!.postMessage(result);
}
parentPort!.postMessage('done');
