import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BnnError } from '../errors.js';
import { packageRoot } from '../io/package-root.js';
import type { MemoryRegion, Target } from './target.js';

/** Folder of the target descriptions shipped with bnngen. */
export function targetsDir(): string {
  return join(packageRoot(), 'targets');
}

/** Names of the available targets (the .json files in targets/), sorted with numbers in order (m4 before m33). */
export function targetNames(): string[] {
  return readdirSync(targetsDir())
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort(compareTargetNames);
}

/** Natural order: cortex-m4 < cortex-m7 < cortex-m33, then plain code-point order to break ties. */
export function compareTargetNames(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true }) || (a < b ? -1 : a > b ? 1 : 0);
}

/** Loads and validates targets/<name>.json. */
export function loadTarget(name: string): Target {
  const available = targetNames();
  if (!available.includes(name)) {
    throw new BnnError(`unknown target '${name}'; available targets: ${available.join(', ')}`);
  }
  const file = join(targetsDir(), `${name}.json`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new BnnError(`invalid JSON: ${(e as Error).message}`, { file });
  }
  const target = parseTarget(json, file);
  if (target.name !== name) {
    throw new BnnError(`target name '${target.name}' does not match its file name '${name}.json'`, { file });
  }
  return target;
}

/** Every available target, validated, sorted by name. */
export function listTargets(): Target[] {
  return targetNames().map(loadTarget);
}

/**
 * Checks that `json` has exactly the shape of a Target (unknown keys are refused: they are usually typos) and
 * returns it typed. `file` names the source in errors.
 */
export function parseTarget(json: unknown, file: string): Target {
  const fail = (reason: string): never => {
    throw new BnnError(reason, { file });
  };
  const t = object(json, 'target', fail);
  onlyKeys(t, 'target', ['name', 'description', 'part', 'cc', 'toolchainPackages', 'cflags', 'ldflags', 'qemu',
    'memory', 'fpu', 'kernels'], fail);
  const part = object(t.part, 'part', fail);
  onlyKeys(part, 'part', ['name', 'flash', 'ram', 'notes'], fail);
  const kernels = object(t.kernels, 'kernels', fail);
  onlyKeys(kernels, 'kernels', ['popcount', 'fmac', 'pairs', 'notes'], fail);
  const popcount = string(kernels.popcount, 'kernels.popcount', fail);
  if (!/^[a-z0-9_]+$/.test(popcount)) fail(`kernels.popcount '${popcount}' must be a lower-case variant name`);
  if (kernels.fmac !== undefined && kernels.fmac !== 'exact') fail(`kernels.fmac must be 'exact' when given`);
  if (kernels.fmac !== undefined && t.fpu === true) fail(`kernels.fmac 'exact' is for targets without an FPU`);
  if (kernels.pairs !== undefined && kernels.pairs !== true) fail(`kernels.pairs must be true when given`);

  const target: Target = {
    name: string(t.name, 'name', fail),
    description: string(t.description, 'description', fail),
    part: {
      name: string(part.name, 'part.name', fail),
      flash: positiveInt(part.flash, 'part.flash', fail),
      ram: positiveInt(part.ram, 'part.ram', fail),
      ...optionalNotes(part, 'part', fail),
    },
    cc: string(t.cc, 'cc', fail),
    ...(t.toolchainPackages === undefined
      ? {}
      : { toolchainPackages: strings(t.toolchainPackages, 'toolchainPackages', fail) }),
    cflags: strings(t.cflags, 'cflags', fail),
    ldflags: strings(t.ldflags, 'ldflags', fail),
    ...(t.qemu === undefined ? {} : { qemu: parseQemu(t.qemu, fail) }),
    ...(t.memory === undefined ? {} : { memory: parseMemory(t.memory, fail) }),
    fpu: boolean(t.fpu, 'fpu', fail),
    kernels: {
      popcount,
      ...(kernels.fmac === 'exact' ? { fmac: 'exact' as const } : {}),
      ...(kernels.pairs === true ? { pairs: true as const } : {}),
      ...optionalNotes(kernels, 'kernels', fail),
    },
  };
  if (!/^[a-z0-9][a-z0-9_.-]*$/.test(target.name)) fail(`name '${target.name}' must be lower-case letters, digits, '-', '_' or '.'`);
  if (target.qemu && !target.memory) fail('an emulated target (qemu) needs a memory map (memory.flash, memory.ram)');
  return target;
}

type Fail = (reason: string) => never;
type Json = Record<string, unknown>;

function parseQemu(value: unknown, fail: Fail): NonNullable<Target['qemu']> {
  const q = object(value, 'qemu', fail);
  onlyKeys(q, 'qemu', ['binary', 'machine', 'args', 'clockHz', 'packages', 'notes'], fail);
  return {
    binary: string(q.binary, 'qemu.binary', fail),
    machine: string(q.machine, 'qemu.machine', fail),
    args: strings(q.args, 'qemu.args', fail),
    ...(q.clockHz === undefined ? {} : { clockHz: positiveInt(q.clockHz, 'qemu.clockHz', fail) }),
    ...(q.packages === undefined ? {} : { packages: strings(q.packages, 'qemu.packages', fail) }),
    ...optionalNotes(q, 'qemu', fail),
  };
}

/** `{ notes }` when the object has a notes string, `{}` when it has none. */
function optionalNotes(o: Json, where: string, fail: Fail): { notes?: string } {
  return o.notes === undefined ? {} : { notes: string(o.notes, `${where}.notes`, fail) };
}

function parseMemory(value: unknown, fail: Fail): NonNullable<Target['memory']> {
  const m = object(value, 'memory', fail);
  onlyKeys(m, 'memory', ['flash', 'ram'], fail);
  const region = (v: unknown, where: string): MemoryRegion => {
    const r = object(v, where, fail);
    onlyKeys(r, where, ['base', 'size'], fail);
    const base = nonNegativeInt(r.base, `${where}.base`, fail);
    const size = positiveInt(r.size, `${where}.size`, fail);
    if (base + size > 2 ** 32) fail(`${where} ends beyond the 32-bit address space`);
    return { base, size };
  };
  return { flash: region(m.flash, 'memory.flash'), ram: region(m.ram, 'memory.ram') };
}

function object(v: unknown, where: string, fail: Fail): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(`${where} must be an object`);
  return v as Json;
}

function onlyKeys(o: Json, where: string, allowed: readonly string[], fail: Fail): void {
  for (const key of Object.keys(o)) {
    if (!allowed.includes(key)) fail(`unknown field '${key}' in ${where}; allowed: ${allowed.join(', ')}`);
  }
}

function string(v: unknown, where: string, fail: Fail): string {
  if (typeof v !== 'string' || v.length === 0) fail(`${where} must be a non-empty string`);
  return v as string;
}

function strings(v: unknown, where: string, fail: Fail): string[] {
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string' && s.length > 0)) {
    fail(`${where} must be an array of non-empty strings`);
  }
  return [...(v as string[])];
}

function boolean(v: unknown, where: string, fail: Fail): boolean {
  if (typeof v !== 'boolean') fail(`${where} must be true or false`);
  return v as boolean;
}

function nonNegativeInt(v: unknown, where: string, fail: Fail): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) fail(`${where} must be a non-negative integer`);
  return v as number;
}

function positiveInt(v: unknown, where: string, fail: Fail): number {
  if (nonNegativeInt(v, where, fail) === 0) fail(`${where} must be greater than 0`);
  return v as number;
}

