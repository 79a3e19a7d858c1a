/**
 * Layout of binary convolution filters and windows (docs/numerics.md): an output channel's filter is one bit
 * string over its receptive field, tap-major and channel-minor: bit i is tap t = floor(i / C) (t = ky*kW + kx),
 * channel c = i % C, stored as word i >> 5, bit i & 31. A 3x3 filter over 16 channels is 144 bits in 5 words
 * (not 9 words of one half-empty word per tap); bits past kH*kW*C are 0. The kernels gather each output
 * pixel's window into the same bit string, so a filter's mismatches are one XOR-popcount run.
 */

/** Bits of one filter: kH*kW*C. */
export function filterBits(inChannels: number, kH: number, kW: number): number {
  return kH * kW * inChannels;
}

/** Words of one filter: ceil(kH*kW*C / 32). */
export function filterWords(inChannels: number, kH: number, kW: number): number {
  return Math.ceil(filterBits(inChannels, kH, kW) / 32);
}

/** ORs the low `n` bits of `value` (bits above n are 0) into `out` at bit position `pos`. */
export function orBits(out: Uint32Array, pos: number, value: number, n: number): void {
  const q = pos >>> 5;
  const r = pos & 31;
  out[q] = (out[q]! | (value << r)) >>> 0;
  if (r !== 0 && r + n > 32) out[q + 1] = (out[q + 1]! | (value >>> (32 - r))) >>> 0;
}

/** Bits of a filter's last word past kH*kW*C, which must be 0; 0 when the filter fills its last word. */
export function filterTailMask(inChannels: number, kH: number, kW: number): number {
  const rem = filterBits(inChannels, kH, kW) % 32;
  return rem === 0 ? 0 : ~((1 << rem) - 1) >>> 0;
}
