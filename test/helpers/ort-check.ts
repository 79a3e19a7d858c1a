/**
 * "Build a model, run onnxruntime, run bnngen's float reference, compare": the check every op's tests use.
 * Our side runs twice, on the loaded graph and on the folded graph (so fold, infer and evaluate all agree).
 */
import * as ort from 'onnxruntime-node';
import type { Graph } from '../../src/graph/graph.js';
import type { DType, Tensor } from '../../src/graph/tensor.js';
import { evaluateGraph } from '../../src/graph/evaluate.js';
import type { ModelSpec } from '../../src/onnx/encode.js';
import { encodeModel } from '../../src/onnx/encode.js';
import { loadModel } from '../../src/phases/1-load/load.js';
import { foldGraph } from '../../src/phases/2-fold/fold.js';

export interface Tolerance {
  /** Relative tolerance (float outputs). */
  readonly rel: number;
  /** Absolute tolerance (float outputs). Integer and bool outputs must match exactly. */
  readonly abs: number;
}

export const DEFAULT_TOLERANCE: Tolerance = { rel: 1e-5, abs: 1e-6 };

export interface CheckResult {
  /** bnngen's outputs (loaded graph). */
  readonly ours: Map<string, Tensor>;
  readonly ort: Map<string, Tensor>;
}

function toOrt(t: Tensor): ort.Tensor {
  const dims = [...t.shape];
  const d = t.data;
  switch (t.dtype) {
    case 'float32':
      return new ort.Tensor('float32', Float32Array.from(d), dims);
    case 'float64':
      return new ort.Tensor('float64', Float64Array.from(d), dims);
    case 'int64':
      return new ort.Tensor('int64', BigInt64Array.from(d, (v) => BigInt(v)), dims);
    case 'uint64':
      return new ort.Tensor('uint64', BigUint64Array.from(d, (v) => BigInt(v)), dims);
    case 'int32':
      return new ort.Tensor('int32', Int32Array.from(d), dims);
    case 'uint32':
      return new ort.Tensor('uint32', Uint32Array.from(d), dims);
    case 'int16':
      return new ort.Tensor('int16', Int16Array.from(d), dims);
    case 'uint16':
      return new ort.Tensor('uint16', Uint16Array.from(d), dims);
    case 'int8':
      return new ort.Tensor('int8', Int8Array.from(d), dims);
    case 'uint8':
      return new ort.Tensor('uint8', Uint8Array.from(d), dims);
    case 'bool':
      return new ort.Tensor('bool', Uint8Array.from(d), dims);
    case 'float16':
      throw new Error('float16 tensors are not fed to onnxruntime in tests');
  }
}

function fromOrt(t: ort.Tensor): Tensor {
  const dtype = t.type as DType;
  const src = t.data as ArrayLike<number | bigint>;
  const n = src.length;
  const data = dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = Number(src[i]!);
  return { dtype, shape: [...t.dims], data };
}

/** Runs model bytes in onnxruntime (one thread, no graph optimisations: the op kernels themselves). */
export async function runOrt(bytes: Uint8Array, inputs: Record<string, Tensor>): Promise<Map<string, Tensor>> {
  const session = await ort.InferenceSession.create(bytes, {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'disabled',
  });
  try {
    const feeds: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(inputs)) feeds[name] = toOrt(t);
    const results = await session.run(feeds);
    return new Map(session.outputNames.map((name) => [name, fromOrt(results[name]!)]));
  } finally {
    await session.release();
  }
}

/** Throws an Error describing the first difference beyond `tol` between `actual` and `expected`. */
export function assertClose(what: string, actual: Tensor, expected: Tensor, tol: Tolerance = DEFAULT_TOLERANCE): void {
  if (actual.dtype !== expected.dtype) throw new Error(`${what}: dtype ${actual.dtype}, expected ${expected.dtype}`);
  if (actual.shape.length !== expected.shape.length || actual.shape.some((d, i) => d !== expected.shape[i])) {
    throw new Error(`${what}: shape [${actual.shape}], expected [${expected.shape}]`);
  }
  const exact = !(actual.dtype === 'float32' || actual.dtype === 'float64' || actual.dtype === 'float16');
  for (let i = 0; i < actual.data.length; i++) {
    const a = actual.data[i]!;
    const e = expected.data[i]!;
    if (Object.is(a, e) || (Number.isNaN(a) && Number.isNaN(e)) || a === e) continue;
    const ok = !exact && Number.isFinite(e) && Math.abs(a - e) <= tol.abs + tol.rel * Math.abs(e);
    if (!ok) throw new Error(`${what}: element ${i} is ${a}, expected ${e} (shape [${actual.shape}])`);
  }
}

