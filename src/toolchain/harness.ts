import Handlebars from 'handlebars';
import { readFileSync } from 'node:fs';
import { copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BnnError } from '../errors.js';
import { packageRoot } from '../io/package-root.js';

let template: Handlebars.TemplateDelegate<{ name: string; upper: string }> | undefined;

/** C source of the semihosting harness (main) for the model whose API is `<modelName>_run` in `<modelName>.h`. */
export function renderHarness(modelName: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(modelName)) {
    throw new BnnError(`model name '${modelName}' is not a C identifier`);
  }
  template ??= Handlebars.compile(
    readFileSync(join(packageRoot(), 'templates', 'harness', 'semihost_main.c.hbs'), 'utf8'),
    { noEscape: true, strict: true },
  );
  return template({ name: modelName, upper: modelName.toUpperCase() });
}

/** The profile markers the harness calls around every run (copied next to it: it includes bnn_profile.h). */
const PROFILE_FILES = ['bnn_profile.h', 'bnn_profile.c'];

/**
 * Writes the harness as `<dir>/bnn_harness_main.c` and the profile markers next to it; returns the C files to
 * build with the model.
 */
export async function writeHarness(modelName: string, dir: string): Promise<string[]> {
  const path = join(dir, 'bnn_harness_main.c');
  await writeFile(path, renderHarness(modelName));
  for (const name of PROFILE_FILES) await copyFile(join(packageRoot(), 'templates', 'harness', name), join(dir, name));
  return [path, join(dir, 'bnn_profile.c')];
}
