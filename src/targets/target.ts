/**
 * A target is data: targets/<name>.json describes the compiler, flags, QEMU board, memory map, the budget of a
 * representative real part, and which kernel variants to emit. Adding a board needs no code change.
 */
export interface MemoryRegion {
  readonly base: number;
  readonly size: number;
}

export interface Target {
  readonly name: string;
  readonly description: string;
  /** Representative real part and its budget (bytes); compile checks the model against it. */
  readonly part: {
    readonly name: string;
    readonly flash: number;
    readonly ram: number;
    /** What the budget counts (e.g. which RAM banks), for people reading the target. */
    readonly notes?: string;
  };
  /** 'gcc' for the host build, else a cross gcc such as 'arm-none-eabi-gcc'. */
  readonly cc: string;
  /** Debian packages that provide cc and its C library; named when cc is missing. */
  readonly toolchainPackages?: readonly string[];
  readonly cflags: readonly string[];
  readonly ldflags: readonly string[];
  /** Emulation; absent for the host target (run natively). */
  readonly qemu?: {
    readonly binary: string;
    readonly machine: string;
    readonly args: readonly string[];
    /** Board clock, for SysTick-based instruction counting. */
    readonly clockHz?: number;
    /** Debian packages that provide the QEMU binary; named when it is missing. */
    readonly packages?: readonly string[];
    /** Why this board and these options (e.g. what real core it runs, how its memory was enlarged). */
    readonly notes?: string;
  };
  /** The emulated board's memory map (link addresses). */
  readonly memory?: { readonly flash: MemoryRegion; readonly ram: MemoryRegion };
  readonly fpu: boolean;
  /**
   * Kernel variants, resolved to files in templates/kernels/: `popcount` names popcount_<popcount>.h, which
   * defines bnn_xor_popcount (set bits of a XOR w over a run of words) for the binary convolutions.
   */
  readonly kernels: {
    readonly popcount: string;
    /**
     * 'exact': the float convolutions' multiply-accumulate in integer arithmetic (fmac_exact.h), for FPU-less
     * cores where that beats the C library's soft-float; absent: the float expression.
     */
    readonly fmac?: 'exact';
    /**
     * true: bnn_bconv2d_affine counts two horizontally adjacent windows a pass over the filters (BNN_BCONV_PAIRS):
     * for cores whose bconvs run the generic C loops, where that pays for its code (docs/targets.md).
     */
    readonly pairs?: true;
    /** Why this variant (e.g. measured instructions per word against the alternatives). */
    readonly notes?: string;
  };
}
