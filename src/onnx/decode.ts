/**
 * ONNX bytes -> Graph. Normalises what exporters vary on: initializers listed as graph inputs become constants,
 * Constant nodes become constants, a symbolic batch dimension becomes 1, 'ai.onnx' becomes '', and a node domain
 * without an opset import gets version 1 (old QONNX exports omit it), and a repeated node name is made unique.
 * Validates every tensor's size before allocating anything for it. Does not check node order or operator support
 * (phases/1-load does).
 */
import { BnnError } from '../errors.js';
import type { AttrValue, Graph, Node, ValueInfo } from '../graph/graph.js';
import { checkedSize, MAX_CONSTANT_BYTES } from '../graph/limits.js';
import type { DType, Tensor } from '../graph/tensor.js';
import type { onnx as pb } from 'onnx-proto';
import { dtypeFromCode, onnx } from './proto.js';

type Int64 = number | { toNumber(): number };

/** protobufjs gives 64-bit integers as Long objects (or numbers); beyond 2^53 precision is lost, as documented. */
function toNumber(v: Int64 | null | undefined): number {
  if (v === null || v === undefined) return 0;
  return typeof v === 'number' ? v : v.toNumber();
}

const TYPE_NAMES: Record<number, string> = {
  0: 'UNDEFINED', 8: 'string', 14: 'complex64', 15: 'complex128', 16: 'bfloat16',
};

function typeName(code: number): string {
  return dtypeFromCode(code) ?? TYPE_NAMES[code] ?? `data type ${code}`;
}

/** Decodes a model; every refusal is a BnnError naming `file`. */
export function decodeModel(bytes: Uint8Array, file: string): Graph {
  try {
    return decodeGraph(parse(bytes), file);
  } catch (e) {
    if (e instanceof BnnError) throw e.inFile(file);
    throw e;
  }
}

function parse(bytes: Uint8Array): pb.ModelProto {
  let model: pb.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new BnnError(`not a valid ONNX model (${e instanceof Error ? e.message : String(e)})`);
  }
  if (!model.graph) throw new BnnError('not a valid ONNX model (no graph)');
  return model;
}

function decodeGraph(model: pb.ModelProto, file: string): Graph {
  const g = model.graph!;
  const producers = new Map<string, string>();
  const claim = (name: string, what: string) => {
    const prev = producers.get(name);
    if (prev !== undefined) throw new BnnError(`value '${name}' is produced twice (${prev} and ${what})`);
    producers.set(name, what);
  };

  const constants = new Map<string, Tensor>();
  let constantBytes = 0;
  const addConstant = (name: string, t: Tensor) => {
    constantBytes += t.data.byteLength;
    if (constantBytes > MAX_CONSTANT_BYTES) {
      throw new BnnError(`the model's constants need more than ${MAX_CONSTANT_BYTES} bytes (at '${name}')`);
    }
    constants.set(name, t);
  };
  for (const t of g.initializer ?? []) {
    const name = t.name ?? '';
    claim(name, 'an initializer');
    addConstant(name, decodeTensor(t, `initializer '${name}'`));
  }

  const inputs: string[] = [];
  const values = new Map<string, ValueInfo>();
  for (const vi of g.input ?? []) {
    const name = vi.name ?? '';
    if (constants.has(name)) continue; // old exporters list initializers as inputs: they are constants
    claim(name, 'a graph input');
    inputs.push(name);
    values.set(name, inputInfo(vi));
  }

  const opsets = new Map<string, number>();
  for (const o of model.opsetImport) opsets.set(normalizeDomain(o.domain ?? ''), toNumber(o.version));

  const nodes: Node[] = [];
  const nodeNames = new Set<string>();
  (g.node ?? []).forEach((n, i) => {
    const node = decodeNode(n, i);
    if (node.domain === '' && node.opType === 'Constant') {
      const out = node.outputs[0];
      if (node.outputs.length !== 1 || !out) {
        throw new BnnError('a Constant node needs exactly one output', where(node));
      }
      claim(out, `Constant node ${node.name}`);
      addConstant(out, constantValue(node));
      return;
    }
    if (!opsets.has(node.domain)) opsets.set(node.domain, 1);
    nodes.push(uniquelyNamed(node, i, nodeNames));
  });

  for (const [name, t] of constants) values.set(name, { dtype: t.dtype, shape: t.shape });
  const outputs = (g.output ?? []).map((o) => o.name ?? '');
  if (outputs.length === 0) throw new BnnError('the model declares no outputs');
  return { file, name: g.name ?? '', opsets, inputs, outputs, constants, nodes, values };
}