/**
 * Encodes `spec`, runs it in onnxruntime and in bnngen (loaded graph and folded graph) on `inputs`, and throws
 * unless every output matches: same dtype and shape, floats within `tol`, integers exactly. The folded graph's
 * results must equal the loaded graph's bit for bit.
 */
export async function checkAgainstOrt(
  spec: ModelSpec,
  inputs: Record<string, Tensor>,
  tol: Partial<Tolerance> = {},
): Promise<CheckResult> {
  const bytes = encodeModel(spec);
  const expected = await runOrt(bytes, inputs);
  const loaded = loadModel(bytes, 'check.onnx');
  const feeds = new Map(Object.entries(inputs));
  const ours = evaluateGraph(loaded, feeds);
  const { graph: folded } = foldGraph(loaded);
  const oursFolded = evaluateGraph(folded, feeds);
  const tolerance = { ...DEFAULT_TOLERANCE, ...tol };
  for (const [name, e] of expected) {
    const a = ours.get(name);
    if (!a) throw new Error(`output '${name}' missing from bnngen's results`);
    assertClose(`output '${name}'`, a, e, tolerance);
    const info = folded.values.get(name);
    if (!info || info.dtype !== e.dtype || info.shape.join() !== e.shape.join()) {
      throw new Error(`output '${name}': folded graph infers ${JSON.stringify(info)}, onnxruntime gives ${e.dtype}[${e.shape}]`);
    }
    assertClose(`output '${name}' (folded graph)`, oursFolded.get(name)!, a, { rel: 0, abs: 0 });
  }
  return { ours, ort: expected };
}

export interface SingleOpCase {
  readonly opType: string;
  /** Graph inputs, fed at run time, in node input order. */
  readonly inputs?: Record<string, Tensor>;
  /** Initializers (constants), after the graph inputs in node input order. */
  readonly constants?: Record<string, Tensor>;
  /** Node input order when it differs from inputs-then-constants ('' = omitted optional input). */
  readonly nodeInputs?: readonly string[];
  readonly attrs?: ModelSpec['nodes'][number]['attrs'];
  /** ai.onnx opset; default 13. */
  readonly opset?: number;
  /** Output types, one per output (default: one output of the first input's type). */
  readonly outputs?: readonly DType[];
  readonly tol?: Partial<Tolerance>;
}

/** The one-node model `c` describes: node 'node', outputs y0, y1, ... */
export function singleOpSpec(c: SingleOpCase): ModelSpec {
  const inputs = c.inputs ?? {};
  const constants = c.constants ?? {};
  const first = [...Object.values(inputs), ...Object.values(constants)][0];
  const outputs = c.outputs ?? [first?.dtype ?? 'float32'];
  return {
    opsets: { '': c.opset ?? 13 },
    inputs: Object.entries(inputs).map(([name, t]) => ({ name, dtype: t.dtype, shape: t.shape })),
    outputs: outputs.map((dtype, i) => ({ name: `y${i}`, dtype })),
    initializers: Object.entries(constants).map(([name, tensor]) => ({ name, tensor })),
    nodes: [
      {
        name: 'node',
        opType: c.opType,
        inputs: c.nodeInputs ?? [...Object.keys(inputs), ...Object.keys(constants)],
        outputs: outputs.map((_, i) => `y${i}`),
        attrs: c.attrs ?? {},
      },
    ],
  };
}

/** Builds a one-node model from `c` and checks it against onnxruntime (see checkAgainstOrt). */
export function checkSingleOp(c: SingleOpCase): Promise<CheckResult> {
  return checkAgainstOrt(singleOpSpec(c), c.inputs ?? {}, c.tol);
}

/** Loads and folds the one-node model `c` in bnngen only (for refusals onnxruntime would also reject). */
export function foldSingleOp(c: SingleOpCase): Graph {
  return foldGraph(loadModel(encodeModel(singleOpSpec(c)), 'single.onnx')).graph;
}
