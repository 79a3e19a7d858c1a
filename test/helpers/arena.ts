/** Arena words covered by buffers, counted word by word (buffers of an in-place kernel share words). */
export function wordsInUse(buffers: ReadonlyArray<{ readonly offset?: number; readonly words: number }>): number {
  const used = new Set<number>();
  for (const b of buffers) for (let w = 0; w < b.words; w++) used.add(b.offset! + w);
  return used.size;
}
