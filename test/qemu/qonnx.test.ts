/**
 * The QONNX binary MNIST MLP (TFC-w1a1 shape, test/helpers/qonnx-models.ts) on cortex-m4 under QEMU: the C is bit
 * exact with the lowered reference, agrees at top-1 with onnxruntime running the standard-ONNX twin of the model,
 * and reports no sign(0) ties although inputs and one BatchNorm channel per layer hit exact zeros (BipolarQuant
 * maps 0 to +1 by definition). The Brevitas-domain export without the domain import and with initializers listed
 * as graph inputs compiles to the same C (test/unit/qonnx.test.ts), so one QEMU run covers both.
 */
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { encodeModel } from '../../src/onnx/encode.js';
import { compileBytes } from '../../src/pipeline.js';
import { loadTarget } from '../../src/targets/load.js';
import { argmax, floatOutputs, referenceOutputs, targetOutputs } from '../../src/verify.js';
import { mlpInputs, qonnxTwin, tfcW1A1 } from '../helpers/qonnx-models.js';

const SAMPLES = 200;

describe('QONNX binary MLP on cortex-m4 (QEMU)', function () {
  this.timeout(300_000);

  it('is bit-exact with the reference, agrees with onnxruntime at top-1 on >= 99 % and has no ties', async () => {
    const spec = tfcW1A1(1, { domain: 'onnx.brevitas', importDomain: false, initializersAsInputs: true });
    const c = compileBytes(encodeModel(spec), 'tfc-w1a1.onnx');
    const samples = { inputs: mlpInputs(11, SAMPLES), count: SAMPLES, description: `${SAMPLES} MNIST-like random inputs` };
    const onTarget = await targetOutputs(c, loadTarget('cortex-m4'), samples);
    const reference = await referenceOutputs(c, samples);
    const float = await floatOutputs(c, samples);
    const session = await ort.InferenceSession.create(encodeModel(qonnxTwin(spec)), { intraOpNumThreads: 1, logSeverityLevel: 3 });
    let exact = 0;
    let agreeOrt = 0;
    let agreeFloat = 0;
    const cBits = new Uint32Array(onTarget.values.buffer, onTarget.values.byteOffset, onTarget.values.length);
    const refBits = new Uint32Array(reference.values.buffer, reference.values.byteOffset, reference.values.length);
    for (let s = 0; s < SAMPLES; s++) {
      if (cBits.subarray(s * 10, s * 10 + 10).every((v, i) => v === refBits[s * 10 + i])) exact++;
      const x = samples.inputs.slice(s * 784, (s + 1) * 784);
      const logits = (await session.run({ global_in: new ort.Tensor('float32', x, [1, 1, 28, 28]) })).global_out!.data as Float32Array;
      const predC = argmax(onTarget.values, s * 10, 10);
      if (predC === argmax(logits, 0, 10)) agreeOrt++;
      if (predC === argmax(float.values, s * 10, 10)) agreeFloat++;
    }
    await session.release();
    console.log(`      tfc-w1a1 on cortex-m4: bit-exact ${exact}/${SAMPLES}, top-1 vs onnxruntime twin ${agreeOrt}/${SAMPLES}, ` +
      `vs float reference ${agreeFloat}/${SAMPLES}, ties ${reference.ties}, flash ${onTarget.flashBytes} B, RAM ${onTarget.ramBytes} B`);
    assert.equal(exact, SAMPLES);
    assert.ok(agreeOrt >= 0.99 * SAMPLES, `top-1 agreement with onnxruntime ${agreeOrt}/${SAMPLES}`);
    assert.ok(agreeFloat >= 0.99 * SAMPLES, `top-1 agreement with the float reference ${agreeFloat}/${SAMPLES}`);
    assert.equal(reference.ties, 0, 'exact zeros before BipolarQuant are +1, not ties');
  });
});
