/* The float convolutions' multiply-accumulate where the float expression is used (fmac_exact.h is its exact
 * integer emulation for FPU-less targets with kernels.fmac "exact"). */

/** acc + w * x: the product rounded to float, then the sum (never fused: -ffp-contract=off). A macro, so that gcc
 * sees the plain expression: as an inline function it scheduled cortex-m3's soft-float stem 1 % worse. */
#define bnn_fmac(acc, w, x) ((acc) + (w) * (x))
