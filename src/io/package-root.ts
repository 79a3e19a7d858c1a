import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/**
 * The bnngen package folder (the one holding targets/ and templates/). Found by walking up from this module,
 * so it works both from src/ (ts-node style) and from dist/src/ after tsc.
 */
export function packageRoot(): string {
  if (cached !== undefined) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && isBnngenManifest(manifest)) return (cached = dir);
    const parent = dirname(dir);
    if (parent === dir) throw new Error('bnngen package root not found above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

function isBnngenManifest(path: string): boolean {
  try {
    return (JSON.parse(readFileSync(path, 'utf8')) as { name?: unknown }).name === 'bnngen';
  } catch {
    return false;
  }
}
