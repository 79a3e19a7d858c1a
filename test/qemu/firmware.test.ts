/**
 * The firmware example (examples/firmware-cortex-m4): `bnngen compile` writes the model into a temp folder, plain
 * `make` (and CMake, through the generated CMakeLists.txt) builds the hand-written main.c around it without
 * bnngen, and the image runs under QEMU. Its printed logits must equal, bit for bit, what the reference executor
 * computes for the image embedded in sample_input.h.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { packageRoot } from '../../src/io/package-root.js';
import { executeProgram } from '../../src/lowered/execute.js';
import { compileFile } from '../../src/pipeline.js';
import { loadTarget } from '../../src/targets/load.js';
import { runFirmware } from '../../src/toolchain/run.js';
import { argmax } from '../../src/verify.js';

const ROOT = packageRoot();
const CLI = join(ROOT, 'dist/src/cli/main.js');
const EXAMPLE = join(ROOT, 'examples/firmware-cortex-m4');
const MODEL = join(ROOT, 'examples/irnet-fashion-mnist/model.onnx');

/** The pixels of sample_input.h as main.c feeds them: pixel / 255 in float32. */
function embeddedInput(): { input: Float32Array; label: number } {
  const header = readFileSync(join(EXAMPLE, 'sample_input.h'), 'utf8');
  const body = /sample_pixels\[28 \* 28\] = \{([^}]*)\}/.exec(header)![1]!;
  const pixels = body.split(',').map((t) => t.trim()).filter((t) => t !== '').map(Number);
  assert.equal(pixels.length, 784);
  const label = Number(/#define SAMPLE_LABEL (\d+)/.exec(header)![1]);
  return { input: Float32Array.from(pixels, (p) => p / 255), label };
}

interface Printed {
  status: number;
  logits: number[];
  predicted: number;
  label: number;
}

/** Parses main.c's output lines (see its opening comment). */
function parseOutput(stdout: string): Printed {
  const status = Number(/^status (-?\d+)$/m.exec(stdout)?.[1]);
  const logits = [...stdout.matchAll(/^logit (\d+) 0x([0-9a-f]{8})$/gm)].map((m) => parseInt(m[2]!, 16));
  const last = /^class (\d+) label (\d+)$/m.exec(stdout);
  assert.ok(last, `no class line in:\n${stdout}`);
  return { status, logits, predicted: Number(last[1]), label: Number(last[2]) };
}

async function runElf(elf: string, cwd: string): Promise<Printed> {
  const run = await runFirmware({ target: loadTarget('cortex-m4'), elf, args: [], cwd, timeoutMs: 120_000 });
  assert.equal(run.exitCode, 0, run.stdout + run.stderr);
  return parseOutput(run.stdout);
}

describe('firmware example: plain make and CMake around the generated folder, run under QEMU', function () {
  this.timeout(300_000);
  let dir: string;
  let generated: string;
  let expected: { bits: number[]; predicted: number; label: number };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bnngen-firmware-'));
    generated = join(dir, 'generated');
    const compile = await execa('node', [CLI, 'compile', MODEL, '--target', 'cortex-m4', '-o', generated, '--quiet']);
    assert.equal(compile.exitCode, 0, compile.stderr);
    const { input, label } = embeddedInput();
    const logits = executeProgram((await compileFile(MODEL)).program, input);
    expected = { bits: Array.from(new Uint32Array(logits.buffer)), predicted: argmax(logits, 0, logits.length), label };
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('make builds firmware.elf from bnngen.mk alone; its logits equal the reference executor bit for bit', async () => {
    const build = join(dir, 'make-build');
    const make = await execa('make', ['-C', EXAMPLE, `BNNGEN_DIR=${generated}`, `BUILD=${build}`], { reject: false });
    assert.equal(make.exitCode, 0, make.stdout + make.stderr);
    // The model's objects were compiled with the flags bnngen.mk names, which include the numerics flag.
    assert.match(make.stdout, /-ffp-contract=off .*-c \S*generated\/model\.c/);
    const printed = await runElf(join(build, 'firmware.elf'), dir);
    assert.equal(printed.status, 0);
    assert.deepEqual(printed.logits, expected.bits);
    assert.equal(printed.predicted, expected.predicted);
    assert.equal(printed.label, expected.label);
  });

  it('CMake with the generated CMakeLists.txt (arm-none-eabi-gcc toolchain file) builds the same firmware', async () => {
    const build = join(dir, 'cmake-build');
    const configure = await execa('cmake', [
      '-S', EXAMPLE, '-B', build, `-DCMAKE_TOOLCHAIN_FILE=${join(EXAMPLE, 'arm-none-eabi.cmake')}`,
      `-DBNNGEN_DIR=${generated}`, '-DCMAKE_EXPORT_COMPILE_COMMANDS=ON',
    ], { reject: false });
    assert.equal(configure.exitCode, 0, configure.stdout + configure.stderr);
    const made = await execa('cmake', ['--build', build], { reject: false });
    assert.equal(made.exitCode, 0, made.stdout + made.stderr);
    const commands = JSON.parse(await readFile(join(build, 'compile_commands.json'), 'utf8')) as { file: string; command: string }[];
    const model = commands.find((c) => c.file.endsWith('/generated/model.c'));
    assert.ok(model, 'model.c is compiled by the bnngen_model library');
    assert.match(model.command, /-std=c99/);
    assert.match(model.command, /-mcpu=cortex-m4 .*-ffp-contract=off/);
    const printed = await runElf(join(build, 'firmware.elf'), dir);
    assert.deepEqual(printed.logits, expected.bits);
    assert.equal(printed.predicted, expected.predicted);
  });
});
