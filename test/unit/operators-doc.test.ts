/**
 * docs/operators.md is generated from the operator registry and the code (src/docs/operators-md.ts): it must
 * equal what the generator writes now, so that adding or changing an operator without regenerating it fails.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OPERATORS_DOC, operatorEntries, operatorsMarkdown } from '../../src/docs/operators-md.js';
import { packageRoot } from '../../src/io/package-root.js';
import { supportedOps } from '../../src/ops/index.js';

describe('docs/operators.md', () => {
  it('is up to date (else: npx tsc -p . && node scripts/operators-doc.mjs)', () => {
    const committed = readFileSync(join(packageRoot(), OPERATORS_DOC), 'utf8');
    assert.ok(committed === operatorsMarkdown(), `${OPERATORS_DOC} is stale: run npx tsc -p . && node scripts/operators-doc.mjs`);
  });

  it('has one entry per registered operator type', () => {
    assert.deepEqual(operatorEntries().map((e) => e.type).sort(), supportedOps());
  });

  it('reads the facts from the code: attributes, opset switches, binary layers, binarizers, views, folding', () => {
    const byType = new Map(operatorEntries().map((e) => [e.type, e]));
    const get = (type: string) => byType.get(type)!;
    assert.deepEqual(get('Conv').attributes, ['auto_pad', 'dilations', 'group', 'kernel_shape', 'pads', 'strides']);
    assert.deepEqual(get('Gemm').attributes, ['alpha', 'beta', 'transA', 'transB']);
    assert.ok(get('MaxPool').attributes.includes('ceil_mode'), 'attributes read by the pool helper in src/ops/util');
    assert.deepEqual(get('Clip').opsetSwitches, [11, 12]);
    assert.deepEqual(get('ReduceMean').opsetSwitches, [18]);
    for (const t of ['Conv', 'Gemm', 'MatMul']) assert.match(get(t).inC, /^binary layer when/);
    assert.match(get('Sign').inC, /^binarizer: .*; elsewhere a float32 kernel$/);
    assert.match(get('Reshape').inC, /view of the input/);
    assert.match(get('Transpose').inC, /view of the input/);
    assert.match(get('Shape').inC, /compile time only/);
    assert.match(get('MaxPool').inC, /float32 kernel/);
    assert.match(get('Relu').summary, /^Relu: max\(0, x\)/);
  });
});
