/**
 * The compiler pipeline, phase by phase: load -> fold -> binarize -> fuse -> lower -> plan. Emission and
 * building depend on the target and live with their callers (cli/, toolchain/).
 */
import { BnnError } from './errors.js';
import type { Graph } from './graph/graph.js';
import type { Program } from './lowered/program.js';
import { loadModel, loadModelFile } from './phases/1-load/load.js';
import { foldAffineChains } from './phases/2-fold/affine-chains.js';
import { bipolarAsStandardOps } from './phases/2-fold/bipolar-float.js';
import { flattenInput } from './phases/2-fold/flat-input.js';
import { foldGraph } from './phases/2-fold/fold.js';
import { binarize, type BinarizeResult } from './phases/3-binarize/binarize.js';
import type { FusedModel } from './phases/4-fuse/fused.js';
import { fuse } from './phases/4-fuse/fuse.js';
import { lower } from './phases/5-lower/lower.js';
import { modelIdentifier } from './phases/5-lower/names.js';
import { planMemory } from './phases/6-plan/plan.js';

export interface CompileOptions {
  /** C identifier prefix of the generated API (`<name>_run`); default 'model'. */
  readonly name?: string;
  /**
   * false compiles the float path: the same graph with no binary layer, every Sign a float32 sign kernel (ONNX
   * semantics, sign(0) = 0) and every Conv/Gemm/MatMul a float convolution. `bnngen bench` measures it against
   * the binary path. Default true.
   */
  readonly binarize?: boolean;
}

export interface Compiled {
  readonly file: string;
  readonly loaded: Graph;
  readonly folded: Graph;
  readonly foldedNodes: number;
  readonly binarized: BinarizeResult;
  readonly fused: FusedModel;
  /** The lowered program with its memory plan applied. */
  readonly program: Program;
  readonly arenaWords: number;
  readonly lowerBoundWords: number;
}

export async function compileFile(path: string, options: CompileOptions = {}): Promise<Compiled> {
  return compileGraph(await loadModelFile(path), path, options);
}

export function compileBytes(bytes: Uint8Array, file: string, options: CompileOptions = {}): Compiled {
  return compileGraph(loadModel(bytes, file), file, options);
}

function compileGraph(loaded: Graph, file: string, options: CompileOptions): Compiled {
  try {
    const { graph: folded, folded: foldedNodes } = foldGraph(loaded);
    // Decomposed BatchNorms (Sub/Div/Mul/Add chains) become one BatchNorm here, not in `folded`: verify's float
    // reference evaluates `folded`, the model as written. An input that is only flattened is taken flat. The
    // float path computes BipolarQuant with standard ops.
    const enabled = options.binarize ?? true;
    const prepared = foldAffineChains(flattenInput(folded));
    const binarized = binarize(enabled ? prepared : bipolarAsStandardOps(prepared), { enabled });
    const fused = fuse(binarized);
    const name = modelIdentifier(options.name ?? 'model');
    // The ONNX graph name, not the file name: the generated C is a function of the model, not of where it lies.
    const lowered = lower(fused, name, loaded.name || 'model');
    const { program, arenaWords, lowerBoundWords } = planMemory(lowered);
    return { file, loaded, folded, foldedNodes, binarized, fused, program, arenaWords, lowerBoundWords };
  } catch (e) {
    throw e instanceof BnnError ? e.inFile(file) : e;
  }
}
