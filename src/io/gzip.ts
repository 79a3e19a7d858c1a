/** Transparent gzip: models and datasets may be stored compressed (`model.onnx.gz`, `*-ubyte.gz`). */
import { gunzipSync } from 'node:zlib';
import { BnnError } from '../errors.js';

/** True when the bytes start with the gzip magic number. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * The bytes, decompressed when they are gzip. `maxBytes` bounds the output so a small hostile file cannot
 * expand into gigabytes before any other limit is checked.
 */
export function maybeGunzip(bytes: Uint8Array, maxBytes: number): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  try {
    return gunzipSync(bytes, { maxOutputLength: maxBytes });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ERR_BUFFER_TOO_LARGE') throw new BnnError(`gzip data expands to more than ${maxBytes} bytes`);
    throw new BnnError(`corrupt gzip data: ${err.message}`);
  }
}
