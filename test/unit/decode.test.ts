import assert from 'node:assert/strict';
import { BnnError } from '../../src/errors.js';
import type { Tensor } from '../../src/graph/tensor.js';
import { makeTensor } from '../../src/graph/tensor.js';
import { decodeModel, halfToFloat } from '../../src/onnx/decode.js';
import type { ModelSpec } from '../../src/onnx/encode.js';
import { attr, encodeModel } from '../../src/onnx/encode.js';
import { onnx } from '../../src/onnx/proto.js';
import type { ModelProto } from '../../src/onnx/proto.js';
import { loadModel } from '../../src/phases/1-load/load.js';
import { makeRng } from '../helpers/random.js';

const FILE = 'model.onnx';

/** A model with one Identity node on a graph input; callers add initializers and nodes. */
function spec(extra: Partial<ModelSpec> = {}): ModelSpec {
  return {
    inputs: [{ name: 'x', dtype: 'float32', shape: [1, 3] }],
    outputs: [{ name: 'y', dtype: 'float32' }],
    nodes: [{ opType: 'Identity', inputs: ['x'], outputs: ['y'] }],
    ...extra,
  };
}

/** Encodes `s`, lets `edit` change the protobuf message, and re-encodes it. */
function edited(s: ModelSpec, edit: (m: ModelProto) => void): Uint8Array {
  const m = onnx.ModelProto.decode(encodeModel(s));
  edit(m);
  return onnx.ModelProto.encode(m).finish();
}

function refuses(bytes: Uint8Array, pattern: RegExp): void {
  assert.throws(
    () => decodeModel(bytes, FILE),
    (e: unknown) => e instanceof BnnError && e.where.file === FILE && pattern.test(e.reason),
  );
}

const SAMPLES: Tensor[] = [
  makeTensor('float32', [2, 3], [1.5, -2, 0, 3.25, 1e-8, -7]),
  makeTensor('float64', [3], [0.1, -1e300, 5]),
  makeTensor('int64', [4], [-3, 0, 2 ** 40 + 3, -(2 ** 50)]),
  makeTensor('int32', [2, 2], [-2147483648, 7, 0, 2147483647]),
  makeTensor('int16', [3], [-32768, 1, 32767]),
  makeTensor('int8', [3], [-128, 5, 127]),
  makeTensor('uint8', [3], [0, 200, 255]),
  makeTensor('uint16', [2], [0, 65535]),
  makeTensor('bool', [3], [1, 0, 1]),
  makeTensor('float32', [], [42]),
  makeTensor('float32', [0, 3], []),
];

