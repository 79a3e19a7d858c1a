import type { Target } from '../targets/target.js';

/**
 * Flags every build of generated code uses, on every target, before the target's own cflags.
 * -ffp-contract=off is essential: without it gcc fuses a*b+c into an FMA on FPU targets and the float32 results
 * stop matching the TypeScript reference executor bit for bit.
 */
export const GENERATED_CODE_CFLAGS: readonly string[] = [
  '-std=c99', '-O2', '-ffp-contract=off', '-Wall', '-Wextra', '-Wpedantic', '-Werror',
];

/**
 * picolibc with semihosting: its crt0 sets up the C runtime and argv, and stdio/exit reach the host through
 * QEMU. Needed both when compiling (picolibc headers) and when linking. Only for emulated targets.
 */
const PICOLIBC_SEMIHOST = ['--specs=picolibc.specs', '--oslib=semihost', '--crt0=semihost'];

/** Extra compile flags of a test/verification build for `target`. */
export function runtimeCompileFlags(target: Target): string[] {
  return target.qemu ? [...PICOLIBC_SEMIHOST] : [];
}

/** Extra link flags: picolibc's linker script takes the emulated board's memory map through four symbols. */
export function runtimeLinkFlags(target: Target): string[] {
  if (!target.qemu) return [];
  const memory = target.memory;
  if (!memory) throw new Error(`target ${target.name} has qemu but no memory map`); // parseTarget refuses this
  const hex = (n: number): string => '0x' + n.toString(16);
  return [
    ...PICOLIBC_SEMIHOST,
    `-Wl,--defsym=__flash=${hex(memory.flash.base)}`,
    `-Wl,--defsym=__flash_size=${hex(memory.flash.size)}`,
    `-Wl,--defsym=__ram=${hex(memory.ram.base)}`,
    `-Wl,--defsym=__ram_size=${hex(memory.ram.size)}`,
  ];
}

/** The binutils `size` matching the target's gcc: arm-none-eabi-gcc -> arm-none-eabi-size, gcc -> size. */
export function sizeTool(target: Target): string {
  return target.cc.endsWith('gcc') ? target.cc.slice(0, -'gcc'.length) + 'size' : 'size';
}
