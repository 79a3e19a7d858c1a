/**
 * QONNX / Brevitas-style test models, built in code. `tfcW1A1` is shaped like the QONNX zoo's binary MNIST MLP
 * (TFC_1W1A, the Brevitas bnn_pynq FC model): input [1, 1, 28, 28] -> Reshape -> 2x - 1 (Mul, Sub) -> BipolarQuant
 * -> 3 x (binary MatMul 64 -> BatchNormalization -> BipolarQuant) -> binary MatMul 10 -> TensorNorm, which the
 * exporter writes out as Sub / Div by Pow(var + eps, 0.5) / Mul / Add with scalar parameters. Weights are float
 * (uniform in [-1, 1], some exactly 0) quantized by a BipolarQuant node each, in the layouts exporters produce:
 * [out, in] then Transpose, [in, out] (K x N) as is, and a Transpose of the constant before the BipolarQuant.
 *
 * `qonnxTwin` rewrites a spec into standard ONNX that onnxruntime runs: BipolarQuant(x, s) becomes
 * Mul(Sign(Add(Sign(x), 0.5)), s), which is +s for x >= 0 (Sign(0) + 0.5 = 0.5) and -s below: exactly BipolarQuant.
 */
import { attr, type ModelSpec, type NodeSpec, type TensorSpec } from '../../src/onnx/encode.js';
import { f32, rng, type Rng } from './bnn-models.js';
import { makeRng } from './random.js';

/** MNIST-like inputs in [0, 1]: a third of the pixels exactly 0, 0.5 (which 2x - 1 maps to exactly 0) or 1. */
export function mlpInputs(seed: number, count: number): Float32Array {
  const r = makeRng(seed);
  return Float32Array.from({ length: count * 784 }, () => (r.next() < 0.33 ? r.pick([0, 0.5, 1]) : r.next()));
}

export interface TfcOptions {
  /** Domain of the BipolarQuant nodes (default 'qonnx.custom_op.general'). */
  readonly domain?: string;
  /** Declare the custom domain in the opset imports (default true; old exports omit it). */
  readonly importDomain?: boolean;
  /** List every initializer among the graph inputs too, as old exporters do (default false). */
  readonly initializersAsInputs?: boolean;
  /** Hidden layer width (default 64). */
  readonly hidden?: number;
}

const LAYERS = 3;

/** Float weights in [-1, 1], every 97th exactly 0 (BipolarQuant maps it to +1). */
function latentWeights(r: Rng, shape: [number, number]): Float32Array {
  return Float32Array.from({ length: shape[0] * shape[1] }, (_, i) => (i % 97 === 5 ? 0 : r() * 2 - 1));
}

/** BatchNorm parameters with negative scales on some channels and one channel whose output is always exactly 0. */
function bn(r: Rng, prefix: string, c: number): TensorSpec[] {
  return [
    { name: `${prefix}.weight`, tensor: f32([c], Array.from({ length: c }, (_, i) => (i === 3 ? 0 : i % 4 === 1 ? -(0.2 + r()) : 0.2 + r()))) },
    { name: `${prefix}.bias`, tensor: f32([c], Array.from({ length: c }, (_, i) => (i === 3 ? 0 : r() * 2 - 1))) },
    { name: `${prefix}.running_mean`, tensor: f32([c], Array.from({ length: c }, () => (r() - 0.5) * 8)) },
    { name: `${prefix}.running_var`, tensor: f32([c], Array.from({ length: c }, () => 1 + r() * 30)) },
  ];
}

