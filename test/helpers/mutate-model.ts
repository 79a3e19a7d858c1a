/**
 * Structured mutations of an ONNX model: decode with onnx-proto, break one thing a hostile or broken exporter
 * could (tensor sizes and types, graph wiring, attributes, constant inputs, declared shapes, opsets), re-encode.
 * Also inserts small subgraphs that would need gigabytes or hours if the compiler folded them blindly.
 */
import type { onnx as pb } from 'onnx-proto';
import { MAX_ELEMENTS, MAX_RANK } from '../../src/graph/limits.js';
import { onnx } from '../../src/onnx/proto.js';
import { supportedOps } from '../../src/ops/index.js';
import type { Rng } from './random.js';

type Model = pb.IModelProto;
type Graph = pb.IGraphProto;
type Int64 = number | { toNumber(): number };
const AT = onnx.AttributeProto.AttributeType;

/** Integers that break size arithmetic: zero, negatives, 2^31/2^32 boundaries, 2^40 (multi-GB), beyond 2^53. */
const HOSTILE_INTS = [0, 0, 1, -1, -2, 2, 3, 1e9, -1e9, 2 ** 31, 2 ** 32, 2 ** 40, 2 ** 53, 2 ** 62, -(2 ** 62)];
const HOSTILE_FLOATS = [Number.NaN, Infinity, -Infinity, 0, -0, -1, 1e38, -1e38, 1e-45];
const HOSTILE_STRINGS = ['', 'NOTSET', 'VALID', 'SAME_UPPER', 'SAME_LOWER', 'reflect', 'edge', 'wrap', 'garbage\u0000'];
/** Shapes with 2^40 elements and more, empty or negative ones, and ones just at and just over the size limit. */
const HOSTILE_SHAPES = [
  [2 ** 20, 2 ** 20], [2 ** 14, 2 ** 14, 2 ** 14], [2 ** 62], [MAX_ELEMENTS + 1], [MAX_ELEMENTS / 2, 2],
  [-1], [0], [3, 0, 2], [], new Array<number>(MAX_RANK + 1).fill(1),
];
/** Data type codes: supported, unsupported (string, complex, bfloat16) and out of range. */
const DTYPE_CODES = [0, 1, 2, 3, 6, 7, 8, 9, 10, 11, 13, 14, 16, 99, -1];
const ATTR_NAMES: ReadonlyArray<[string, 'int' | 'ints' | 'float' | 'string']> = [
  ['kernel_shape', 'ints'], ['strides', 'ints'], ['pads', 'ints'], ['dilations', 'ints'], ['group', 'int'],
  ['axis', 'int'], ['axes', 'ints'], ['perm', 'ints'], ['to', 'int'], ['transA', 'int'], ['transB', 'int'],
  ['alpha', 'float'], ['beta', 'float'], ['epsilon', 'float'], ['auto_pad', 'string'], ['mode', 'string'],
  ['ceil_mode', 'int'], ['count_include_pad', 'int'], ['keepdims', 'int'], ['allowzero', 'int'], ['start', 'int'],
  ['end', 'int'], ['min', 'float'], ['max', 'float'], ['starts', 'ints'], ['ends', 'ints'], ['training_mode', 'int'],
  ['spatial', 'int'], ['storage_order', 'int'], ['noop_with_empty_axes', 'int'], ['value', 'float'],
];

const num = (v: Int64): number => (typeof v === 'number' ? v : v.toNumber());

function hostileInts(rng: Rng, length: number): number[] {
  return Array.from({ length }, () => (rng.next() < 0.6 ? rng.pick(HOSTILE_INTS) : rng.int(-3, 5)));
}

function int64Tensor(name: string, values: number[], dims = [values.length]): pb.ITensorProto {
  return { name, dims, dataType: 7, int64Data: values };
}

function graphOf(m: Model): Graph {
  if (!m.graph) m.graph = {};
  return m.graph;
}

/** Initializers and Constant-node tensors: everything that holds data. */
function tensors(g: Graph): pb.ITensorProto[] {
  const fromConstants = (g.node ?? []).flatMap((n) => (n.attribute ?? []).flatMap((a) => (a.t ? [a.t] : [])));
  return [...(g.initializer ?? []), ...fromConstants];
}