describe('decode: tensors', () => {
  for (const typedField of [false, true]) {
    it(`reads ${typedField ? 'typed fields' : 'raw_data'} for every type`, () => {
      const g = decodeModel(
        encodeModel(spec({ initializers: SAMPLES.map((tensor, i) => ({ name: `t${i}`, tensor, typedField })) })),
        FILE,
      );
      SAMPLES.forEach((t, i) => {
        const got = g.constants.get(`t${i}`)!;
        assert.equal(got.dtype, t.dtype);
        assert.deepEqual(got.shape, t.shape);
        assert.deepEqual(Array.from(got.data), Array.from(t.data));
        assert.equal(got.data instanceof Float32Array, t.dtype === 'float32');
        assert.deepEqual(g.values.get(`t${i}`), { dtype: t.dtype, shape: t.shape });
      });
    });
  }

  it('converts int64 values that protobufjs gives as Long objects', () => {
    const bytes = edited(spec({ initializers: [{ name: 'w', tensor: makeTensor('int64', [3], [0, 0, 0]), typedField: true }] }), (m) => {
      // strings make protobufjs encode full 64-bit values; decoding yields Long objects
      m.graph!.initializer![0]!.int64Data = ['9223372036854775807', '-9007199254740993', '1099511627779'] as never;
    });
    const w = decodeModel(bytes, FILE).constants.get('w')!;
    assert.deepEqual(Array.from(w.data), [9223372036854775807, -9007199254740992, 1099511627779]);
  });

  it('widens float16 (raw bits and int32_data) to float32', () => {
    const bits = [0x3c00, 0xc000, 0x7bff, 0x0001, 0x8000, 0x3555];
    const expected = bits.map(halfToFloat);
    assert.deepEqual(expected.slice(0, 4), [1, -2, 65504, 2 ** -24]);
    for (const raw of [true, false]) {
      const bytes = edited(spec({ initializers: [{ name: 'h', tensor: makeTensor('float32', [6], bits) }] }), (m) => {
        const t = m.graph!.initializer![0]!;
        t.dataType = 10;
        t.rawData = raw ? new Uint8Array(Uint16Array.from(bits).buffer) : new Uint8Array();
        if (!raw) t.int32Data = bits;
      });
      const h = decodeModel(bytes, FILE).constants.get('h')!;
      assert.equal(h.dtype, 'float32');
      assert.deepEqual(Array.from(h.data), expected.map(Math.fround));
    }
  });

  it('refuses external data, naming the tensor and the file it points to', () => {
    const bytes = edited(spec({ initializers: [{ name: 'w', tensor: makeTensor('float32', [2], [1, 2]) }] }), (m) => {
      const t = m.graph!.initializer![0]!;
      t.rawData = new Uint8Array();
      t.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
      t.externalData = [onnx.StringStringEntryProto.create({ key: 'location', value: 'weights.bin' })];
    });
    refuses(bytes, /initializer 'w' keeps its data in an external file \('weights\.bin'\)/);
  });

  it('refuses a data length that does not match the dims (typed and raw)', () => {
    const typed = edited(spec({ initializers: [{ name: 'w', tensor: makeTensor('float32', [2, 3], [1, 2, 3, 4, 5, 6]), typedField: true }] }), (m) => {
      m.graph!.initializer![0]!.floatData = [1, 2, 3, 4, 5];
    });
    refuses(typed, /initializer 'w' of shape \[2,3\] needs 6 float32 values, has 5/);
    const raw = edited(spec({ initializers: [{ name: 'w', tensor: makeTensor('int64', [2], [1, 2]) }] }), (m) => {
      m.graph!.initializer![0]!.dims = [3];
    });
    refuses(raw, /initializer 'w' of shape \[3\] needs 24 bytes of int64 data, has 16/);
  });

  it('refuses huge or negative dims before allocating', () => {
    const huge = edited(spec({ initializers: [{ name: 'w', tensor: makeTensor('float32', [1], [1]) }] }), (m) => {
      m.graph!.initializer![0]!.dims = [65536, 65536, 65536];
    });
    refuses(huge, /initializer 'w' of shape \[65536,65536,65536\] is too large/);
    const negative = edited(spec({ initializers: [{ name: 'w', tensor: makeTensor('float32', [1], [1]) }] }), (m) => {
      m.graph!.initializer![0]!.dims = [-1];
    });
    refuses(negative, /initializer 'w' has an invalid dimension -1/);
  });

  it('refuses string tensors', () => {
    const bytes = edited(spec({ initializers: [{ name: 's', tensor: makeTensor('float32', [1], [1]) }] }), (m) => {
      m.graph!.initializer![0]!.dataType = 8;
    });
    refuses(bytes, /initializer 's' has unsupported data type string/);
  });
});

