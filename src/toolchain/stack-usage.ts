/**
 * Static worst-case stack of a generated model's entry point: the generated C is compiled for the target with
 * gcc's -fstack-usage and -fcallgraph-info=su, which write each function's frame size and its calls (after
 * inlining) to a .ci file per object; the bound is the largest sum of frames along a call chain from
 * `<name>_run`. The generated code has no recursion, no calls through pointers and no variable-size frames;
 * any of them makes the bound unknowable and is reported as an error.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BnnError } from '../errors.js';
import type { Target } from '../targets/target.js';
import { compileObjects } from './build.js';

/**
 * Frame allowance for a routine gcc calls but bnngen does not compile: libgcc's soft-float routines on cores
 * without an FPU, and the C library's memcpy (gcc turns the window-gathering loop of the binary convolutions
 * into a memcpy call). Measured in the linked programs of the example model (pushes and stack adjustments in
 * the disassembly, callees included): at most 36 bytes on Cortex-M0 (__aeabi_cfcmpeq calling __lesf2), 32 on
 * rv32imc (__mulsf3, __divsf3), 20 on Cortex-M3, 8 for picolibc's memcpy on Arm; 64 covers them.
 */
export const LIBRARY_CALL_STACK_BYTES = 64;

/** One function of the call graph: its stack frame when bnngen compiled it, or a library routine. */
export interface CallGraphFunction {
  /** gcc's unique title: the plain name, or 'file.c:name' for a static function. */
  readonly id: string;
  readonly name: string;
  /** Frame bytes and gcc's qualifier ('static', 'dynamic', 'dynamic,bounded'); absent for a library routine. */
  readonly frame?: { readonly bytes: number; readonly qualifier: string };
}

export interface CallGraph {
  readonly functions: Map<string, CallGraphFunction>;
  readonly calls: Map<string, Set<string>>;
}

export interface StackUsage {
  /** Worst-case bytes of stack one call of the entry point uses (its own frame included). */
  readonly bytes: number;
  /** The deepest chain, entry first, with each function's frame (library routines at their allowance). */
  readonly chain: readonly { readonly name: string; readonly bytes: number; readonly library: boolean }[];
  /** Library routines reachable from the entry point (counted at LIBRARY_CALL_STACK_BYTES each). */
  readonly libraryCalls: readonly string[];
}

const NODE = /^node:\s*\{\s*title:\s*"([^"]+)"\s*label:\s*"([^"]*)"/;
const EDGE = /^edge:\s*\{\s*sourcename:\s*"([^"]+)"\s*targetname:\s*"([^"]+)"/;
/** Label of a compiled function: "name\nfile.c:line:col\nN bytes (qualifier)[\n...]" with literal "\n". */
const FRAME = /\\n(\d+) bytes \(([a-z,]+)\)/;

/** Adds the functions and calls of one .ci file (gcc's VCG text) to `graph`. */
export function parseCallGraph(text: string, graph: CallGraph = { functions: new Map(), calls: new Map() }): CallGraph {
  for (const line of text.split('\n')) {
    const node = NODE.exec(line.trim());
    if (node) {
      const id = node[1]!;
      const label = node[2]!;
      const frame = FRAME.exec(label);
      const name = label.split('\\n')[0] || id;
      const known = graph.functions.get(id);
      // A function defined in one object appears as a bare declaration in the objects that call it.
      if (!known || (!known.frame && frame)) {
        graph.functions.set(id, { id, name, ...(frame ? { frame: { bytes: Number(frame[1]), qualifier: frame[2]! } } : {}) });
      }
      continue;
    }
    const edge = EDGE.exec(line.trim());
    if (edge) {
      const from = edge[1]!;
      let callees = graph.calls.get(from);
      if (!callees) graph.calls.set(from, (callees = new Set()));
      callees.add(edge[2]!);
    }
  }
  return graph;
}

/** The deepest call chain from `entry`: frames summed, library routines at their allowance. */
export function worstCaseStack(graph: CallGraph, entry: string): StackUsage {
  if (!graph.functions.get(entry)?.frame) throw new BnnError(`stack usage: ${entry} was not compiled`);
  type Chain = StackUsage['chain'];
  const memo = new Map<string, { bytes: number; chain: Chain }>();
  const libraries = new Set<string>();
  const onPath: string[] = [];

  const deepest = (id: string): { bytes: number; chain: Chain } => {
    const done = memo.get(id);
    if (done) return done;
    if (onPath.includes(id)) throw new BnnError(`stack usage: recursion ${[...onPath, id].join(' -> ')} has no static bound`);
    // gcc's placeholder callee of every call through a function pointer.
    if (id === '__indirect_call') throw new BnnError(`stack usage: ${onPath.at(-1)} calls through a pointer; no static bound`);
    const fn = graph.functions.get(id);
    let own: { name: string; bytes: number; library: boolean };
    if (fn?.frame) {
      if (fn.frame.qualifier !== 'static') {
        throw new BnnError(`stack usage: ${fn.name} has a ${fn.frame.qualifier} stack frame; no static bound`);
      }
      own = { name: fn.name, bytes: fn.frame.bytes, library: false };
    } else {
      // The title is the symbol ('memcpy'); the label may be gcc's internal name ('__builtin_memcpy').
      libraries.add(id);
      own = { name: id, bytes: LIBRARY_CALL_STACK_BYTES, library: true };
    }
    onPath.push(id);
    let below: { bytes: number; chain: Chain } = { bytes: 0, chain: [] };
    for (const callee of [...(graph.calls.get(id) ?? [])].sort()) {
      const candidate = deepest(callee);
      if (candidate.bytes > below.bytes) below = candidate;
    }
    onPath.pop();
    const result = { bytes: own.bytes + below.bytes, chain: [own, ...below.chain] };
    memo.set(id, result);
    return result;
  };

  const { bytes, chain } = deepest(entry);
  return { bytes, chain, libraryCalls: [...libraries].sort() };
}

export interface MeasureStackOptions {
  readonly target: Target;
  /** The generated C files to compile (e.g. model.c and bnn_kernels.c), their folder on the include path. */
  readonly sources: readonly string[];
  readonly includeDir: string;
  /** The entry point, e.g. 'model_run'. */
  readonly entry: string;
}

/**
 * Compiles the sources for the target (objects in a temporary folder, removed afterwards) and returns the
 * worst-case stack of `entry`. Needs the target's compiler; a missing one raises the usual BnnError.
 */
export async function measureStackUsage(opts: MeasureStackOptions): Promise<StackUsage> {
  const dir = await mkdtemp(join(tmpdir(), 'bnngen-stack-'));
  try {
    const objects = await compileObjects({
      target: opts.target, sources: opts.sources, outDir: dir, includeDir: opts.includeDir,
      extraCflags: ['-fstack-usage', '-fcallgraph-info=su'],
    });
    const graph: CallGraph = { functions: new Map(), calls: new Map() };
    // gcc names the call-graph file after the object: obj/0-model.o -> obj/0-model.ci.
    for (const object of objects) parseCallGraph(await readFile(object.replace(/\.o$/, '.ci'), 'utf8'), graph);
    return worstCaseStack(graph, opts.entry);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** "stack: 664 bytes (static, -fstack-usage): model_run 48 -> bnn_bconv2d_affine 616". */
export function formatStackUsage(s: StackUsage): string {
  const chain = s.chain.map((f) => `${f.name} ${f.bytes}${f.library ? ' (library allowance)' : ''}`).join(' -> ');
  return `stack: ${s.bytes.toLocaleString('en-US')} bytes (static, -fstack-usage): ${chain}`;
}