/** Names of every value produced in the graph (inputs, initializers, node outputs). */
function valueNames(g: Graph): string[] {
  return [
    ...(g.input ?? []).map((v) => v.name ?? ''),
    ...(g.initializer ?? []).map((t) => t.name ?? ''),
    ...(g.node ?? []).flatMap((n) => n.output ?? []),
  ].filter((n) => n !== '');
}

type Mutation = (rng: Rng, m: Model) => string | undefined;

/** Tensor shapes and payloads: negative, zero and huge dims, wrong byte counts, wrong or unsupported data types. */
const tensorMutations: Record<string, Mutation> = {
  dims(rng, m) {
    const t = rng.pick(tensors(graphOf(m)));
    if (!t) return undefined;
    const dims = [...(t.dims ?? [])].map(num);
    const r = rng.int(0, 3);
    if (r === 0 && dims.length > 0) dims[rng.int(0, dims.length - 1)] = rng.pick(HOSTILE_INTS);
    else if (r === 1) dims.push(rng.pick(HOSTILE_INTS));
    else if (r === 2) dims.pop();
    else dims.splice(0, dims.length, ...rng.pick(HOSTILE_SHAPES));
    t.dims = dims;
    return `dims of '${t.name}' := [${dims}]`;
  },
  payload(rng, m) {
    const t = rng.pick(tensors(graphOf(m)));
    if (!t) return undefined;
    const raw = t.rawData ?? new Uint8Array();
    const r = rng.int(0, 3);
    if (r === 0) t.rawData = raw.subarray(0, rng.int(0, raw.length));
    else if (r === 1) t.rawData = new Uint8Array(raw.length + rng.int(1, 9));
    else if (r === 2) t.floatData = Array.from({ length: rng.int(0, 5) }, () => rng.pick(HOSTILE_FLOATS));
    else t.int64Data = hostileInts(rng, rng.int(0, 5));
    return `payload of '${t.name}' (${['truncated', 'extended', 'float_data added', 'int64_data added'][r]})`;
  },
  dataType(rng, m) {
    const t = rng.pick(tensors(graphOf(m)));
    if (!t) return undefined;
    t.dataType = rng.pick(DTYPE_CODES);
    return `data type of '${t.name}' := ${t.dataType}`;
  },
  values(rng, m) {
    // Hostile values with consistent sizes: int64 constants are Reshape shapes, Slice steps, Pad pads, axes...
    const t = rng.pick(tensors(graphOf(m)));
    if (!t) return undefined;
    const count = (t.dims ?? []).map(num).reduce((a, b) => a * b, 1);
    if (!(count >= 0 && count <= 4096)) return undefined;
    if (t.dataType === 7 && rng.next() < 0.5) {
      const values = hostileInts(rng, rng.int(0, 5));
      Object.assign(t, int64Tensor(t.name ?? '', values), { rawData: new Uint8Array() });
      return `'${t.name}' := int64 [${values}]`;
    }
    if (count === 0) return undefined;
    const v = rng.pick(HOSTILE_FLOATS);
    const out = new Uint8Array(count * 4);
    new DataView(out.buffer).setFloat32(4 * rng.int(0, count - 1), v, true);
    Object.assign(t, { dataType: 1, rawData: out, int64Data: [], floatData: [] });
    return `'${t.name}' := float32 zeros with one ${v}`;
  },
  external(rng, m) {
    const t = rng.pick(graphOf(m).initializer ?? []);
    if (!t) return undefined;
    t.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
    t.externalData = [{ key: 'location', value: '../../etc/passwd' }];
    return `'${t.name}' stored externally`;
  },
};

