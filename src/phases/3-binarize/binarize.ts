/**
 * Phase 3: find the binary layers. A Conv / Gemm / MatMul is binary when its activation input comes straight from
 * a Sign or a QONNX BipolarQuant with one positive scale (ops/util/binarizer.ts) and its (folded, constant) weight
 * has exactly one magnitude per output channel: w = ±s_c. The same
 * weights on a real (not binarized) input make a binary-weight layer ("1w32a": adds and subtracts of the real
 * inputs, 1 bit per weight). Every candidate that fails gets a verdict with the reason, so `inspect` can say why
 * a layer stayed real. Linear heads over a flattened spatial activation are first rewritten as H x W
 * convolutions (linear-heads.ts), so they read the previous layer's layout directly.
 */
import type { Graph, Node } from '../../graph/graph.js';
import type { Tensor } from '../../graph/tensor.js';
import { attrFloat, attrInt } from '../../ops/util/attrs.js';
import { binarizerScale, isBinarizer } from '../../ops/util/binarizer.js';
import { linearHeadsAsConvs } from './linear-heads.js';

/** Weights of one binary layer in output-channel-major order: signs[oc][k] in {-1,+1}, one scale per channel. */
export interface BinaryWeights {
  /** Output channels. */
  readonly outChannels: number;
  /** Weights per output channel (ic*kh*kw for Conv in ONNX [ic][kh][kw] order, K for Gemm/MatMul). */
  readonly perChannel: number;
  readonly signs: Int8Array;
  /** s_c as float32 values (exact copies of the file's magnitudes). */
  readonly scales: Float32Array;
  /** Name of the real tensor that the Sign binarizes (the layer's input before Sign). */
  readonly signInput: string;
  /** Op type of the node that binarizes the input: Sign, or QONNX BipolarQuant (whose scale is in `scales`). */
  readonly binarizer: string;
}

export interface LayerVerdict {
  readonly node: string;
  readonly opType: string;
  readonly binary: boolean;
  /** Why the layer is binary or why not, in one phrase. */
  readonly reason: string;
}

export interface BinarizeResult {
  readonly graph: Graph;
  /** Binary layers by node name. */
  readonly binary: ReadonlyMap<string, BinaryWeights>;
  /**
   * Binary-weight layers on a real input (1w32a) by node name; their `signInput` is that real input and their
   * `binarizer` is ''. Not in `binary`: their input is never packed.
   */
  readonly realInput: ReadonlyMap<string, BinaryWeights>;
  /** One verdict per Conv/Gemm/MatMul, in graph order. */
  readonly verdicts: readonly LayerVerdict[];
  /** False for the float path (BinarizeOptions.enabled = false): nothing is binary, Sign stays a float op. */
  readonly enabled: boolean;
}

export interface BinarizeOptions {
  /**
   * False gives the float path: the same graph with every layer real and every Sign computed in float32 (ONNX
   * semantics), which `bnngen bench` measures against the binary path. Default true.
   */
  readonly enabled?: boolean;
}

/** Relative tolerance for "one magnitude": float rounding noise only, so the binary layer equals the float one. */
const MAGNITUDE_RTOL = 1e-6;

