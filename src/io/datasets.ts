import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BnnError } from '../errors.js';
import { readIdx } from './idx.js';

export type DatasetName = 'fashion-mnist';
export type DatasetSplit = 'test' | 'train';

export interface Dataset {
  /** N×1×H×W float32 pixels scaled to [0, 1]. */
  readonly inputs: Float32Array;
  readonly shape: [number, number, number, number];
  readonly labels: Int32Array;
}

/** Where Debian's dataset-fashion-mnist package installs the files. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

const FILES: Record<DatasetSplit, { images: string; labels: string }> = {
  test: { images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte' },
  train: { images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte' },
};

/**
 * Loads a split of Fashion-MNIST as the training script saw it: pixel/255 in float32 (what torchvision's
 * ToTensor computes; float32 division and double division rounded to float32 agree exactly here).
 * `limit` keeps the first samples only. `dir` overrides the installed location.
 */
export function loadDataset(name: DatasetName, split: DatasetSplit, limit?: number, dir = FASHION_MNIST_DIR): Dataset {
  if (name !== 'fashion-mnist') throw new BnnError(`unknown dataset '${String(name)}'; available: fashion-mnist`);
  if (split !== 'test' && split !== 'train') throw new BnnError(`unknown split '${String(split)}'; use test or train`);
  if (limit !== undefined && (!Number.isSafeInteger(limit) || limit <= 0)) {
    throw new BnnError(`dataset limit must be a positive integer, got ${limit}`);
  }
  const images = readIdx(findFile(dir, FILES[split].images));
  const labels = readIdx(findFile(dir, FILES[split].labels));
  if (images.shape.length !== 3 || labels.shape.length !== 1 || images.shape[0] !== labels.shape[0]) {
    throw new BnnError(`${name} ${split}: images [${images.shape.join(', ')}] and labels [${labels.shape.join(', ')}] do not match`);
  }
  const [total, height, width] = images.shape;
  const n = Math.min(limit ?? total, total);
  const inputs = new Float32Array(n * height * width);
  for (let i = 0; i < inputs.length; i++) inputs[i] = images.data[i] / 255;
  return { inputs, shape: [n, 1, height, width], labels: Int32Array.from(labels.data.subarray(0, n)) };
}

/** The gzip file as Debian ships it, or an uncompressed copy. */
function findFile(dir: string, base: string): string {
  for (const candidate of [`${base}.gz`, base]) {
    const path = join(dir, candidate);
    if (existsSync(path)) return path;
  }
  throw new BnnError(`${join(dir, base)}.gz not found: install the Debian package dataset-fashion-mnist`);
}