describe('decode: graph structure', () => {
  it('treats initializers listed as graph inputs as constants', () => {
    const g = decodeModel(
      encodeModel({
        inputs: [{ name: 'x', dtype: 'float32', shape: [1, 2] }],
        outputs: [{ name: 'y', dtype: 'float32' }],
        initializers: [{ name: 'w', tensor: makeTensor('float32', [2], [1, 2]), listAsInput: true }],
        nodes: [{ opType: 'Add', inputs: ['x', 'w'], outputs: ['y'] }],
      }),
      FILE,
    );
    assert.deepEqual(g.inputs, ['x']);
    assert.ok(g.constants.has('w'));
    assert.deepEqual(g.values.get('x'), { dtype: 'float32', shape: [1, 2] });
  });

  it('turns Constant nodes into constants', () => {
    const g = decodeModel(
      encodeModel(
        spec({
          nodes: [
            { opType: 'Constant', inputs: [], outputs: ['c1'], attrs: { value: attr.tensor(makeTensor('int64', [2], [3, -4])) } },
            { opType: 'Constant', inputs: [], outputs: ['c2'], attrs: { value_float: attr.float(0.5) } },
            { opType: 'Constant', inputs: [], outputs: ['c3'], attrs: { value_floats: attr.floats([1, 2]) } },
            { opType: 'Constant', inputs: [], outputs: ['c4'], attrs: { value_int: attr.int(7) } },
            { opType: 'Constant', inputs: [], outputs: ['c5'], attrs: { value_ints: attr.ints([1, 2, 3]) } },
            { opType: 'Identity', inputs: ['x'], outputs: ['y'] },
          ],
        }),
      ),
      FILE,
    );
    assert.deepEqual(g.nodes.map((n) => n.opType), ['Identity']);
    const c = (name: string) => {
      const t = g.constants.get(name)!;
      return [t.dtype, t.shape, Array.from(t.data)];
    };
    assert.deepEqual(c('c1'), ['int64', [2], [3, -4]]);
    assert.deepEqual(c('c2'), ['float32', [], [0.5]]);
    assert.deepEqual(c('c3'), ['float32', [2], [1, 2]]);
    assert.deepEqual(c('c4'), ['int64', [], [7]]);
    assert.deepEqual(c('c5'), ['int64', [3], [1, 2, 3]]);
  });

  it('refuses a string Constant, naming the node', () => {
    const bytes = encodeModel(
      spec({ nodes: [{ name: 'k', opType: 'Constant', inputs: [], outputs: ['c'], attrs: { value_string: attr.string('hi') } }, { opType: 'Identity', inputs: ['x'], outputs: ['y'] }] }),
    );
    assert.throws(
      () => decodeModel(bytes, FILE),
      (e: unknown) => e instanceof BnnError && e.where.node === 'k (Constant)' && /value_string/.test(e.reason),
    );
  });

  it('normalises opset domains and gives an unimported domain version 1', () => {
    const g = decodeModel(
      encodeModel(
        spec({
          opsets: { 'ai.onnx': 11 },
          nodes: [
            { opType: 'Identity', inputs: ['x'], outputs: ['t'], domain: 'ai.onnx' },
            { opType: 'BipolarQuant', inputs: ['t'], outputs: ['y'], domain: 'qonnx.custom_op.general' },
          ],
        }),
      ),
      FILE,
    );
    assert.equal(g.opsets.get(''), 11);
    assert.equal(g.opsets.get('qonnx.custom_op.general'), 1);
    assert.equal(g.nodes[0]!.domain, '');
  });

  it('decodes every attribute kind', () => {
    const t = makeTensor('float32', [2], [1, 2]);
    const g = decodeModel(
      encodeModel(
        spec({
          nodes: [
            {
              opType: 'Identity',
              inputs: ['x'],
              outputs: ['y'],
              attrs: {
                i: attr.int(-3),
                f: attr.float(0.25),
                s: attr.string('SAME_UPPER'),
                is: attr.ints([1, -2]),
                fs: attr.floats([0.5]),
                ss: { type: 'strings', value: ['a', 'b'] },
                t: attr.tensor(t),
              },
            },
          ],
        }),
      ),
      FILE,
    );
    const a = g.nodes[0]!.attrs;
    assert.deepEqual(a['i'], { type: 'int', value: -3 });
    assert.deepEqual(a['f'], { type: 'float', value: 0.25 });
    assert.deepEqual(a['s'], { type: 'string', value: 'SAME_UPPER' });
    assert.deepEqual(a['is'], { type: 'ints', value: [1, -2] });
    assert.deepEqual(a['fs'], { type: 'floats', value: [0.5] });
    assert.deepEqual(a['ss'], { type: 'strings', value: ['a', 'b'] });
    assert.deepEqual(Array.from((a['t'] as { value: Tensor }).value.data), [1, 2]);
  });

  it('names an unnamed node by its position', () => {
    const bytes = edited(spec(), (m) => {
      m.graph!.node![0]!.name = '';
    });
    assert.equal(decodeModel(bytes, FILE).nodes[0]!.name, '#0');
  });

  it('refuses a value produced twice', () => {
    const bytes = encodeModel(
      spec({
        initializers: [{ name: 'w', tensor: makeTensor('float32', [1], [1]) }],
        nodes: [
          { opType: 'Constant', inputs: [], outputs: ['w'], attrs: { value_float: attr.float(1) } },
          { opType: 'Identity', inputs: ['x'], outputs: ['y'] },
        ],
      }),
    );
    refuses(bytes, /value 'w' is produced twice \(an initializer and Constant node/);
  });
});

describe('decode: input shapes', () => {
  const withDims = (dims: Array<{ dimValue?: number; dimParam?: string }>) =>
    edited(spec(), (m) => {
      m.graph!.input![0]!.type!.tensorType!.shape = onnx.TensorShapeProto.create({
        dim: dims.map((d) => onnx.TensorShapeProto.Dimension.create(d)),
      });
    });

  it('takes a symbolic or missing batch dimension as 1', () => {
    assert.deepEqual(decodeModel(withDims([{ dimParam: 'N' }, { dimValue: 3 }, { dimValue: 4 }]), FILE).values.get('x')!.shape, [1, 3, 4]);
    assert.deepEqual(decodeModel(withDims([{}, { dimValue: 3 }]), FILE).values.get('x')!.shape, [1, 3]);
  });

  it('refuses any other symbolic or missing dimension', () => {
    refuses(
      withDims([{ dimValue: 1 }, { dimValue: 3 }, { dimParam: 'height' }, { dimValue: 4 }]),
      /^dynamic shape: input 'x' dim 2 is 'height'; bnngen needs static shapes$/,
    );
    refuses(withDims([{ dimValue: 1 }, {}]), /dynamic shape: input 'x' dim 1 is unknown/);
  });

  it('refuses an input without a shape or of an unsupported type', () => {
    refuses(edited(spec(), (m) => { m.graph!.input![0]!.type!.tensorType!.shape = null; }), /input 'x' has no shape/);
    refuses(edited(spec(), (m) => { m.graph!.input![0]!.type!.tensorType!.elemType = 8; }), /input 'x' has unsupported type string/);
  });
});

describe('decode: corrupt input', () => {
  it('refuses empty bytes and non-ONNX bytes', () => {
    refuses(new Uint8Array(), /not a valid ONNX model \(no graph\)/);
    refuses(new TextEncoder().encode('this is not a model at all'), /not a valid ONNX model/);
  });

  it('turns every truncation of a real model into a BnnError or a valid graph, never a crash', () => {
    const bytes = encodeModel({
      inputs: [{ name: 'x', dtype: 'float32', shape: [1, 2, 4, 4] }],
      outputs: [{ name: 'y', dtype: 'float32' }],
      initializers: [
        { name: 'w', tensor: makeTensor('float32', [3, 2, 3, 3], new Array(54).fill(0.5)) },
        { name: 'shape', tensor: makeTensor('int64', [2], [1, -1]), typedField: true },
      ],
      nodes: [
        { opType: 'Conv', inputs: ['x', 'w'], outputs: ['c'], attrs: { pads: attr.ints([1, 1, 1, 1]) } },
        { opType: 'Reshape', inputs: ['c', 'shape'], outputs: ['y'] },
      ],
    });
    let refused = 0;
    for (let cut = 0; cut < bytes.length; cut++) {
      try {
        loadModel(bytes.subarray(0, cut), FILE);
      } catch (e) {
        if (!(e instanceof BnnError)) throw new Error(`truncation at ${cut} of ${bytes.length} threw ${String(e)}`);
        refused++;
      }
    }
    assert.ok(refused > bytes.length / 2, `only ${refused} of ${bytes.length} truncations were refused`);
  });

  it('turns random byte flips into a BnnError or a valid graph, never a crash', () => {
    const original = encodeModel(spec({ initializers: [{ name: 'w', tensor: makeTensor('int64', [3], [1, 2, 3]) }] }));
    const rng = makeRng(5);
    for (let t = 0; t < 500; t++) {
      const bytes = original.slice();
      for (let k = rng.int(1, 4); k > 0; k--) bytes[rng.int(0, bytes.length - 1)] = rng.int(0, 255);
      try {
        loadModel(bytes, FILE);
      } catch (e) {
        if (!(e instanceof BnnError)) throw new Error(`flip trial ${t} threw ${String(e)}`);
      }
    }
  });
});