/** Graph wiring: missing and duplicate initializers, dangling inputs, cycles, removed or duplicated nodes. */
const wiringMutations: Record<string, Mutation> = {
  dropInitializer(rng, m) {
    const g = graphOf(m);
    const list = [...(g.initializer ?? [])];
    if (list.length === 0) return undefined;
    const [gone] = list.splice(rng.int(0, list.length - 1), 1);
    g.initializer = list;
    return `initializer '${gone!.name}' removed`;
  },
  duplicateInitializer(rng, m) {
    const g = graphOf(m);
    const t = rng.pick(g.initializer ?? []);
    if (!t) return undefined;
    g.initializer = [...(g.initializer ?? []), { ...t, dims: [1] }];
    return `initializer '${t.name}' listed twice`;
  },
  danglingInput(rng, m) {
    const n = rng.pick(graphOf(m).node ?? []);
    if (!n || (n.input ?? []).length === 0) return undefined;
    const input = [...(n.input ?? [])];
    const k = rng.int(0, input.length - 1);
    input[k] = rng.pick(['nowhere', '', `${input[k]}_`]);
    n.input = input;
    return `input ${k} of '${n.name}' := '${input[k]}'`;
  },
  arity(rng, m) {
    const n = rng.pick(graphOf(m).node ?? []);
    if (!n) return undefined;
    const input = [...(n.input ?? [])];
    if (rng.next() < 0.5) input.pop();
    else input.push(rng.pick([...valueNames(graphOf(m)), '']));
    n.input = input;
    return `inputs of '${n.name}' := [${input}]`;
  },
  cycle(rng, m) {
    const nodes = graphOf(m).node ?? [];
    if (nodes.length === 0) return undefined;
    const i = rng.int(0, nodes.length - 1);
    const later = nodes[rng.int(i, nodes.length - 1)]!;
    const n = nodes[i]!;
    if ((n.input ?? []).length === 0 || (later.output ?? []).length === 0) return undefined;
    const input = [...(n.input ?? [])];
    input[0] = later.output![0]!;
    n.input = input;
    return `'${n.name}' reads '${input[0]}' (its own or a later node's output)`;
  },
  outputs(rng, m) {
    const n = rng.pick(graphOf(m).node ?? []);
    if (!n) return undefined;
    const r = rng.int(0, 2);
    n.output = r === 0 ? [] : r === 1 ? [...(n.output ?? []), `${n.name}_extra`] : [''];
    return `outputs of '${n.name}' := [${n.output}]`;
  },
  sameName(rng, m) {
    const nodes = graphOf(m).node ?? [];
    const [a, b] = [rng.pick(nodes), rng.pick(nodes)];
    if (!a || !b) return undefined;
    const before = a.name;
    a.name = rng.next() < 0.8 ? b.name : '';
    return `node '${before}' renamed to '${a.name}'`;
  },
  outputClash(rng, m) {
    const nodes = graphOf(m).node ?? [];
    const [a, b] = [rng.pick(nodes), rng.pick(nodes)];
    if (!a || !b || (b.output ?? []).length === 0) return undefined;
    a.output = [b.output![0]!];
    return `'${a.name}' also produces '${b.output![0]}'`;
  },
  dropNode(rng, m) {
    const g = graphOf(m);
    const nodes = [...(g.node ?? [])];
    if (nodes.length === 0) return undefined;
    const [gone] = nodes.splice(rng.int(0, nodes.length - 1), 1);
    g.node = nodes;
    return `node '${gone!.name}' removed`;
  },
  shuffleNodes(rng, m) {
    const g = graphOf(m);
    const nodes = [...(g.node ?? [])];
    for (let i = nodes.length - 1; i > 0; i--) {
      const j = rng.int(0, i);
      [nodes[i], nodes[j]] = [nodes[j]!, nodes[i]!];
    }
    g.node = nodes;
    return 'nodes shuffled';
  },
  opType(rng, m) {
    const n = rng.pick(graphOf(m).node ?? []);
    if (!n) return undefined;
    const before = n.opType;
    const r = rng.next();
    if (r < 0.75) n.opType = rng.pick(supportedOps());
    else if (r < 0.85) n.opType = rng.pick(['Expand', 'Tile', 'Loop', 'Softplus', '']);
    else n.domain = rng.pick(['com.microsoft', 'ai.onnx', 'ai.onnx.ml']);
    return `'${n.name}': ${before} -> ${n.domain ? `${n.domain}.` : ''}${n.opType}`;
  },
};

function hostileAttribute(rng: Rng, name: string, kind: 'int' | 'ints' | 'float' | 'string'): pb.IAttributeProto {
  switch (kind) {
    case 'int':
      return { name, type: AT.INT, i: rng.pick(HOSTILE_INTS) };
    case 'ints':
      return { name, type: AT.INTS, ints: hostileInts(rng, rng.int(0, 6)) };
    case 'float':
      return { name, type: AT.FLOAT, f: rng.pick(HOSTILE_FLOATS) };
    case 'string':
      return { name, type: AT.STRING, s: new TextEncoder().encode(rng.pick(HOSTILE_STRINGS)) };
  }
}

