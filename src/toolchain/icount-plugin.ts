/**
 * Builds bnngen's instruction-counting QEMU plugin (src/toolchain/qemu-plugin/icount.c) with the host gcc, once
 * per version of its source: the shared object is cached in <tmpdir>/bnngen-plugin-<hash>/icount.so.
 */
import { createHash } from 'node:crypto';
import { readFile, mkdir, rename, rm, access } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BnnError } from '../errors.js';
import { packageRoot } from '../io/package-root.js';
import { runTool } from './exec.js';

const HOST_CC = 'gcc';
const PLUGIN_CFLAGS = ['-shared', '-fPIC', '-O2', '-std=c11', '-Wall', '-Wextra', '-Werror'];

/** Where the plugin's C source ships inside the package. */
export function icountPluginSource(): string {
  return join(packageRoot(), 'src', 'toolchain', 'qemu-plugin', 'icount.c');
}

let pending: Promise<string> | undefined;

/** Path of the built plugin; builds it first when this version of the source has not been built yet. */
export function ensureIcountPlugin(): Promise<string> {
  pending ??= buildIfMissing();
  pending.catch(() => (pending = undefined)); // a failed build (e.g. gcc missing) is retried next time
  return pending;
}

async function buildIfMissing(): Promise<string> {
  const source = icountPluginSource();
  const text = await readFile(source);
  // The flags are part of the key: changing them must not reuse an old build.
  const hash = createHash('sha256').update(text).update(PLUGIN_CFLAGS.join(' ')).digest('hex').slice(0, 16);
  const dir = join(tmpdir(), `bnngen-plugin-${hash}`);
  const plugin = join(dir, 'icount.so');
  if (await exists(plugin)) return plugin;
  await mkdir(dir, { recursive: true });
  // Another process may build the same plugin at the same moment: each builds under its own name, and the
  // rename is atomic, so icount.so is always either absent or complete.
  const partial = join(dir, `icount.so.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
  try {
    const result = await runTool(HOST_CC, [...PLUGIN_CFLAGS, '-o', partial, source], { packages: ['gcc'] });
    if (result.exitCode !== 0) {
      throw new BnnError(`building the QEMU instruction-count plugin failed: ${result.stderr.trim().split('\n')[0] ?? ''}`);
    }
    await rename(partial, plugin);
  } finally {
    await rm(partial, { force: true });
  }
  return plugin;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