/**
 * Later phases key nodes by name, so a repeated name gets the node's position appended (`conv#12`), as an
 * unnamed node is called `#12`. `taken` holds the names given so far.
 */
function uniquelyNamed(node: Node, index: number, taken: Set<string>): Node {
  let name = node.name;
  if (taken.has(name)) name = `${name}#${index}`;
  while (taken.has(name)) name += "'";
  taken.add(name);
  return name === node.name ? node : { ...node, name };
}

function normalizeDomain(domain: string): string {
  return domain === 'ai.onnx' ? '' : domain;
}

function where(node: Node): { node: string } {
  return { node: `${node.name} (${node.opType})` };
}

function inputInfo(vi: pb.IValueInfoProto): ValueInfo {
  const name = vi.name ?? '';
  const tt = vi.type?.tensorType;
  if (!tt) throw new BnnError(`input '${name}' is not a tensor`);
  const code = tt.elemType ?? 0;
  const dtype = dtypeFromCode(code);
  if (dtype === undefined) throw new BnnError(`input '${name}' has unsupported type ${typeName(code)}`);
  if (dtype === 'float16') throw new BnnError(`input '${name}' is float16; bnngen needs float32 inputs`);
  if (!tt.shape) throw new BnnError(`input '${name}' has no shape; bnngen needs static shapes`);
  const shape = (tt.shape.dim ?? []).map((d, k) => {
    const isValue = (d as pb.TensorShapeProto.Dimension).value === 'dimValue';
    const v = isValue ? toNumber(d.dimValue) : -1;
    if (v > 0) return v;
    if (v === 0) throw new BnnError(`input '${name}' dim ${k} is 0; bnngen does not support empty tensors`);
    if (k === 0) return 1; // a symbolic, missing or negative (some exporters' "any") batch dimension: batch 1
    if (isValue) throw new BnnError(`input '${name}' dim ${k} is negative (${v})`);
    const what = d.dimParam ? `'${d.dimParam}'` : 'unknown';
    throw new BnnError(`dynamic shape: input '${name}' dim ${k} is ${what}; bnngen needs static shapes`);
  });
  checkedSize(shape, `input '${name}'`);
  return { dtype, shape };
}

function decodeNode(n: pb.INodeProto, index: number): Node {
  const opType = n.opType ?? '';
  // An unnamed node is called by its position in the file, so error messages can still point at it.
  const name = n.name || `#${index}`;
  const label = { node: `${name} (${opType})` };
  const attrs: Record<string, AttrValue> = {};
  for (const a of n.attribute ?? []) {
    try {
      attrs[a.name ?? ''] = decodeAttr(a);
    } catch (e) {
      throw e instanceof BnnError ? new BnnError(`attribute '${a.name}': ${e.reason}`, label) : e;
    }
  }
  return {
    name,
    opType,
    domain: normalizeDomain(n.domain ?? ''),
    inputs: [...(n.input ?? [])],
    outputs: [...(n.output ?? [])],
    attrs,
  };
}

function decodeAttr(a: pb.IAttributeProto): AttrValue {
  const T = onnx.AttributeProto.AttributeType;
  switch (a.type) {
    case T.FLOAT:
      return { type: 'float', value: a.f ?? 0 };
    case T.INT:
      return { type: 'int', value: toNumber(a.i) };
    case T.STRING:
      return { type: 'string', value: new TextDecoder().decode(a.s ?? new Uint8Array()) };
    case T.TENSOR:
      if (!a.t) throw new BnnError('tensor attribute without a tensor');
      return { type: 'tensor', value: decodeTensor(a.t, 'tensor') };
    case T.FLOATS:
      return { type: 'floats', value: [...(a.floats ?? [])] };
    case T.INTS:
      return { type: 'ints', value: (a.ints ?? []).map(toNumber) };
    case T.STRINGS:
      return { type: 'strings', value: (a.strings ?? []).map((s) => new TextDecoder().decode(s)) };
    default:
      return { type: 'unsupported', value: T[a.type ?? 0] ?? `attribute type ${a.type}` };
  }
}

