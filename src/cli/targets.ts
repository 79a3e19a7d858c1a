/** `bnngen targets`: the known targets and their facts. */
import type { Command } from 'commander';
import { listTargets } from '../targets/load.js';
import { action, formatTable } from './common.js';

const kib = (n: number) => (n >= 1 << 30 ? 'n/a' : `${Math.round(n / 1024)} KiB`);

export function registerTargets(program: Command): void {
  program
    .command('targets')
    .description('list the targets: compiler, emulated board, real-part budget, FPU, popcount variant')
    .action(
      action(async () => {
        const rows = listTargets().map((t) => [
          t.name, t.cc, t.qemu ? `${t.qemu.binary} -M ${t.qemu.machine}` : 'native', `${t.part.name}: ${kib(t.part.flash)} flash / ${kib(t.part.ram)} RAM`,
          t.fpu ? 'yes' : 'no', t.kernels.popcount,
        ]);
        process.stdout.write(`${formatTable(['target', 'compiler', 'runs on', 'budget (real part)', 'FPU', 'popcount'], rows)}\n`);
      }),
    );
}
