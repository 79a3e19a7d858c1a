/**
 * Inputs (and optional labels) for run/verify: a .npy file with the batch as the first axis, a named dataset
 * from a Debian package, or seeded random inputs in [0, 1) when nothing is given.
 */
import { BnnError } from '../errors.js';
import { loadDataset } from './datasets.js';
import { readNpy } from './npy.js';
import { mulberry32 } from '../util/prng.js';

export interface Samples {
  /** count x sampleSize float32 values. */
  readonly inputs: Float32Array;
  readonly count: number;
  readonly labels?: Int32Array;
  /** Where the samples came from, for reports. */
  readonly description: string;
}

export interface SampleOptions {
  readonly input?: string;
  readonly labels?: string;
  readonly dataset?: string;
  readonly samples?: number;
}

/** Floats per sample for a model input of shape [1, ...]. */
export function sampleSize(inputShape: readonly number[]): number {
  return inputShape.slice(1).reduce((a, b) => a * b, 1);
}

export async function loadSamples(opts: SampleOptions, inputShape: readonly number[], defaultCount = 100): Promise<Samples> {
  const size = sampleSize(inputShape);
  let samples: Samples;
  if (opts.input && opts.dataset) throw new BnnError('give either --input or --dataset, not both');
  if (opts.input) {
    samples = npySamples(opts.input, size, inputShape);
  } else if (opts.dataset) {
    if (opts.dataset !== 'fashion-mnist') throw new BnnError(`unknown dataset '${opts.dataset}' (known: fashion-mnist)`);
    const d = await loadDataset('fashion-mnist', 'test', opts.samples);
    if (d.shape.slice(1).reduce((a, b) => a * b, 1) !== size) {
      throw new BnnError(`dataset samples have shape [${d.shape.slice(1)}], the model input is [${inputShape}]`);
    }
    samples = { inputs: d.inputs, count: d.shape[0]!, labels: d.labels, description: `fashion-mnist test set (pixels/255)` };
  } else {
    const count = opts.samples ?? defaultCount;
    samples = { inputs: randomInputs(count * size, 0x5eed), count, description: `${count} seeded random input${count === 1 ? "" : "s"} in [0, 1)` };
  }
  if (opts.labels) samples = { ...samples, labels: npyLabels(opts.labels) };
  if (opts.samples !== undefined && opts.samples < samples.count) {
    const n = opts.samples;
    samples = { ...samples, count: n, inputs: samples.inputs.subarray(0, n * size), labels: samples.labels?.subarray(0, n) };
  }
  if (samples.labels && samples.labels.length < samples.count) {
    throw new BnnError(`${samples.labels.length} labels for ${samples.count} samples`);
  }
  return samples;
}

function npySamples(path: string, size: number, inputShape: readonly number[]): Samples {
  const npy = readNpy(path);
  if (npy.dtype !== 'float32' && npy.dtype !== 'float64') {
    throw new BnnError(`inputs must be float32 or float64, got ${npy.dtype}`, { file: path });
  }
  const total = npy.data.length;
  if (total % size !== 0 || total === 0) {
    throw new BnnError(`array of shape [${npy.shape}] does not hold whole samples of the model input [${inputShape}]`, { file: path });
  }
  return { inputs: Float32Array.from(npy.data as ArrayLike<number>), count: total / size, description: path };
}

function npyLabels(path: string): Int32Array {
  const npy = readNpy(path);
  if (npy.shape.length !== 1) throw new BnnError(`labels must be a 1-D array, got shape [${npy.shape}]`, { file: path });
  return Int32Array.from(npy.data as ArrayLike<number>, Number);
}

/** Deterministic uniform [0, 1) float32 values. */
export function randomInputs(n: number, seed: number): Float32Array {
  const next = mulberry32(seed);
  return Float32Array.from({ length: n }, next);
}
