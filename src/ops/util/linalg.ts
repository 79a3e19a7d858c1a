/** The matrix product kernel shared by Gemm and MatMul. */

/** A row-major-or-transposed view of a matrix inside a flat array. */
export interface MatrixView {
  readonly data: Float32Array | Float64Array;
  readonly offset: number;
  readonly rowStride: number;
  readonly colStride: number;
}

/**
 * Writes the float64 sums A·B (A is M×K, B is K×N) into `out` (row-major M×N, length M·N). Accumulates
 * row by row (k outer, j inner) so the inner loop walks B's row with unit stride when B is not transposed.
 */
export function matMulSums(a: MatrixView, b: MatrixView, m: number, k: number, n: number, out: Float64Array): void {
  out.fill(0, 0, m * n);
  const { data: ad, rowStride: ars, colStride: acs } = a;
  const { data: bd, rowStride: brs, colStride: bcs } = b;
  for (let i = 0; i < m; i++) {
    const row = i * n;
    for (let p = 0; p < k; p++) {
      const av = ad[a.offset + i * ars + p * acs]!;
      const bBase = b.offset + p * brs;
      for (let j = 0; j < n; j++) out[row + j]! += av * bd[bBase + j * bcs]!;
    }
  }
}
