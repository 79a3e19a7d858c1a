import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { BnnError } from '../../src/errors.js';
import { evaluateGraph } from '../../src/graph/evaluate.js';
import { makeTensor } from '../../src/graph/tensor.js';
import type { ModelSpec, NodeSpec } from '../../src/onnx/encode.js';
import { encodeModel } from '../../src/onnx/encode.js';
import { MAX_CONSTANT_BYTES } from '../../src/graph/limits.js';
import { loadModel, loadModelFile } from '../../src/phases/1-load/load.js';

const FILE = 'net.onnx';

function model(nodes: NodeSpec[], outputs = ['y']): ModelSpec {
  return {
    inputs: [{ name: 'x', dtype: 'float32', shape: [1, 4] }],
    outputs: outputs.map((name) => ({ name, dtype: 'float32' })),
    initializers: [{ name: 'w', tensor: makeTensor('float32', [4], [1, -2, 3, -4]) }],
    nodes,
  };
}

function refuses(spec: ModelSpec, pattern: RegExp): BnnError {
  let caught: BnnError | undefined;
  assert.throws(
    () => loadModel(encodeModel(spec), FILE),
    (e: unknown) => {
      if (!(e instanceof BnnError)) return false;
      caught = e;
      return e.where.file === FILE && pattern.test(e.line());
    },
  );
  return caught!;
}

describe('load', () => {
  it('lists the unsupported operator, its node and inputs, and what is supported', () => {
    const e = refuses(
      model([
        { name: 'n1', opType: 'Foo', inputs: ['x', 'w'], outputs: ['t'] },
        { name: 'n2', opType: 'Bar', inputs: ['t'], outputs: ['y'] },
      ]),
      /unsupported operator 'Foo' \(node n1, inputs x, w\); also unsupported: Bar; supported: Abs, Add, .*Conv.*Sub/,
    );
    assert.ok(e.line().startsWith(`bnngen: ${FILE}: unsupported operator`));
  });

  it('names a custom domain in the unsupported-operator message', () => {
    refuses(
      model([{ name: 'q', opType: 'Quant', domain: 'my.domain', inputs: ['x'], outputs: ['y'] }]),
      /unsupported operator 'my\.domain\.Quant' \(node q, inputs x\)/,
    );
  });

  it('refuses a dangling input, naming the node and the input', () => {
    refuses(
      model([{ name: 'add', opType: 'Add', inputs: ['x', 'nowhere'], outputs: ['y'] }]),
      /node add \(Add\): input 'nowhere' is not produced by any node, initializer or graph input/,
    );
  });

  it('refuses a cycle, naming a node on it', () => {
    refuses(
      model([
        { name: 'a', opType: 'Add', inputs: ['x', 'q'], outputs: ['p'] },
        { name: 'b', opType: 'Relu', inputs: ['p'], outputs: ['q'] },
        { name: 'c', opType: 'Identity', inputs: ['p'], outputs: ['y'] },
      ]),
      /node (a \(Add\)|b \(Relu\)): the graph has a cycle through value '(p|q)'/,
    );
  });

  it('refuses a value produced twice and an output nobody produces', () => {
    refuses(
      model([
        { name: 'a', opType: 'Relu', inputs: ['x'], outputs: ['y'] },
        { name: 'b', opType: 'Abs', inputs: ['x'], outputs: ['y'] },
      ]),
      /node b \(Abs\): value 'y' is produced twice/,
    );
    refuses(model([{ opType: 'Relu', inputs: ['x'], outputs: ['y'] }], ['y', 'z']), /graph output 'z' is not produced/);
  });

  it('sorts out-of-order nodes topologically and keeps valid file order', () => {
    const nodes: NodeSpec[] = [
      { name: 'last', opType: 'Mul', inputs: ['b', 'w'], outputs: ['y'] },
      { name: 'mid', opType: 'Abs', inputs: ['a'], outputs: ['b'] },
      { name: 'first', opType: 'Add', inputs: ['x', 'w'], outputs: ['a'] },
      { name: 'side', opType: 'Relu', inputs: ['x'], outputs: ['s'] },
    ];
    const shuffled = loadModel(encodeModel(model(nodes, ['y', 's'])), FILE);
    assert.deepEqual(shuffled.nodes.map((n) => n.name), ['first', 'mid', 'last', 'side']);
    const ordered = loadModel(encodeModel(model([nodes[2]!, nodes[3]!, nodes[1]!, nodes[0]!], ['y', 's'])), FILE);
    assert.deepEqual(ordered.nodes.map((n) => n.name), ['first', 'side', 'mid', 'last']);
    const x = new Map([['x', makeTensor('float32', [1, 4], [0.5, 1, -1, 2])]]);
    assert.deepEqual(Array.from(evaluateGraph(shuffled, x).get('y')!.data), [1.5, -2, 6, -8]);
  });

  it('sorts a long chain given in reverse without overflowing the stack', () => {
    const n = 20000;
    const nodes: NodeSpec[] = [];
    for (let i = n - 1; i >= 0; i--) {
      nodes.push({ opType: 'Relu', inputs: [i === 0 ? 'x' : `v${i - 1}`], outputs: [i === n - 1 ? 'y' : `v${i}`] });
    }
    const g = loadModel(encodeModel(model(nodes)), FILE);
    assert.equal(g.nodes[0]!.inputs[0], 'x');
    assert.equal(g.nodes[n - 1]!.outputs[0], 'y');
  });

  it('loads a file, and refuses a missing one naming it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bnngen-load-'));
    try {
      const path = join(dir, 'm.onnx');
      await writeFile(path, encodeModel(model([{ opType: 'Relu', inputs: ['x'], outputs: ['y'] }])));
      assert.equal((await loadModelFile(path)).file, path);
      const missing = join(dir, 'missing.onnx');
      await assert.rejects(
        loadModelFile(missing),
        (e: unknown) => e instanceof BnnError && e.line() === `bnngen: ${missing}: cannot read the model (ENOENT)`,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reads gzip-compressed models and refuses corrupt or oversized gzip data in one line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bnngen-load-'));
    try {
      const plain = encodeModel(model([{ opType: 'Relu', inputs: ['x'], outputs: ['y'] }]));
      const path = join(dir, 'm.onnx.gz');
      await writeFile(path, gzipSync(plain));
      const graph = await loadModelFile(path);
      assert.deepEqual(graph.nodes.map((n) => n.opType), ['Relu']);

      const corrupt = join(dir, 'corrupt.onnx.gz');
      await writeFile(corrupt, gzipSync(plain).subarray(0, 20));
      await assert.rejects(loadModelFile(corrupt), (e: unknown) => e instanceof BnnError && e.line().startsWith(`bnngen: ${corrupt}: corrupt gzip data`));

      const bomb = join(dir, 'bomb.onnx.gz');
      await writeFile(bomb, gzipSync(new Uint8Array(MAX_CONSTANT_BYTES + 1)));
      await assert.rejects(
        loadModelFile(bomb),
        (e: unknown) => e instanceof BnnError && e.line() === `bnngen: ${bomb}: gzip data expands to more than ${MAX_CONSTANT_BYTES} bytes`,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
