/** `bnngen targets [name]`: the known targets and their facts; with a name, everything about that one. */
import type { Command } from 'commander';
import { listTargets, loadTarget } from '../targets/load.js';
import type { Target } from '../targets/target.js';
import { action, formatTable, thousands } from './common.js';
import { Output, type OutputOptions } from './output.js';

/** 262144 -> "256 KiB", 5767168 -> "5.5 MiB"; the host's placeholder budgets (1 GiB and more) -> "n/a". */
export function formatBytes(n: number): string {
  if (n >= 1 << 30) return 'n/a';
  if (n >= 1 << 20) return `${Number((n / (1 << 20)).toFixed(2))} MiB`;
  return `${Number((n / 1024).toFixed(1))} KiB`;
}

function emulation(t: Target): string {
  return t.qemu ? [t.qemu.binary, '-M', t.qemu.machine, ...t.qemu.args].join(' ') : 'native';
}

function details(t: Target): string {
  const hex = (v: number) => `0x${v.toString(16)}`;
  const lines: [string, string | undefined][] = [
    ['target', `${t.name}: ${t.description}`],
    ['real part', `${t.part.name}: ${formatBytes(t.part.flash)} flash (${thousands(t.part.flash)} bytes), ` +
      `${formatBytes(t.part.ram)} RAM (${thousands(t.part.ram)} bytes)`],
    ['', t.part.notes],
    ['compile', [t.cc, ...t.cflags].join(' ')],
    ['link', [t.cc, ...t.ldflags].join(' ')],
    ['packages', t.toolchainPackages?.join(' ')],
    ['runs on', emulation(t)],
    ['', t.qemu?.notes],
    ['memory map', t.memory && `flash ${hex(t.memory.flash.base)} (${formatBytes(t.memory.flash.size)}), ` +
      `RAM ${hex(t.memory.ram.base)} (${formatBytes(t.memory.ram.size)})`],
    ['FPU', t.fpu ? 'yes' : 'no (float layers use soft-float routines)'],
    ['popcount', `${t.kernels.popcount} (templates/kernels/popcount_${t.kernels.popcount}.h)`],
    ['', t.kernels.notes],
  ];
  return lines.filter(([, v]) => v !== undefined).map(([k, v]) => `${k.padEnd(10)}  ${v}`).join('\n');
}

export function registerTargets(program: Command): void {
  program
    .command('targets')
    .description('list the targets: compiler, emulated board, real-part budget, FPU, popcount variant')
    .argument('[name]', 'show everything about one target, with the notes on its choices')
    .action(
      action(async (name: string | undefined, opts: OutputOptions) => {
        const out = new Output(opts);
        if (name !== undefined) {
          out.print(details(loadTarget(name)));
          return;
        }
        const targets = listTargets();
        const rows = targets.map((t) => [
          t.name, t.cflags.join(' ') || `(${t.cc} defaults)`, t.qemu ? `${t.qemu.binary} -M ${t.qemu.machine}` : 'native',
          `${t.part.name}: ${formatBytes(t.part.flash)} flash / ${formatBytes(t.part.ram)} RAM`,
          t.fpu ? 'yes' : 'no', t.kernels.popcount,
        ]);
        const header = ['target', 'compile flags', 'runs on', 'budget (real part)', 'FPU', 'popcount'];
        out.print(`${formatTable(header, rows)}\n(bnngen targets <name> shows one target in full)`);
        for (const t of targets) out.detail(`${t.name}: ${t.description}`);
      }),
    );
}