function constantValue(node: Node): Tensor {
  const entries = Object.entries(node.attrs);
  if (entries.length !== 1) {
    throw new BnnError(`a Constant node needs exactly one value attribute, got ${entries.length}`, where(node));
  }
  const [key, a] = entries[0]!;
  if (key === 'value' && a.type === 'tensor') return a.value;
  if (key === 'value_float' && a.type === 'float') {
    return { dtype: 'float32', shape: [], data: Float32Array.of(a.value) };
  }
  if (key === 'value_floats' && a.type === 'floats') {
    return { dtype: 'float32', shape: [a.value.length], data: Float32Array.from(a.value) };
  }
  if (key === 'value_int' && a.type === 'int') return { dtype: 'int64', shape: [], data: Float64Array.of(a.value) };
  if (key === 'value_ints' && a.type === 'ints') {
    return { dtype: 'int64', shape: [a.value.length], data: Float64Array.from(a.value) };
  }
  throw new BnnError(`Constant attribute '${key}' (${a.type}) is not supported`, where(node));
}

/** Bytes per element in raw_data. */
const WIDTH: Record<DType, number> = {
  float32: 4, float64: 8, float16: 2,
  int64: 8, int32: 4, int16: 2, int8: 1,
  uint64: 8, uint32: 4, uint16: 2, uint8: 1,
  bool: 1,
};

/**
 * A TensorProto as a Tensor. float16 is widened to float32 (exactly): bnngen computes in float32.
 * `what` names the tensor in error messages.
 */
export function decodeTensor(t: pb.ITensorProto, what: string): Tensor {
  const code = t.dataType ?? 0;
  const dtype = dtypeFromCode(code);
  if (dtype === undefined) throw new BnnError(`${what} has unsupported data type ${typeName(code)}`);
  if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) {
    const loc = t.externalData?.find((e) => e.key === 'location')?.value ?? '?';
    throw new BnnError(
      `${what} keeps its data in an external file ('${loc}'); bnngen reads self-contained models only ` +
        '(export without external data)',
    );
  }
  if (t.segment) throw new BnnError(`${what} is a segment of a larger tensor, which bnngen does not support`);
  const shape = (t.dims ?? []).map(toNumber);
  const n = checkedSize(shape, what);
  const values = tensorValues(t, dtype, n, what);
  if (dtype === 'float16') return { dtype: 'float32', shape, data: Float32Array.from(values, halfToFloat) };
  const data = dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
  data.set(values);
  return { dtype, shape, data };
}

/** The n stored values, float16 as its bit patterns. Checks the count before reading. */
function tensorValues(t: pb.ITensorProto, dtype: DType, n: number, what: string): ArrayLike<number> {
  const raw = t.rawData;
  if (raw && raw.length > 0) {
    const width = WIDTH[dtype];
    if (raw.length !== n * width) {
      throw new BnnError(
        `${what} of shape [${t.dims ?? []}] needs ${n * width} bytes of ${dtype} data, has ${raw.length}`,
      );
    }
    return readRaw(raw, dtype, n);
  }
  const field = typedField(t, dtype);
  if (field.length !== n) {
    throw new BnnError(`${what} of shape [${t.dims ?? []}] needs ${n} ${dtype} values, has ${field.length}`);
  }
  return field;
}

function typedField(t: pb.ITensorProto, dtype: DType): ArrayLike<number> {
  switch (dtype) {
    case 'float32':
      return t.floatData ?? [];
    case 'float64':
      return t.doubleData ?? [];
    case 'int64':
      return (t.int64Data ?? []).map(toNumber);
    case 'uint32':
    case 'uint64':
      return (t.uint64Data ?? []).map(toNumber);
    case 'bool':
      return (t.int32Data ?? []).map((v) => (v !== 0 ? 1 : 0));
    default: // int32, int16, int8, uint16, uint8, float16 bits: all stored in int32_data
      return t.int32Data ?? [];
  }
}

function readRaw(raw: Uint8Array, dtype: DType, n: number): ArrayLike<number> {
  const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out = new Float64Array(n);
  const read: Record<DType, (i: number) => number> = {
    float32: (i) => v.getFloat32(i * 4, true),
    float64: (i) => v.getFloat64(i * 8, true),
    float16: (i) => v.getUint16(i * 2, true),
    int64: (i) => Number(v.getBigInt64(i * 8, true)),
    uint64: (i) => Number(v.getBigUint64(i * 8, true)),
    int32: (i) => v.getInt32(i * 4, true),
    uint32: (i) => v.getUint32(i * 4, true),
    int16: (i) => v.getInt16(i * 2, true),
    uint16: (i) => v.getUint16(i * 2, true),
    int8: (i) => v.getInt8(i),
    uint8: (i) => v.getUint8(i),
    bool: (i) => (v.getUint8(i) !== 0 ? 1 : 0),
  };
  const get = read[dtype];
  for (let i = 0; i < n; i++) out[i] = get(i);
  return out;
}

/** IEEE binary16 bit pattern -> its (exactly representable) float32 value. */
export function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const frac = bits & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}
