import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { BnnError } from '../../src/errors.js';
import { FASHION_MNIST_DIR, loadDataset } from '../../src/io/datasets.js';
import { readIdx } from '../../src/io/idx.js';

const TEST_IMAGES = join(FASHION_MNIST_DIR, 't10k-images-idx3-ubyte.gz');
const TEST_LABELS = join(FASHION_MNIST_DIR, 't10k-labels-idx1-ubyte.gz');

/** Labels and the first image's pixel sum as an independent reader (Python's gzip + numpy) sees them. */
function pythonView(): { labels: number[]; pixelSum: number } {
  const script = `
import gzip, json, sys, numpy as np
labels = np.frombuffer(gzip.open(sys.argv[2]).read(), dtype=np.uint8, offset=8)
images = np.frombuffer(gzip.open(sys.argv[1]).read(), dtype=np.uint8, offset=16).reshape(-1, 28, 28)
print(json.dumps({'labels': labels[:20].tolist(), 'pixelSum': int(images[0].sum(dtype=np.int64))}))
`;
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', script, TEST_IMAGES, TEST_LABELS], { encoding: 'utf8' })) as {
    labels: number[]; pixelSum: number;
  };
}

/** A hand-made IDX file: magic 0 0 0x08 rank, big-endian sizes, bytes. */
function idxBytes(shape: number[], data: number[], type = 0x08): Uint8Array {
  const header = Buffer.alloc(4 + 4 * shape.length);
  header.set([0, 0, type, shape.length]);
  shape.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(data)]);
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

describe('IDX files and the Fashion-MNIST dataset', () => {
  it('reads the Debian Fashion-MNIST test set, agreeing with numpy', () => {
    const images = readIdx(TEST_IMAGES);
    const labels = readIdx(TEST_LABELS);
    assert.deepEqual(images.shape, [10000, 28, 28]);
    assert.deepEqual(labels.shape, [10000]);
    const python = pythonView();
    assert.deepEqual(Array.from(labels.data.subarray(0, 20)), python.labels);
    assert.equal(images.data.subarray(0, 784).reduce((a, b) => a + b, 0), python.pixelSum);
  });

  it('reads uncompressed and gzip IDX the same', () => {
    const raw = idxBytes([2, 3], [1, 2, 3, 4, 5, 255]);
    for (const bytes of [raw, gzipSync(raw)]) {
      const idx = readIdx(bytes);
      assert.deepEqual(idx.shape, [2, 3]);
      assert.deepEqual(Array.from(idx.data), [1, 2, 3, 4, 5, 255]);
    }
  });

  it('refuses corrupt and unsupported IDX data', () => {
    assert.match(reason(() => readIdx(idxBytes([2, 3], [1, 2, 3]))), /IDX data has 3 bytes, shape \[2, 3\] needs 6/);
    assert.match(reason(() => readIdx(idxBytes([1], [0, 0, 0, 0], 0x0d))), /element type 0x0d is not supported/);
    assert.match(reason(() => readIdx(new Uint8Array([1, 2, 3, 4]))), /bad magic/);
    assert.match(reason(() => readIdx(new Uint8Array([0x1f, 0x8b, 9, 9]))), /corrupt gzip data/);
  });

  it('loads the test split as N×1×28×28 float32 pixels / 255 with int32 labels', () => {
    const ds = loadDataset('fashion-mnist', 'test', 3);
    assert.deepEqual(ds.shape, [3, 1, 28, 28]);
    assert.equal(ds.inputs.length, 3 * 784);
    const raw = readIdx(TEST_IMAGES).data;
    for (let i = 0; i < ds.inputs.length; i++) assert.equal(ds.inputs[i], Math.fround(raw[i] / 255));
    assert.ok(ds.labels instanceof Int32Array);
    assert.deepEqual(Array.from(ds.labels), pythonView().labels.slice(0, 3));
  });

  it('says which Debian package to install when the files are missing', () => {
    const empty = mkdtempSync(join(tmpdir(), 'bnngen-ds-'));
    try {
      assert.match(reason(() => loadDataset('fashion-mnist', 'train', undefined, empty)),
        /train-images-idx3-ubyte.gz not found: install the Debian package dataset-fashion-mnist/);
      writeFileSync(join(empty, 't10k-images-idx3-ubyte'), idxBytes([1, 2, 2], [0, 51, 102, 255]));
      writeFileSync(join(empty, 't10k-labels-idx1-ubyte.gz'), gzipSync(idxBytes([1], [9])));
      const ds = loadDataset('fashion-mnist', 'test', 10, empty);
      assert.deepEqual([ds.shape, Array.from(ds.inputs), Array.from(ds.labels)], [[1, 1, 2, 2], [0, 0.2, 0.4, 1].map(Math.fround), [9]]);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
