import { readFileSync } from 'node:fs';
import { BnnError } from '../errors.js';
import { maybeGunzip } from './gzip.js';

/** An IDX array (the MNIST file format) of unsigned bytes: images [N, H, W] or labels [N]. */
export interface IdxArray {
  readonly shape: number[];
  readonly data: Uint8Array;
}

const UNSIGNED_BYTE = 0x08;

/** Reads an IDX file, gzip-compressed or not, from a path or from its bytes. Only unsigned-byte data. */
export function readIdx(source: string | Uint8Array): IdxArray {
  if (typeof source !== 'string') return decodeIdx(source);
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(source);
  } catch (e) {
    throw new BnnError(`cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { file: source });
  }
  try {
    return decodeIdx(bytes);
  } catch (e) {
    throw e instanceof BnnError ? e.inFile(source) : e;
  }
}

function decodeIdx(raw: Uint8Array): IdxArray {
  const bytes = maybeGunzip(raw, 2 ** 30);
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) throw new BnnError('not an IDX file (bad magic)');
  if (bytes[2] !== UNSIGNED_BYTE) {
    throw new BnnError(`IDX element type 0x${bytes[2].toString(16).padStart(2, '0')} is not supported: only unsigned bytes (0x08)`);
  }
  const rank = bytes[3];
  const dataStart = 4 + 4 * rank;
  if (rank === 0 || bytes.length < dataStart) throw new BnnError('truncated IDX header');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i, false)); // big-endian sizes
  const count = shape.reduce((a, b) => a * b, 1);
  if (bytes.length - dataStart !== count) {
    throw new BnnError(`IDX data has ${bytes.length - dataStart} bytes, shape [${shape.join(', ')}] needs ${count}`);
  }
  return { shape, data: new Uint8Array(bytes.subarray(dataStart)) };
}