export function binarize(loaded: Graph, options: BinarizeOptions = {}): BinarizeResult {
  const enabled = options.enabled ?? true;
  const { graph, rewritten } = linearHeadsAsConvs(loaded);
  const realInput = new Map<string, BinaryWeights>();
  const producers = new Map<string, Node>();
  for (const n of graph.nodes) for (const o of n.outputs) producers.set(o, n);
  const binary = new Map<string, BinaryWeights>();
  const verdicts: LayerVerdict[] = [];
  for (const node of graph.nodes) {
    if (node.opType !== 'Conv' && node.opType !== 'Gemm' && node.opType !== 'MatMul') continue;
    const head = rewritten.get(node.name);
    const opType = head?.opType ?? node.opType;
    // A linear head rewritten as a convolution says so: its verdict names the Gemm/MatMul node.
    const asConv = head ? `; reads the flattened ${head.kernel.join('x')} map as a ${head.kernel.join('x')} convolution` : '';
    const found = enabled ? examine(graph, node, producers) : 'binarization disabled (float path)';
    const oneBit = typeof found === 'string' && enabled ? realInputWeights(graph, node, producers) : undefined;
    if (oneBit) {
      realInput.set(node.name, oneBit);
      verdicts.push({
        node: node.name,
        opType,
        binary: true,
        reason: `real input (no Sign or BipolarQuant before it), ±s weights: 1-bit weights with an add/subtract kernel (1w32a; ` +
          `${oneBit.outChannels} channels, ${describeScales(oneBit.scales)})${asConv}`,
      });
    } else if (typeof found === 'string') {
      verdicts.push({ node: node.name, opType, binary: false, reason: found + asConv });
    } else {
      binary.set(node.name, found);
      verdicts.push({
        node: node.name,
        opType,
        binary: true,
        reason: `${found.binarizer} input, ±s weights (${found.outChannels} channels, ${describeScales(found.scales)})${asConv}`,
      });
    }
  }
  return { graph, binary, realInput, verdicts, enabled };
}

/** The ±s weights of an ungrouped layer whose input is real (not a Sign or BipolarQuant), if it has them. */
function realInputWeights(graph: Graph, node: Node, producers: ReadonlyMap<string, Node>): BinaryWeights | undefined {
  const layout = weightLayout(graph, node);
  if (typeof layout === 'string') return undefined;
  const src = producers.get(layout.activation);
  if ((src && isBinarizer(src)) || (node.opType === 'Conv' && attrInt(node, 'group', 1) !== 1)) return undefined;
  const scales = perChannelMagnitudes(layout.weight.tensor, layout.weight.outChannels, layout.channelOf);
  if (typeof scales === 'string') return undefined;
  const signs = signsOf(layout);
  return { outChannels: layout.weight.outChannels, perChannel: signs.length / layout.weight.outChannels, signs, scales, signInput: layout.activation, binarizer: '' };
}

/** ±1 per weight in output-channel-major order. */
function signsOf({ weight, channelOf }: WeightLayout): Int8Array {
  const k = weight.tensor.data.length / weight.outChannels;
  const signs = new Int8Array(weight.tensor.data.length);
  const counters = new Int32Array(weight.outChannels);
  const data = weight.tensor.data;
  for (let i = 0; i < data.length; i++) {
    const c = channelOf(i);
    signs[c * k + counters[c]!++] = data[i]! < 0 ? -1 : 1;
  }
  return signs;
}

/** The binary weights of `node`, or the reason it is not binary. */
function examine(graph: Graph, node: Node, producers: ReadonlyMap<string, Node>): BinaryWeights | string {
  const layout = weightLayout(graph, node);
  if (typeof layout === 'string') return layout;
  const { activation, weight, channelOf } = layout;
  const src = producers.get(activation);
  const magnitudes = perChannelMagnitudes(weight.tensor, weight.outChannels, channelOf);
  const weightsLookBinary = typeof magnitudes !== 'string';
  if (!src || !isBinarizer(src)) {
    // ±s weights on a real input are a 1w32a layer (realInputWeights), except in a grouped convolution.
    return weightsLookBinary
      ? `weights are ±s per channel on a real input (1w32a), but grouped convolution (group=${attrInt(node, 'group', 1)}) is not supported as binary: stays real`
      : `full precision: input is not binarized (no Sign or BipolarQuant before it)`;
  }
  const inputScale = binarizerScale(graph, src);
  if (typeof inputScale === 'string') return `input is ${src.opType} but ${inputScale}: stays real`;
  if (node.opType === 'Conv' && attrInt(node, 'group', 1) !== 1) {
    return `grouped convolution (group=${attrInt(node, 'group', 1)}) is not supported as binary: stays real`;
  }
  if (typeof magnitudes === 'string') return `input is ${src.opType} but ${magnitudes}`;
  const k = weight.tensor.data.length / weight.outChannels;
  const signs = signsOf(layout);
  // A BipolarQuant input is scale * ±1: its scale multiplies every channel's (binarizerScale: positive, so no sign flips).
  const scales = inputScale === 1 ? magnitudes : magnitudes.map((s) => s * inputScale);
  return { outChannels: weight.outChannels, perChannel: k, signs, scales, signInput: src.inputs[0]!, binarizer: src.opType };
}

