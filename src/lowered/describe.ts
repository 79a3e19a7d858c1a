/**
 * One-phrase descriptions of kernel steps, made from the step alone (never from ONNX names), so generated C
 * comments depend only on the computation: the raw and the folded export of a model give identical files.
 * `bnngen inspect` maps step numbers back to the ONNX nodes.
 */
import type { Shape3, Step, Window } from './program.js';

const dims = (s: Shape3) => `${s[0]}x${s[1]}x${s[2]}`;
const win = (w: Window) =>
  `${w.kH}x${w.kW}` + (w.strideH !== 1 || w.strideW !== 1 ? ` stride ${w.strideH}` : '') + (w.padTop || w.padLeft ? ` pad ${w.padTop}` : '') +
  (w.dilH !== 1 || w.dilW !== 1 ? ` dilation ${w.dilH}` : '');

export function describeStep(step: Step): string {
  switch (step.kernel) {
    case 'conv2d_f32':
      return `float conv ${win(step.window)}, ${dims(step.inShape)} -> ${dims(step.outShape)}`;
    case 'bconv2d':
      return `binary conv ${win(step.window)}, ${dims(step.inShape)} -> ${dims(step.outShape)}, ` +
        (step.epilogue.kind === 'affine' ? 'float affine output' : 'threshold to packed signs');
    case 'pack_sign':
      return `pack signs of ${dims(step.shape)}`;
    case 'affine_f32':
      return `per-channel affine on ${dims(step.shape)}`;
    case 'add_f32':
      return `add ${step.size} floats`;
    case 'clip_f32':
      return `clip ${step.size} floats to [${step.min}, ${step.max}]`;
    case 'add_clip_f32':
      return `add ${step.size} floats and clip to [${step.min}, ${step.max}]`;
    case 'sign_f32':
      return `float sign of ${step.size} floats`;
    case 'maxpool_f32':
    case 'avgpool_f32':
      return `${step.kernel === 'maxpool_f32' ? 'max' : 'average'} pool ${win(step.window)}, ${dims(step.inShape)} -> ${dims(step.outShape)}`;
    case 'global_avgpool_f32':
      return `global average pool of ${dims(step.inShape)}`;
    case 'maxpool_bits':
      return `max pool of packed signs ${win(step.window)}, ${dims(step.inShape)} -> ${dims(step.outShape)}`;
    case 'remap_f32':
      return `strided copy/pad ${dims(step.inShape)} -> ${dims(step.outShape)}`;
    case 'concat_f32':
      return `concatenate ${step.inShapes.length} tensors along channels`;
    case 'bwconv2d_f32':
      return `1-bit-weight conv ${win(step.window)} on a real input, ${dims(step.inShape)} -> ${dims(step.outShape)}, float affine output`;
    case 'prelu_f32':
      return `per-channel PRelu on ${dims(step.shape)}`;
    case 'softmax_f32':
      return `${step.log ? 'log-softmax' : 'softmax'} of ${step.size} floats`;
  }
}
