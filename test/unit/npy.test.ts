import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BnnError } from '../../src/errors.js';
import { encodeNpy, readNpy, writeNpy, type NpyData } from '../../src/io/npy.js';

const PYTHON = '/usr/bin/python3';

function python(script: string, ...args: string[]): string {
  return execFileSync(PYTHON, ['-c', script, ...args], { encoding: 'utf8' });
}

/** The elements of any npy data array, for comparisons. */
function values(data: NpyData): (number | bigint)[] {
  return Array.from(data as Iterable<number | bigint>);
}

function reason(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof BnnError, `expected a BnnError, got ${String(e)}`);
    return e.reason;
  }
  assert.fail('no error');
}

describe('npy', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'bnngen-npy-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('round-trips every supported dtype, keeping bit patterns', () => {
    const nanWithPayload = new Float32Array(new Uint32Array([0x7fc01234]).buffer)[0];
    const cases: [NpyData, number[]][] = [
      [new Float32Array([1.5, -0, nanWithPayload, 3.4028234663852886e38, 1e-45, 7]), [2, 3]],
      [new Float64Array([Math.PI, -1e300]), [2]],
      [new Uint8Array([0, 255, 7]), [3, 1]],
      [new Int32Array([-2147483648, 2147483647]), [1, 2]],
      [new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n]), [2]],
      [new Float32Array([42]), []],
      [new Float32Array(0), [0, 5]],
    ];
    for (const [data, shape] of cases) {
      const back = readNpy(encodeNpy(data, shape));
      assert.deepEqual(back.shape, shape);
      assert.equal(back.data.constructor, data.constructor);
      assert.deepEqual(new Uint8Array(back.data.buffer), new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    }
  });

  it('writes 64-byte aligned headers that numpy reads', () => {
    const path = join(dir, 'ours.npy');
    writeNpy(path, new Float32Array([0.5, -2, 3.25, 1e-3, 7, 8]), [2, 3]);
    const seen = python('import numpy as np, sys; a = np.load(sys.argv[1]); print(a.dtype, a.shape, a.tolist())', path);
    assert.equal(seen.trim(), 'float32 (2, 3) [[0.5, -2.0, 3.25], [0.0010000000474974513, 7.0, 8.0]]');
    const fileBytes = readFileSync(path);
    assert.equal((fileBytes.length - 6 * 4) % 64, 0, 'data starts on a 64-byte boundary');
    assert.equal(fileBytes[6], 1, 'format version 1.0');
  });

  it('reads files numpy wrote: all dtypes, header versions 1, 2 and 3', () => {
    const script = `
import numpy as np, sys
from numpy.lib import format as fmt
d = sys.argv[1]
np.save(d + '/f4.npy', np.arange(12, dtype=np.float32).reshape(3, 4) / 3)
np.save(d + '/f8.npy', np.array([0.1, -2.5]))
np.save(d + '/u1.npy', np.array([[1, 2], [3, 250]], dtype=np.uint8))
np.save(d + '/i4.npy', np.array([-7, 9], dtype=np.int32))
np.save(d + '/i8.npy', np.array([-(2**40), 3], dtype=np.int64))
np.save(d + '/scalar.npy', np.float32(2.5))
for v in [(2, 0), (3, 0)]:
    with open(d + '/v%d.npy' % v[0], 'wb') as f:
        fmt.write_array(f, np.array([1.25, -3], dtype=np.float32), version=v)
np.save(d + '/fortran.npy', np.asfortranarray(np.ones((2, 3), dtype=np.float32)))
np.save(d + '/big.npy', np.array([1, 2], dtype='>f4'))
`;
    python(script, dir);
    const f4 = readNpy(join(dir, 'f4.npy'));
    assert.equal(f4.dtype, 'float32');
    assert.deepEqual(f4.shape, [3, 4]);
    assert.equal(f4.data[4], Math.fround(Math.fround(4) / 3));
    assert.deepEqual(values(readNpy(join(dir, 'f8.npy')).data), [0.1, -2.5]);
    const u1 = readNpy(join(dir, 'u1.npy'));
    assert.deepEqual([u1.dtype, u1.shape, values(u1.data)], ['uint8', [2, 2], [1, 2, 3, 250]]);
    assert.deepEqual(values(readNpy(join(dir, 'i4.npy')).data), [-7, 9]);
    assert.deepEqual(values(readNpy(join(dir, 'i8.npy')).data), [-(2n ** 40n), 3n]);
    const scalar = readNpy(join(dir, 'scalar.npy'));
    assert.deepEqual([scalar.shape, values(scalar.data)], [[], [2.5]]);
    for (const v of [2, 3]) assert.deepEqual(values(readNpy(join(dir, `v${v}.npy`)).data), [1.25, -3]);
    assert.match(reason(() => readNpy(join(dir, 'fortran.npy'))), /Fortran-order .npy arrays are not supported/);
    assert.match(reason(() => readNpy(join(dir, 'big.npy'))), /dtype '>f4' is not supported/);
  });

  it('refuses corrupt files clearly, naming the file', () => {
    const good = encodeNpy(new Float32Array([1, 2, 3]), [3]);
    assert.match(reason(() => readNpy(good.subarray(0, good.length - 1))), /data has 11 bytes, shape \(3\) of float32 needs 12/);
    assert.match(reason(() => readNpy(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]))), /bad magic/);
    try {
      readNpy(join(dir, 'missing.npy'));
      assert.fail('no error');
    } catch (e) {
      assert.ok(e instanceof BnnError && e.where.file === join(dir, 'missing.npy') && /ENOENT/.test(e.reason));
    }
    assert.match(reason(() => encodeNpy(new Float32Array(4), [3])), /holds 3 elements, data has 4/);
  });
});
