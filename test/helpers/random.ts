/** Seeded randomness for tests: the same seed gives the same models and inputs on every run. */
import type { DType, Tensor } from '../../src/graph/tensor.js';
import { makeTensor, sizeOf } from '../../src/graph/tensor.js';
import { mulberry32 } from '../../src/util/prng.js';

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number;
  /** Uniform integer in [lo, hi] (both included). */
  int(lo: number, hi: number): number;
  pick<T>(items: readonly T[]): T;
}

/** Seeded test randomness on src/util/prng.ts. */
export function makeRng(seed: number): Rng {
  const next = mulberry32(seed);
  return {
    next,
    uniform: (lo, hi) => lo + (hi - lo) * next(),
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (items) => items[Math.floor(next() * items.length)]!,
  };
}

/** A tensor of uniform values in [lo, hi) (floats) or integers in [lo, hi] (integer types, bool 0/1). */
export function randomTensor(rng: Rng, dtype: DType, shape: readonly number[], lo = -1, hi = 1): Tensor {
  const n = sizeOf(shape);
  const values = new Array<number>(n);
  const float = dtype === 'float32' || dtype === 'float64' || dtype === 'float16';
  for (let i = 0; i < n; i++) {
    values[i] = dtype === 'bool' ? rng.int(0, 1) : float ? rng.uniform(lo, hi) : rng.int(lo, hi);
  }
  return makeTensor(dtype, shape, values);
}
