import { endianness } from 'node:os';
import { BnnError } from '../errors.js';

/**
 * Typed arrays use the host's byte order and bnngen's files (npy, harness data) are little-endian, so raw bytes
 * are copied straight into typed arrays (this keeps NaN payloads intact, unlike a DataView round trip through
 * double). Every such copy calls this first.
 */
export function requireLittleEndianHost(): void {
  if (endianness() !== 'LE') throw new BnnError('bnngen needs a little-endian host');
}

/** The bytes of a typed array, sharing its memory. */
export function bytesOf(values: ArrayBufferView): Uint8Array {
  requireLittleEndianHost();
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

/** A fresh, aligned copy of `bytes` (a typed array view needs an offset that is a multiple of its element size). */
export function alignedBuffer(bytes: Uint8Array): ArrayBuffer {
  requireLittleEndianHost();
  return new Uint8Array(bytes).buffer; // not bytes.slice(): Buffer#slice returns a view, not a copy
}