export function tfcW1A1(seed: number, o: TfcOptions = {}): ModelSpec {
  const r = rng(seed);
  const domain = o.domain ?? 'qonnx.custom_op.general';
  const hidden = o.hidden ?? 64;
  const inits: TensorSpec[] = [
    { name: 'reshape_shape', tensor: { dtype: 'int64', shape: [2], data: Float64Array.from([1, -1]) } },
    { name: 'two', tensor: f32([], [2]) },
    { name: 'one', tensor: f32([1], [1]) },
    { name: 'act_scale', tensor: f32([], [1]) },
  ];
  const nodes: NodeSpec[] = [
    { name: 'Reshape_0', opType: 'Reshape', inputs: ['global_in', 'reshape_shape'], outputs: ['flat'] },
    { name: 'Mul_0', opType: 'Mul', inputs: ['flat', 'two'], outputs: ['x2'] },
    { name: 'Sub_0', opType: 'Sub', inputs: ['x2', 'one'], outputs: ['pre'] },
    { name: 'BipolarQuant_in', opType: 'BipolarQuant', domain, inputs: ['pre', 'act_scale'], outputs: ['q0'] },
  ];
  const bq = (name: string, x: string, s: string, y: string): NodeSpec => ({ name, opType: 'BipolarQuant', domain, inputs: [x, s], outputs: [y] });
  let act = 'q0';
  let width = 784;
  for (let l = 0; l <= LAYERS; l++) {
    const out = l < LAYERS ? hidden : 10;
    const w = `features.${l}.weight`;
    const ws = `features.${l}.weight_scale`;
    // Layer 1 carries a non-unit weight scale: the binary layer's per-channel scale absorbs it.
    inits.push({ name: ws, tensor: f32([], [l === 1 ? 0.5 : 1]) });
    const layout = l % 3; // 0: [out, in] -> BipolarQuant -> Transpose; 1: [in, out]; 2: Transpose -> BipolarQuant
    if (layout === 1) {
      inits.push({ name: w, tensor: f32([width, out], latentWeights(r, [width, out])) });
      nodes.push(bq(`BipolarQuant_w${l}`, w, ws, `wq${l}`));
    } else {
      inits.push({ name: w, tensor: f32([out, width], latentWeights(r, [out, width])) });
      const perm = { perm: attr.ints([1, 0]) };
      if (layout === 0) {
        nodes.push(bq(`BipolarQuant_w${l}`, w, ws, `wb${l}`));
        nodes.push({ name: `Transpose_w${l}`, opType: 'Transpose', inputs: [`wb${l}`], outputs: [`wq${l}`], attrs: perm });
      } else {
        nodes.push({ name: `Transpose_w${l}`, opType: 'Transpose', inputs: [w], outputs: [`wt${l}`], attrs: perm });
        nodes.push(bq(`BipolarQuant_w${l}`, `wt${l}`, ws, `wq${l}`));
      }
    }
    nodes.push({ name: `MatMul_${l}`, opType: 'MatMul', inputs: [act, `wq${l}`], outputs: [`mm${l}`] });
    if (l < LAYERS) {
      const p = `features.${l}.bn`;
      inits.push(...bn(r, p, out));
      nodes.push({
        name: `BatchNormalization_${l}`, opType: 'BatchNormalization', attrs: { epsilon: attr.float(1e-5) },
        inputs: [`mm${l}`, `${p}.weight`, `${p}.bias`, `${p}.running_mean`, `${p}.running_var`], outputs: [`bn${l}`],
      });
      nodes.push(bq(`BipolarQuant_a${l}`, `bn${l}`, 'act_scale', `q${l + 1}`));
      act = `q${l + 1}`;
    }
    width = out;
  }
  // TensorNorm (eval): ((x - running_mean) / (running_var + eps) ** 0.5) * weight + bias, scalar parameters.
  inits.push(
    { name: 'tn.running_mean', tensor: f32([1], [0.75]) },
    { name: 'tn.running_var', tensor: f32([1], [37.5]) },
    { name: 'tn.eps', tensor: f32([], [1e-4]) },
    { name: 'tn.half', tensor: f32([], [0.5]) },
    { name: 'tn.weight', tensor: f32([1], [1.25]) },
    { name: 'tn.bias', tensor: f32([1], [-0.125]) },
  );
  nodes.push(
    { name: 'Sub_tn', opType: 'Sub', inputs: [`mm${LAYERS}`, 'tn.running_mean'], outputs: ['tn_c'] },
    { name: 'Add_tn_eps', opType: 'Add', inputs: ['tn.running_var', 'tn.eps'], outputs: ['tn_ve'] },
    { name: 'Pow_tn', opType: 'Pow', inputs: ['tn_ve', 'tn.half'], outputs: ['tn_sd'] },
    { name: 'Div_tn', opType: 'Div', inputs: ['tn_c', 'tn_sd'], outputs: ['tn_n'] },
    { name: 'Mul_tn', opType: 'Mul', inputs: ['tn_n', 'tn.weight'], outputs: ['tn_w'] },
    { name: 'Add_tn', opType: 'Add', inputs: ['tn_w', 'tn.bias'], outputs: ['global_out'] },
  );
  return {
    name: 'tfc_w1a1',
    opsets: o.importDomain === false ? { '': 13 } : { '': 13, [domain]: 1 },
    inputs: [{ name: 'global_in', dtype: 'float32', shape: [1, 1, 28, 28] }],
    outputs: [{ name: 'global_out', dtype: 'float32', shape: [1, 10] }],
    initializers: inits.map((t) => (o.initializersAsInputs ? { ...t, listAsInput: true } : t)),
    nodes,
  };
}

/** The same model in standard ONNX (BipolarQuant -> Sign/Add/Sign/Mul), for onnxruntime. */
export function qonnxTwin(spec: ModelSpec): ModelSpec {
  const nodes = spec.nodes.flatMap((n): NodeSpec[] => {
    if (n.opType !== 'BipolarQuant') return [n];
    const [x, s] = [n.inputs[0]!, n.inputs[1]!];
    const t = `${n.outputs[0]}__twin`;
    return [
      { name: `${n.name}/sign`, opType: 'Sign', inputs: [x], outputs: [`${t}_s`] },
      { name: `${n.name}/nudge`, opType: 'Add', inputs: [`${t}_s`, 'twin_half'], outputs: [`${t}_h`] },
      { name: `${n.name}/bipolar`, opType: 'Sign', inputs: [`${t}_h`], outputs: [`${t}_b`] },
      { name: `${n.name}/scale`, opType: 'Mul', inputs: [`${t}_b`, s], outputs: [n.outputs[0]!] },
    ];
  });
  const opsets = Object.fromEntries(Object.entries(spec.opsets ?? { '': 13 }).filter(([d]) => d === ''));
  return { ...spec, opsets, nodes, initializers: [...(spec.initializers ?? []), { name: 'twin_half', tensor: f32([], [0.5]) }] };
}