interface WeightLayout {
  readonly activation: string;
  readonly weight: { readonly tensor: Tensor; readonly outChannels: number };
  /** Output channel of flat weight index i. Iterating i in order visits each channel's weights in layer order. */
  readonly channelOf: (i: number) => number;
}

function weightLayout(graph: Graph, node: Node): WeightLayout | string {
  if (node.opType === 'Conv') {
    const w = graph.constants.get(node.inputs[1]!);
    if (!w) return 'weight is not a compile-time constant';
    const oc = w.shape[0]!;
    const k = w.data.length / oc;
    return { activation: node.inputs[0]!, weight: { tensor: w, outChannels: oc }, channelOf: (i) => Math.floor(i / k) };
  }
  if (node.opType === 'Gemm') {
    if (attrInt(node, 'transA', 0) !== 0) return 'Gemm with transA=1 is not supported as binary';
    if (attrFloat(node, 'alpha', 1) <= 0) return 'Gemm with alpha <= 0 is not supported as binary';
    const w = graph.constants.get(node.inputs[1]!);
    if (!w || w.shape.length !== 2) return 'weight is not a compile-time constant matrix';
    const transB = attrInt(node, 'transB', 0) === 1;
    const [r, c] = [w.shape[0]!, w.shape[1]!];
    return transB
      ? { activation: node.inputs[0]!, weight: { tensor: w, outChannels: r }, channelOf: (i) => Math.floor(i / c) }
      : { activation: node.inputs[0]!, weight: { tensor: transpose(w), outChannels: c }, channelOf: (i) => Math.floor(i / r) };
  }
  // MatMul: activation @ W with W [K, N] constant.
  const w = graph.constants.get(node.inputs[1]!);
  if (!w || w.shape.length !== 2) return 'MatMul right operand is not a constant matrix';
  const [r, n] = [w.shape[0]!, w.shape[1]!];
  return { activation: node.inputs[0]!, weight: { tensor: transpose(w), outChannels: n }, channelOf: (i) => Math.floor(i / r) };
}

/** [R, C] -> [C, R], keeping dtype. */
function transpose(t: Tensor): Tensor {
  const [r, c] = [t.shape[0]!, t.shape[1]!];
  const out = new Float32Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = t.data[i * c + j]!;
  return { dtype: 'float32', shape: [c, r], data: out };
}

/** One |w| per output channel, or the reason there is not (naming the first offending channel). */
function perChannelMagnitudes(
  w: Tensor,
  outChannels: number,
  channelOf: (i: number) => number,
): Float32Array | string {
  if (w.dtype !== 'float32') return `weights are ${w.dtype}, not float32`;
  const scales = new Float32Array(outChannels).fill(Number.NaN);
  const distinct: Array<Set<number>> = Array.from({ length: outChannels }, () => new Set<number>());
  for (let i = 0; i < w.data.length; i++) distinct[channelOf(i)]!.add(Math.abs(w.data[i]!));
  for (let c = 0; c < outChannels; c++) {
    const mags = [...distinct[c]!].sort((a, b) => a - b);
    if (mags[0] === 0) return `weights of channel ${c} contain zeros (sign(0) = 0 cannot be one bit)`;
    const lo = mags[0]!;
    const hi = mags[mags.length - 1]!;
    if (!Number.isFinite(hi)) return `weights of channel ${c} are not finite`;
    if (hi - lo > MAGNITUDE_RTOL * hi) return `weights of channel ${c} have ${mags.length} magnitudes`;
    scales[c] = lo;
  }
  return scales;
}

function describeScales(scales: Float32Array): string {
  const pow2 = scales.every((s) => Math.log2(s) === Math.round(Math.log2(s)));
  return pow2 ? 'power-of-two scales' : 'real scales';
}
