import assert from 'node:assert/strict';
import { BnnError } from '../../src/errors.js';
import { evaluateGraph } from '../../src/graph/evaluate.js';
import { makeTensor } from '../../src/graph/tensor.js';
import type { ModelSpec, NodeSpec, TensorSpec } from '../../src/onnx/encode.js';
import { attr, encodeModel } from '../../src/onnx/encode.js';
import { loadModel } from '../../src/phases/1-load/load.js';
import { foldGraph } from '../../src/phases/2-fold/fold.js';
import { checkAgainstOrt } from '../helpers/ort-check.js';
import { makeRng, randomTensor } from '../helpers/random.js';

const rng = makeRng(11);

/**
 * A ResNet-20-shaped network at 28×28 (1 input channel): stem conv, then 3 stages × 3 blocks of two 3×3 convs
 * with BN, hardtanh and a residual Add (stride-2 1×1 conv shortcut where the shape changes); ~32 M MACs.
 */
function resnet20(): ModelSpec {
  const inits: TensorSpec[] = [];
  const nodes: NodeSpec[] = [];
  let n = 0;
  const weight = (shape: number[]) => {
    const name = `w${n++}`;
    const fanIn = shape.slice(1).reduce((a, b) => a * b, 1);
    inits.push({ name, tensor: randomTensor(rng, 'float32', shape, -1 / Math.sqrt(fanIn), 1 / Math.sqrt(fanIn)) });
    return name;
  };
  const convBn = (x: string, cin: number, cout: number, k: number, stride: number) => {
    const y = `c${n}`;
    const p = (k - 1) / 2;
    nodes.push({ opType: 'Conv', inputs: [x, weight([cout, cin, k, k])], outputs: [y], attrs: { strides: attr.ints([stride, stride]), pads: attr.ints([p, p, p, p]) } });
    const bn = [weight([cout]), weight([cout]), weight([cout])];
    const v = `var${n++}`;
    inits.push({ name: v, tensor: randomTensor(rng, 'float32', [cout], 0.5, 1.5) });
    nodes.push({ opType: 'BatchNormalization', inputs: [y, bn[0]!, bn[1]!, bn[2]!, v], outputs: [`${y}bn`] });
    return `${y}bn`;
  };
  const hardtanh = (x: string) => {
    nodes.push({ opType: 'Clip', inputs: [x, 'lo', 'hi'], outputs: [`${x}ht`] });
    return `${x}ht`;
  };
  inits.push({ name: 'lo', tensor: makeTensor('float32', [], [-1]) }, { name: 'hi', tensor: makeTensor('float32', [], [1]) });
  let x = hardtanh(convBn('x', 1, 16, 3, 1));
  let cin = 16;
  for (const cout of [16, 32, 64]) {
    for (let b = 0; b < 3; b++) {
      const stride = b === 0 && cout !== cin ? 2 : 1;
      const shortcut = stride === 1 ? x : convBn(x, cin, cout, 1, 2);
      const t = hardtanh(convBn(x, cin, cout, 3, stride));
      const u = convBn(t, cout, cout, 3, 1);
      nodes.push({ opType: 'Add', inputs: [u, shortcut], outputs: [`${u}add`] });
      x = hardtanh(`${u}add`);
      cin = cout;
    }
  }
  nodes.push({ opType: 'GlobalAveragePool', inputs: [x], outputs: ['pool'] });
  nodes.push({ opType: 'Flatten', inputs: ['pool'], outputs: ['flat'] });
  nodes.push({ opType: 'Gemm', inputs: ['flat', weight([10, 64]), weight([10])], outputs: ['logits'], attrs: { transB: attr.int(1) } });
  return {
    inputs: [{ name: 'x', dtype: 'float32', shape: [1, 1, 28, 28] }],
    outputs: [{ name: 'logits', dtype: 'float32' }],
    initializers: inits,
    nodes,
  };
}

describe('evaluateGraph', () => {
  const spec = resnet20();
  const graph = foldGraph(loadModel(encodeModel(spec), 'resnet20.onnx')).graph;

  it('matches onnxruntime on a ResNet-20-shaped network', async () => {
    await checkAgainstOrt(spec, { x: randomTensor(rng, 'float32', [1, 1, 28, 28]) }, { rel: 1e-4, abs: 1e-4 });
  });

  it('refuses missing, misshapen and unknown inputs', () => {
    const refuses = (inputs: Map<string, ReturnType<typeof makeTensor>>, pattern: RegExp) =>
      assert.throws(() => evaluateGraph(graph, inputs), (e: unknown) => e instanceof BnnError && pattern.test(e.line()));
    refuses(new Map(), /resnet20\.onnx: input 'x' was not given/);
    refuses(new Map([['x', randomTensor(rng, 'float32', [1, 1, 28, 27])]]), /input 'x' is float32\[1,1,28,27\], the model needs float32\[1,1,28,28\]/);
    refuses(
      new Map([['x', randomTensor(rng, 'float32', [1, 1, 28, 28])], ['z', randomTensor(rng, 'float32', [1])]]),
      /'z' is not an input of the model/,
    );
  });
});
