/**
 * The memory check: a model whose flash or RAM exceeds the target's real-part budget is refused before anything
 * is written or built, unless the user overrides it (--ignore-budget).
 */
import { BnnError } from '../errors.js';
import type { FootprintEstimate } from '../phases/7-emit/footprint.js';
import type { Target } from './target.js';

const n = (v: number): string => Math.round(v).toLocaleString('en-US');

/** "58,123 bytes of flash (constants 46,532 + code about 11,591)". */
function flashText(fp: FootprintEstimate): string {
  return `${n(fp.flashBytes)} bytes of flash (constants ${n(fp.constBytes)} + code about ${n(fp.codeBytes)})`;
}

/** "151,296 bytes of RAM (arena 150,528 + stack about 768)". */
function ramText(fp: FootprintEstimate): string {
  return `${n(fp.ramBytes)} bytes of RAM (arena ${n(fp.arenaBytes)} + stack about ${n(fp.stackBytes)})`;
}

/** Bytes of flash and RAM something offers: a target's real part, or its emulated board. */
export interface MemoryLimits {
  readonly flash: number;
  readonly ram: number;
}

/**
 * What the estimate needs beyond `limits`, e.g. "needs 151,296 bytes of RAM (arena 150,528 + stack about 768)
 * but <holder> is 32,768 bytes" (`holder` names whose limits they are), or undefined when it fits.
 */
export function budgetProblem(fp: FootprintEstimate, limits: MemoryLimits, holder: string): string | undefined {
  const needs: string[] = [];
  const has: string[] = [];
  if (fp.flashBytes > limits.flash) {
    needs.push(flashText(fp));
    has.push(`${n(limits.flash)} bytes of flash`);
  }
  if (fp.ramBytes > limits.ram) {
    needs.push(ramText(fp));
    has.push(`${n(limits.ram)} bytes of RAM`);
  }
  if (needs.length === 0) return undefined;
  // With one resource over budget the unit is already named on the left: "is 32,768 bytes".
  const budget = has.length === 1 ? has[0]!.replace(/ of (flash|RAM)$/, '') : has.join(' and ');
  return `needs ${needs.join(' and ')} but ${holder} is ${budget}`;
}

/** The budget problem against the target's real part: "cortex-m0's budget (STM32F091RC)". */
export function partBudgetProblem(fp: FootprintEstimate, target: Target): string | undefined {
  return budgetProblem(fp, target.part, `${target.name}'s budget (${target.part.name})`);
}

/**
 * Throws a one-line BnnError with the numbers when the estimate exceeds the target's flash or RAM budget, e.g.
 * "model needs 151,296 bytes of RAM (arena 150,528 + stack about 768) but cortex-m0's budget (STM32F091RC) is
 * 32,768 bytes; use --ignore-budget to compile anyway". `verb` is what the flag lets the user do anyway.
 */
export function checkBudget(fp: FootprintEstimate, target: Target, verb: string, file?: string): void {
  const problem = partBudgetProblem(fp, target);
  if (problem === undefined) return;
  throw new BnnError(`model ${problem}; use --ignore-budget to ${verb} anyway`, file === undefined ? {} : { file });
}

/** One line for reports: the estimate against the budget, e.g. for `bnngen compile`. */
export function budgetSummary(fp: FootprintEstimate, target: Target): string {
  const pct = (part: number, whole: number) => `${((100 * part) / whole).toFixed(0)} %`;
  return `estimated footprint: ${flashText(fp)}, ${pct(fp.flashBytes, target.part.flash)} of ${target.part.name}'s ` +
    `${n(target.part.flash)}; ${ramText(fp)}, ${pct(fp.ramBytes, target.part.ram)} of ${n(target.part.ram)}`;
}