const KIND_OF: Partial<Record<number, 'int' | 'ints' | 'float' | 'string'>> = {
  [AT.INT]: 'int', [AT.INTS]: 'ints', [AT.FLOAT]: 'float', [AT.STRING]: 'string',
};

/** Attributes: absurd values (kernel 0 or 1e9, negative strides, huge pads, bad group/axis), wrong types. */
const attributeMutations: Record<string, Mutation> = {
  attributeValue(rng, m) {
    const n = rng.pick(graphOf(m).node ?? []);
    if (!n) return undefined;
    const attrs = [...(n.attribute ?? [])];
    const existing = attrs.filter((a) => KIND_OF[a.type ?? 0] !== undefined);
    let a: pb.IAttributeProto;
    if (existing.length > 0 && rng.next() < 0.6) {
      const old = rng.pick(existing);
      a = hostileAttribute(rng, old.name ?? '', KIND_OF[old.type ?? 0]!);
    } else {
      const [name, kind] = rng.pick(ATTR_NAMES);
      a = hostileAttribute(rng, name, kind);
    }
    n.attribute = [...attrs.filter((x) => x.name !== a.name), a];
    const shown = a.ints ?? a.i ?? a.f ?? new TextDecoder().decode(a.s ?? new Uint8Array());
    return `'${n.name}'.${a.name} := ${Array.isArray(shown) ? `[${shown}]` : String(shown)}`;
  },
  attributeType(rng, m) {
    const n = rng.pick(graphOf(m).node ?? []);
    const a = n ? rng.pick(n.attribute ?? []) : undefined;
    if (!n || !a) return undefined;
    const unknown = 99 as pb.AttributeProto.AttributeType;
    a.type = rng.pick([AT.UNDEFINED, AT.FLOAT, AT.INT, AT.STRING, AT.TENSOR, AT.GRAPH, AT.INTS, AT.STRINGS, unknown]);
    return `'${n.name}'.${a.name} type := ${a.type}`;
  },
};

/** Declared graph inputs and outputs, opsets. */
const interfaceMutations: Record<string, Mutation> = {
  inputType(rng, m) {
    const v = rng.pick(graphOf(m).input ?? []);
    const tt = v?.type?.tensorType;
    if (!v || !tt) return undefined;
    const r = rng.int(0, 3);
    if (r === 0) tt.elemType = rng.pick(DTYPE_CODES);
    else if (r === 1) tt.shape = { dim: rng.pick(HOSTILE_SHAPES).map((d) => ({ dimValue: d })) };
    else if (r === 2) tt.shape = { dim: [{ dimValue: 1 }, { dimParam: 'channels' }, { dimValue: 8 }, { dimValue: 8 }] };
    else if (rng.next() < 0.5) tt.shape = null;
    else v.type = {};
    return `input '${v.name}' type changed (${['elem type', 'shape', 'symbolic dim', 'no shape or type'][r]})`;
  },
  interface(rng, m) {
    const g = graphOf(m);
    const r = rng.int(0, 4);
    if (r === 0) g.output = [];
    else if (r === 1) g.output = [{ ...(g.output ?? [])[0], name: rng.pick(['nowhere', ...valueNames(g)]) }];
    else if (r === 2) g.output = [...(g.output ?? []), { name: rng.pick(valueNames(g)) }];
    else if (r === 3) g.input = [...(g.input ?? []), { ...(g.input ?? [])[0], name: 'second_input' }];
    else g.input = [];
    return ['no outputs', 'output renamed', 'second output', 'second input', 'no inputs'][r];
  },
  opset(rng, m) {
    const version = rng.pick([0, 1, 6, 9, 10, 11, 12, 14, 18, 99, -1]);
    m.opsetImport = rng.next() < 0.9 ? [{ domain: '', version }] : [];
    return `opset := ${version}`;
  },
};

/**
 * Constant subgraphs that folding would evaluate: ConstantOfShape of hostile shapes, fed to ops whose output or
 * work explodes (MatMul, Conv, Pad, Gather, Concat, reductions) or whose parameters are absurd (Reshape, Slice).
 */
