/**
 * Builds ONNX files from a compact description: used by the tests (randomised single-op models checked against
 * onnxruntime) and by fixture generators. Writes float32 data as raw_data unless asked for the typed fields.
 */
import type { AttrValue } from '../graph/graph.js';
import type { DType, Tensor } from '../graph/tensor.js';
import { codeFromDtype, onnx } from './proto.js';

export interface TensorSpec {
  readonly name: string;
  readonly tensor: Tensor;
  /** Store values in the typed field (float_data, int64_data, ...) instead of raw_data. */
  readonly typedField?: boolean;
  /** Also list this initializer among the graph inputs (old exporters do). */
  readonly listAsInput?: boolean;
}

export interface NodeSpec {
  readonly opType: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly name?: string;
  readonly domain?: string;
  readonly attrs?: Readonly<Record<string, AttrValue>>;
}

export interface ModelSpec {
  readonly name?: string;
  /** Opset per domain ('' = ai.onnx); default { '': 13 }. */
  readonly opsets?: Readonly<Record<string, number>>;
  readonly irVersion?: number;
  readonly inputs: ReadonlyArray<{ name: string; dtype: DType; shape: ReadonlyArray<number | string> }>;
  /** Output shapes may be omitted (onnxruntime infers them). */
  readonly outputs: ReadonlyArray<{ name: string; dtype: DType; shape?: readonly number[] }>;
  readonly initializers?: readonly TensorSpec[];
  readonly nodes: readonly NodeSpec[];
}

/** Dims are numbers, or strings for symbolic (dynamic) dims. */
function valueInfo(name: string, dtype: DType, shape?: ReadonlyArray<number | string>) {
  return onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType: codeFromDtype(dtype),
        shape: shape ? { dim: shape.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } : undefined,
      },
    },
  });
}

export function tensorProto(name: string, t: Tensor, typedField = false) {
  const base = { name, dims: [...t.shape], dataType: codeFromDtype(t.dtype) };
  const values = Array.from(t.data);
  if (!typedField) {
    return onnx.TensorProto.create({ ...base, rawData: rawBytes(t) });
  }
  switch (t.dtype) {
    case 'float32':
      return onnx.TensorProto.create({ ...base, floatData: values });
    case 'float64':
      return onnx.TensorProto.create({ ...base, doubleData: values });
    case 'int64':
      return onnx.TensorProto.create({ ...base, int64Data: values });
    default:
      return onnx.TensorProto.create({ ...base, int32Data: values });
  }
}

function rawBytes(t: Tensor): Uint8Array {
  const n = t.data.length;
  const put: Record<string, [number, (v: DataView, o: number, x: number) => void]> = {
    float32: [4, (v, o, x) => v.setFloat32(o, x, true)],
    float64: [8, (v, o, x) => v.setFloat64(o, x, true)],
    int64: [8, (v, o, x) => v.setBigInt64(o, BigInt(x), true)],
    uint64: [8, (v, o, x) => v.setBigUint64(o, BigInt(x), true)],
    int32: [4, (v, o, x) => v.setInt32(o, x, true)],
    uint32: [4, (v, o, x) => v.setUint32(o, x, true)],
    int16: [2, (v, o, x) => v.setInt16(o, x, true)],
    uint16: [2, (v, o, x) => v.setUint16(o, x, true)],
    int8: [1, (v, o, x) => v.setInt8(o, x)],
    uint8: [1, (v, o, x) => v.setUint8(o, x)],
    bool: [1, (v, o, x) => v.setUint8(o, x ? 1 : 0)],
  };
  const entry = put[t.dtype];
  if (!entry) throw new Error(`cannot encode ${t.dtype} as raw_data`);
  const [width, set] = entry;
  const bytes = new Uint8Array(n * width);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < n; i++) set(view, i * width, t.data[i]!);
  return bytes;
}

function attributeProto(name: string, a: AttrValue) {
  const T = onnx.AttributeProto.AttributeType;
  switch (a.type) {
    case 'int':
      return onnx.AttributeProto.create({ name, type: T.INT, i: a.value });
    case 'float':
      return onnx.AttributeProto.create({ name, type: T.FLOAT, f: a.value });
    case 'string':
      return onnx.AttributeProto.create({ name, type: T.STRING, s: new TextEncoder().encode(a.value) });
    case 'ints':
      return onnx.AttributeProto.create({ name, type: T.INTS, ints: a.value });
    case 'floats':
      return onnx.AttributeProto.create({ name, type: T.FLOATS, floats: a.value });
    case 'strings':
      return onnx.AttributeProto.create({
        name,
        type: T.STRINGS,
        strings: a.value.map((s) => new TextEncoder().encode(s)),
      });
    case 'tensor':
      return onnx.AttributeProto.create({ name, type: T.TENSOR, t: tensorProto('', a.value) });
    case 'unsupported':
      throw new Error(`cannot encode attribute ${name}`);
  }
}

export function encodeModel(spec: ModelSpec): Uint8Array {
  const inits = spec.initializers ?? [];
  const graph = onnx.GraphProto.create({
    name: spec.name ?? 'model',
    node: spec.nodes.map((n, i) =>
      onnx.NodeProto.create({
        name: n.name ?? `${n.opType}_${i}`,
        opType: n.opType,
        domain: n.domain ?? '',
        input: [...n.inputs],
        output: [...n.outputs],
        attribute: Object.entries(n.attrs ?? {}).map(([k, v]) => attributeProto(k, v)),
      }),
    ),
    initializer: inits.map((s) => tensorProto(s.name, s.tensor, s.typedField)),
    input: [
      ...spec.inputs.map((i) => valueInfo(i.name, i.dtype, i.shape)),
      ...inits.filter((s) => s.listAsInput).map((s) => valueInfo(s.name, s.tensor.dtype, s.tensor.shape)),
    ],
    output: spec.outputs.map((o) => valueInfo(o.name, o.dtype, o.shape)),
  });
  const opsets = spec.opsets ?? { '': 13 };
  const model = onnx.ModelProto.create({
    irVersion: spec.irVersion ?? 7,
    producerName: 'bnngen-test',
    opsetImport: Object.entries(opsets).map(([domain, version]) => ({ domain, version })),
    graph,
  });
  return onnx.ModelProto.encode(model).finish();
}

/** Attribute shorthands for specs. */
export const attr = {
  int: (value: number): AttrValue => ({ type: 'int', value }),
  float: (value: number): AttrValue => ({ type: 'float', value }),
  ints: (value: number[]): AttrValue => ({ type: 'ints', value }),
  floats: (value: number[]): AttrValue => ({ type: 'floats', value }),
  string: (value: string): AttrValue => ({ type: 'string', value }),
  tensor: (value: Tensor): AttrValue => ({ type: 'tensor', value }),
};
