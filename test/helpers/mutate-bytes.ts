/**
 * Byte-level mutations of a serialized protobuf (an ONNX file): truncation, bit flips, hostile varints written
 * over real fields (values and length prefixes), and fields deleted or duplicated. Field positions come from a
 * small wire-format walker, so the mutations land on real structure rather than only on weight bytes.
 */
import type { Rng } from './random.js';

/** One field of the wire format: [start, end) covers tag and value; `value` starts after the tag. */
interface WireField {
  readonly start: number;
  readonly value: number;
  readonly end: number;
  /** 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32. */
  readonly wire: number;
}

/** Reads a varint at `pos`; undefined when it runs past `end` or exceeds 10 bytes. */
function readVarint(bytes: Uint8Array, pos: number, end: number): { value: number; next: number } | undefined {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10 && pos + i < end; i++) {
    const b = bytes[pos + i]!;
    value += (b & 0x7f) * scale;
    scale *= 128;
    if ((b & 0x80) === 0) return { value, next: pos + i + 1 };
  }
  return undefined;
}

/** Fields of the message in [start, end), recursing into length-delimited fields that parse as messages. */
function walk(bytes: Uint8Array, start: number, end: number, depth: number, out: WireField[]): boolean {
  const before = out.length;
  let pos = start;
  while (pos < end) {
    const tag = readVarint(bytes, pos, end);
    if (!tag || tag.value < 8) break;
    const wire = tag.value % 8;
    let next: number;
    if (wire === 0) {
      const v = readVarint(bytes, tag.next, end);
      if (!v) break;
      next = v.next;
    } else if (wire === 1 || wire === 5) {
      next = tag.next + (wire === 1 ? 8 : 4);
    } else if (wire === 2) {
      const len = readVarint(bytes, tag.next, end);
      if (!len) break;
      next = len.next + len.value;
      if (next <= end && depth < 8 && len.value > 0) walk(bytes, len.next, next, depth + 1, out);
    } else {
      break;
    }
    if (next > end) break;
    out.push({ start: pos, value: tag.next, end: next, wire });
    pos = next;
  }
  if (pos === end) return true;
  out.length = before; // not a message (e.g. weight bytes): keep none of its guesses
  return false;
}

export function wireFields(bytes: Uint8Array): WireField[] {
  const out: WireField[] = [];
  walk(bytes, 0, bytes.length, 0, out);
  return out;
}

/** Varint encoding of a (possibly negative, two's complement 64-bit) integer, padded to at least `width` bytes. */
export function encodeVarint(v: bigint, width = 1): Uint8Array {
  let u = BigInt.asUintN(64, v);
  const out: number[] = [];
  do {
    out.push(Number(u & 0x7fn));
    u >>= 7n;
  } while (u > 0n);
  while (out.length < width && out.length < 10) out.push(0);
  return Uint8Array.from(out, (b, i) => (i < out.length - 1 ? b | 0x80 : b));
}

/** Values chosen to break size arithmetic: zero, sign bits, 2^31/2^32 boundaries, 2^40 (multi-GB), 2^53+1, -1. */
const HOSTILE = [0n, 1n, 0x7fffffffn, 0x80000000n, 0xffffffffn, 1n << 40n, (1n << 53n) + 1n, (1n << 63n) - 1n, -1n, -(1n << 40n)];

/** A copy (not a view: on a Node Buffer, which protobufjs returns, slice() shares memory). */
function copy(bytes: Uint8Array, start = 0, end = bytes.length): Uint8Array {
  return Uint8Array.from(bytes.subarray(start, end));
}

function replace(bytes: Uint8Array, start: number, end: number, insert: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length - (end - start) + insert.length);
  out.set(bytes.subarray(0, start));
  out.set(insert, start);
  out.set(bytes.subarray(end), start + insert.length);
  return out;
}

export interface ByteMutation {
  readonly kind: string;
  readonly bytes: Uint8Array;
}

/** One random byte-level mutation of `bytes`. */
export function mutateBytes(rng: Rng, bytes: Uint8Array): ByteMutation {
  const fields = wireFields(bytes);
  const field = fields.length > 0 ? rng.pick(fields) : undefined;
  const choice = rng.int(0, 6);
  if (choice === 0 || !field) {
    const at = rng.next() < 0.5 ? rng.int(0, bytes.length - 1) : (field?.value ?? 0);
    return { kind: 'truncate', bytes: copy(bytes, 0, at) };
  }
  if (choice === 1) {
    const out = copy(bytes);
    const flips = rng.int(1, 8);
    // Half the time aim at the field headers (tags, lengths, small varints), not at weight bytes.
    for (let i = 0; i < flips; i++) {
      const f = rng.pick(fields);
      const at = rng.next() < 0.5 ? rng.int(f.start, Math.min(f.end, f.value + 10) - 1) : rng.int(0, out.length - 1);
      out[at]! ^= 1 << rng.int(0, 7);
    }
    return { kind: 'bit flips', bytes: out };
  }
  if (choice <= 3) {
    // A hostile varint over a varint value or over a length prefix; keeping the old width leaves parents intact.
    const candidates = fields.filter((f) => f.wire === 0 || f.wire === 2);
    const f = rng.pick(candidates.length > 0 ? candidates : fields);
    const old = readVarint(bytes, f.value, bytes.length);
    const oldEnd = old?.next ?? f.value + 1;
    const v = rng.next() < 0.7 ? rng.pick(HOSTILE) : BigInt(rng.int(0, 1 << 20));
    const width = rng.next() < 0.7 ? oldEnd - f.value : 1;
    const what = f.wire === 2 ? 'length' : 'varint';
    return { kind: `${what} := ${v}`, bytes: replace(bytes, f.value, oldEnd, encodeVarint(v, width)) };
  }
  if (choice === 4) return { kind: 'delete field', bytes: replace(bytes, field.start, field.end, new Uint8Array()) };
  if (choice === 5) {
    const twin = copy(bytes, field.start, field.end);
    return { kind: 'duplicate field', bytes: replace(bytes, field.end, field.end, twin) };
  }
  const out = copy(bytes);
  const at = rng.int(0, out.length - 1);
  for (let i = at; i < Math.min(out.length, at + rng.int(1, 16)); i++) out[i] = rng.int(0, 255);
  return { kind: 'random bytes', bytes: out };
}