const insertMutations: Record<string, Mutation> = {
  hostileSubgraph(rng, m) {
    const g = graphOf(m);
    const id = `fz${rng.int(0, 1e6)}`;
    const r = rng.int(0, 9);
    let shape = rng.next() < 0.5 ? rng.pick(HOSTILE_SHAPES) : [rng.int(1, 4096), rng.int(1, 4096)];
    // MatMul(x, x) and Conv(x, x) need square x: their work grows as n^3 and n^5. The largest sizes pass the
    // folding-work or the tensor-size limit; the others are cheap enough to fold.
    if (r === 1) shape = new Array<number>(2).fill(rng.pick([64, 256, 1024, 2048]));
    if (r === 2) shape = new Array<number>(4).fill(rng.pick([8, 16, 32, 48]));
    const inits: pb.ITensorProto[] = [int64Tensor(`${id}_shape`, shape)];
    const nodes: pb.INodeProto[] = [
      { name: `${id}_cos`, opType: 'ConstantOfShape', input: [`${id}_shape`], output: [`${id}_x`] },
    ];
    const param = (suffix: string, values: number[]) => {
      inits.push(int64Tensor(`${id}_${suffix}`, values));
      return `${id}_${suffix}`;
    };
    const next = (opType: string, input: string[], attribute: pb.IAttributeProto[] = []) =>
      nodes.push({ name: `${id}_${opType}`, opType, input, output: [`${id}_y`], attribute });
    const x = `${id}_x`;
    const intsAttr = (name: string, v: number[]) => ({ name, type: AT.INTS, ints: v });
    const intAttr = (name: string, v: number) => ({ name, type: AT.INT, i: v });
    const some = (n: number) => hostileInts(rng, n);
    if (r === 1) next('MatMul', [x, x]);
    else if (r === 2) next('Conv', [x, x], [intsAttr('pads', rng.next() < 0.5 ? [0, 0, 0, 0] : some(4))]);
    else if (r === 3) next('Pad', [x, param('pads', some(2 * shape.length))]);
    else if (r === 4) next('Gather', [x, param('idx', some(rng.int(1, 3)))], [intAttr('axis', rng.pick([0, 1, -1, 1e9]))]);
    else if (r === 5) next('Concat', new Array<string>(rng.pick([2, 64, 4096])).fill(x), [intAttr('axis', rng.pick([0, 5]))]);
    else if (r === 6) next(rng.pick(['ReduceMean', 'ReduceProd']), [x], [intsAttr('axes', some(rng.int(0, 2)))]);
    else if (r === 7) next('Reshape', [x, param('target', some(rng.int(1, 4)))]);
    else if (r === 9) next('Unsqueeze', [x, param('ax', some(rng.int(1, 3)))]);
    else if (r === 8) {
      const steps = param('sp', [rng.pick([0, -1, 1, 2 ** 40])]);
      next('Slice', [x, param('st', some(1)), param('en', some(1)), param('ax', [rng.pick([0, -1, 3])]), steps]);
    }
    g.initializer = [...(g.initializer ?? []), ...inits];
    g.node = [...nodes, ...(g.node ?? [])];
    // Half the time the subgraph's result becomes a graph output, so pruning cannot hide it.
    const last = nodes[nodes.length - 1]!.output![0]!;
    if (rng.next() < 0.5) g.output = [...(g.output ?? []), { name: last }];
    return `inserted ${nodes.map((n) => n.opType).join(' -> ')} on shape [${shape}]`;
  },
};

const ALL: ReadonlyArray<[string, Mutation]> = Object.entries({
  ...tensorMutations, ...wiringMutations, ...attributeMutations, ...interfaceMutations, ...insertMutations,
});

/** Applies one random applicable structured mutation; undefined when the bytes do not decode as a model. */
export function mutateModel(rng: Rng, bytes: Uint8Array): { kind: string; bytes: Uint8Array } | undefined {
  let model: Model;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch {
    return undefined;
  }
  for (let attempt = 0; attempt < 20; attempt++) {
    const [name, mutation] = rng.pick(ALL);
    const what = mutation(rng, model);
    if (what !== undefined) return { kind: `${name}: ${what}`, bytes: onnx.ModelProto.encode(model).finish() };
  }
  return undefined;
}
