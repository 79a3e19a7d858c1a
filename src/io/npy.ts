import { readFileSync, writeFileSync } from 'node:fs';
import { BnnError } from '../errors.js';
import { alignedBuffer, bytesOf } from './bytes.js';

/** The NumPy dtypes bnngen reads and writes (little-endian only). */
export type NpyDtype = 'float32' | 'float64' | 'uint8' | 'int32' | 'int64';
export type NpyData = Float32Array | Float64Array | Uint8Array | Int32Array | BigInt64Array;

export interface NpyArray {
  readonly dtype: NpyDtype;
  readonly shape: number[];
  /** C-order (row-major) elements. */
  readonly data: NpyData;
}

/** NumPy's descr strings: '<' little-endian, '|' byte order irrelevant (one-byte types). */
const DTYPES: Record<NpyDtype, { descr: string; accepted: readonly string[]; make: (b: ArrayBuffer) => NpyData }> = {
  float32: { descr: '<f4', accepted: ['<f4'], make: (b) => new Float32Array(b) },
  float64: { descr: '<f8', accepted: ['<f8'], make: (b) => new Float64Array(b) },
  uint8: { descr: '|u1', accepted: ['|u1', '<u1', '>u1'], make: (b) => new Uint8Array(b) },
  int32: { descr: '<i4', accepted: ['<i4'], make: (b) => new Int32Array(b) },
  int64: { descr: '<i8', accepted: ['<i8'], make: (b) => new BigInt64Array(b) },
};

const MAGIC = [0x93, ...Buffer.from('NUMPY')];

/** Reads a .npy file (format versions 1, 2 and 3) from a path or from its bytes. */
export function readNpy(source: string | Uint8Array): NpyArray {
  const file = typeof source === 'string' ? source : undefined;
  try {
    return decodeNpy(typeof source === 'string' ? readFile(source) : source);
  } catch (e) {
    throw e instanceof BnnError && file ? e.inFile(file) : e;
  }
}

/** Writes `data` with `shape` as a version 1.0 .npy file (the version numpy itself writes for such headers). */
export function writeNpy(path: string, data: NpyData, shape: readonly number[]): void {
  writeFileSync(path, encodeNpy(data, shape));
}

export function encodeNpy(data: NpyData, shape: readonly number[]): Uint8Array {
  const dtype = dtypeOf(data);
  if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new BnnError(`npy shape [${shape.join(', ')}] must hold non-negative integers`);
  }
  if (product(shape) !== data.length) {
    throw new BnnError(`npy shape [${shape.join(', ')}] holds ${product(shape)} elements, data has ${data.length}`);
  }
  const tuple = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${DTYPES[dtype].descr}', 'fortran_order': False, 'shape': ${tuple}, }`;
  // NumPy pads the header with spaces so that the data starts on a 64-byte boundary, and ends it with '\n'.
  const paddedLength = (prefix: number): number => Math.ceil((prefix + dict.length + 1) / 64) * 64 - prefix;
  // Version 1 stores the header length in 2 bytes; a larger header needs version 2 (4 bytes).
  const version = paddedLength(10) > 0xffff ? 2 : 1;
  const prefix = version === 1 ? 10 : 12;
  const headerLength = paddedLength(prefix);
  const header = Buffer.from(dict.padEnd(headerLength - 1, ' ') + '\n', 'latin1');
  const out = new Uint8Array(prefix + headerLength + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = version;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, headerLength, true);
  else view.setUint32(8, headerLength, true);
  out.set(header, prefix);
  out.set(bytesOf(data), prefix + headerLength);
  return out;
}

function decodeNpy(bytes: Uint8Array): NpyArray {
  if (bytes.length < 10 || !MAGIC.every((b, i) => bytes[i] === b)) throw new BnnError('not a .npy file (bad magic)');
  const major = bytes[6];
  if (major !== 1 && major !== 2 && major !== 3) throw new BnnError(`unsupported .npy format version ${major}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const prefix = major === 1 ? 10 : 12;
  if (bytes.length < prefix) throw new BnnError('truncated .npy header');
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  if (prefix + headerLength > bytes.length) throw new BnnError('truncated .npy header');
  // Versions 1 and 2 use latin1 headers, version 3 utf-8.
  const header = Buffer.from(bytes.subarray(prefix, prefix + headerLength)).toString(major === 3 ? 'utf8' : 'latin1');

  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(header)?.[1];
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new BnnError(`malformed .npy header: ${header.trim()}`);
  }
  if (fortran === 'True') {
    throw new BnnError('Fortran-order .npy arrays are not supported: save with np.ascontiguousarray(a) first');
  }
  const dtype = (Object.keys(DTYPES) as NpyDtype[]).find((d) => DTYPES[d].accepted.includes(descr));
  if (!dtype) {
    throw new BnnError(`.npy dtype '${descr}' is not supported; supported: little-endian float32, float64, uint8, int32, int64`);
  }
  const dims = shapeText.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (!dims.every((d) => /^\d+$/.test(d))) throw new BnnError(`malformed .npy shape (${shapeText})`);
  const shape = dims.map(Number);

  const itemSize = DTYPES[dtype].make(new ArrayBuffer(0)).BYTES_PER_ELEMENT;
  const expected = product(shape) * itemSize;
  const body = bytes.subarray(prefix + headerLength);
  if (body.length !== expected) {
    throw new BnnError(`.npy data has ${body.length} bytes, shape (${shape.join(', ')}) of ${dtype} needs ${expected}`);
  }
  return { dtype, shape, data: DTYPES[dtype].make(alignedBuffer(body)) };
}

function dtypeOf(data: NpyData): NpyDtype {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Uint8Array) return 'uint8';
  if (data instanceof Int32Array) return 'int32';
  return 'int64';
}

function product(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function readFile(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new BnnError(`cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { file: path });
  }
}
