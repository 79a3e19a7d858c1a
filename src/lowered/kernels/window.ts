/**
 * In-bounds taps of a window along one axis, as the C helper bnn_tap_range computes them: the window starts at
 * input coordinate `base` (may be negative: padding) and tap k reads `base + k*dil`. The in-bounds taps are the
 * contiguous range [firstTap, endTap); padded taps are skipped, which is exact zero padding.
 */
export function firstTap(base: number, dil: number, k: number): number {
  let t = 0;
  while (t < k && base + t * dil < 0) t++;
  return t;
}

export function endTap(base: number, dil: number, k: number, size: number, first: number): number {
  let t = k;
  while (t > first && base + (t - 1) * dil >= size) t--;
  return t;
}
