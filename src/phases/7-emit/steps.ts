/**
 * One step of the lowered program -> its C: the kernel it calls, the constant geometry struct it passes, and the
 * call statement itself. Names: constants `<model>_<const>`, geometry `<model>_s<step>_geom`, internal buffers
 * `buf_<buffer>` (pointers into the arena), the model input and output `input` / `output`.
 */
import type { Conv2dF32, Program, Shape3, Window } from '../../lowered/program.js';
import { callStatement, commentText, floatLiteral, needsMathH } from './c-text.js';
import type { CKernel } from './kernel-files.js';
import { describeStep } from '../../lowered/describe.js';
import { stepLabel } from '../../lowered/cost.js';

export interface StepC {
  readonly kernel: CKernel;
  /** File-scope declarations (geometry structs), possibly none. */
  readonly declarations: readonly string[];
  /** Identifiers those declarations define, for the collision check. */
  readonly identifiers: readonly string[];
  /** The statement(s), indented for the body of <model>_run. */
  readonly code: string;
  readonly comment: string;
  readonly needsMath: boolean;
}

export interface Names {
  buffer(id: number): string;
  constant(id: number): string;
}

export function stepC(p: Program, index: number, names: Names): StepC {
  const step = p.steps[index]!;
  const geom = `${p.name}_s${index}_geom`;
  const comment = commentText(`step ${index}: ${describeStep(step)}`);
  const b = (id: number) => names.buffer(id);
  const c = (id: number) => names.constant(id);
  const base = { comment, needsMath: false };
  const header = commentText(`step ${index}: ${stepLabel(step)}`);
  const windowGeom = (inShape: Shape3, outShape: Shape3, window: Window) => ({
    declarations: [windowGeomDecl(header, geom, inShape, outShape, window)],
    identifiers: [geom],
  });
  const shapeGeom = (shape: Shape3) => ({
    declarations: [`/* ${header} */\nstatic const bnn_shape ${geom} = ${shapeInit(shape)};`],
    identifiers: [geom],
  });
  const none = { declarations: [], identifiers: [] };
  const call = (fn: CKernel, args: readonly string[]) => ({ kernel: fn, code: callStatement(fn, args) });

  switch (step.kernel) {
    case 'conv2d_f32':
      return {
        ...base,
        ...windowGeom(step.inShape, step.outShape, step.window),
        ...call(isStem3x3(step) ? 'bnn_conv2d_f32_3x3' : 'bnn_conv2d_f32', [`&${geom}`, b(step.input), c(step.weights), c(step.bias), b(step.output)]),
      };
    case 'pack_sign':
      return { ...base, ...shapeGeom(step.shape), ...call('bnn_pack_sign_f32', [`&${geom}`, b(step.input), b(step.output)]) };
    case 'bconv2d': {
      const e = step.epilogue;
      const args =
        e.kind === 'affine'
          ? ['bnn_bconv2d_affine', [`&${geom}`, b(step.input), c(step.weights), c(e.fixed), c(e.pow2), b(step.output)]] as const
          : ['bnn_bconv2d_threshold', [`&${geom}`, b(step.input), c(step.weights), c(e.thresholds), b(step.output)]] as const;
      return { ...base, ...windowGeom(step.inShape, step.outShape, step.window), ...call(args[0], args[1]) };
    }
    case 'affine_f32':
      return {
        ...base,
        ...shapeGeom(step.shape),
        ...call('bnn_affine_f32', [`&${geom}`, b(step.input), c(step.scale), c(step.shift), b(step.output)]),
      };
    case 'add_f32':
      return { ...base, ...none, ...call('bnn_add_f32', [String(step.size), b(step.a), b(step.b), b(step.output)]) };
    case 'clip_f32':
      return {
        ...base,
        ...none,
        needsMath: needsMathH(step.min) || needsMathH(step.max),
        ...call('bnn_clip_f32', [String(step.size), floatLiteral(step.min), floatLiteral(step.max), b(step.input), b(step.output)]),
      };
    case 'add_clip_f32':
      return {
        ...base,
        ...none,
        needsMath: needsMathH(step.min) || needsMathH(step.max),
        ...call('bnn_add_clip_f32', [
          String(step.size), floatLiteral(step.min), floatLiteral(step.max), b(step.input), b(step.addend), b(step.output),
        ]),
      };
    case 'sign_f32':
      return { ...base, ...none, ...call('bnn_sign_f32', [String(step.size), b(step.input), b(step.output)]) };
    case 'maxpool_f32':
      return {
        ...base,
        ...windowGeom(step.inShape, step.outShape, step.window),
        ...call('bnn_maxpool_f32', [`&${geom}`, b(step.input), b(step.output)]),
      };
    case 'maxpool_bits':
      return {
        ...base,
        ...windowGeom(step.inShape, step.outShape, step.window),
        ...call('bnn_maxpool_bits', [`&${geom}`, c(step.orMask), b(step.input), b(step.output)]),
      };
    case 'avgpool_f32':
      return {
        ...base,
        ...windowGeom(step.inShape, step.outShape, step.window),
        ...call('bnn_avgpool_f32', [`&${geom}`, step.countIncludePad ? '1' : '0', b(step.input), b(step.output)]),
      };
    case 'global_avgpool_f32':
      return {
        ...base,
        ...shapeGeom(step.inShape),
        ...call('bnn_global_avgpool_f32', [`&${geom}`, b(step.input), b(step.output)]),
      };
    case 'remap_f32': {
      const decl = [
        `/* ${header} */`,
        `static const bnn_remap_geom ${geom} = {`,
        `    .in = ${shapeInit(step.inShape)},`,
        `    .out = ${shapeInit(step.outShape)},`,
        `    .start = ${shapeInit(step.start)},`,
        `    .step = ${shapeInit(step.step)},`,
        '};',
      ].join('\n');
      return {
        ...base,
        declarations: [decl],
        identifiers: [geom],
        needsMath: needsMathH(step.fill),
        ...call('bnn_remap_f32', [`&${geom}`, floatLiteral(step.fill), b(step.input), b(step.output)]),
      };
    }
    case 'bwconv2d_f32':
      return {
        ...base,
        ...windowGeom(step.inShape, step.outShape, step.window),
        ...call('bnn_bwconv2d_f32', [`&${geom}`, b(step.input), c(step.weights), c(step.scale), c(step.shift), b(step.output)]),
      };
    case 'prelu_f32':
      return {
        ...base,
        ...shapeGeom(step.shape),
        ...call('bnn_prelu_f32', [`&${geom}`, b(step.input), c(step.slope), b(step.output)]),
      };
    case 'softmax_f32':
      return { ...base, ...none, ...call('bnn_softmax_f32', [String(step.size), step.log ? '1' : '0', b(step.input), b(step.output)]) };
    case 'concat_f32': {
      const sizes = `${p.name}_s${index}_sizes`;
      const n = step.inputs.length;
      const decl = `/* ${header} */\nstatic const int32_t ${sizes}[${n}] = { ${step.inShapes.map((s) => s[0] * s[1] * s[2]).join(', ')} };`;
      const code = [
        '    {',
        `        const float *const parts[${n}] = { ${step.inputs.map(b).join(', ')} };`,
        callStatement('bnn_concat_f32', [String(n), 'parts', sizes, b(step.output)], '        '),
        '    }',
      ].join('\n');
      return { ...base, declarations: [decl], identifiers: [sizes], kernel: 'bnn_concat_f32', code };
    }
  }
}

/** A 3x3, stride-1, undilated float conv over at most 3 channels (an image stem): the kernel with the filter in registers. */
function isStem3x3(step: Conv2dF32): boolean {
  const w = step.window;
  return w.kH === 3 && w.kW === 3 && w.strideH === 1 && w.strideW === 1 && w.dilH === 1 && w.dilW === 1 && step.inShape[0] <= 3;
}

function shapeInit(s: readonly number[]): string {
  return `{ ${s.join(', ')} }`;
}

function windowGeomDecl(header: string, ident: string, inShape: Shape3, outShape: Shape3, w: Window): string {
  return [
    `/* ${header} */`,
    `static const bnn_window_geom ${ident} = {`,
    `    .in = ${shapeInit(inShape)},`,
    `    .out = ${shapeInit(outShape)},`,
    `    .win = { .kh = ${w.kH}, .kw = ${w.kW}, .stride_h = ${w.strideH}, .stride_w = ${w.strideW},`,
    `             .pad_top = ${w.padTop}, .pad_left = ${w.padLeft}, .dil_h = ${w.dilH}, .dil_w = ${w.dilW} },`,
    '};',
  ].join('\n');
}
