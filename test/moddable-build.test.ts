import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildXsc, missingCTools, xscCompile, xsnapPackage } from './support/xs-compiler.js';

// What a Moddable device build does with anyloop's Moddable modules, done
// with the XS sources @agoric/xsnap ships: XS's compiler xsc compiles
// src/moddable/*.js as mcconfig's module rule has it do (-c: host functions
// allowed, as in a build with native code; -d in a debug build), and the C
// compiler compiles src/moddable/native.c against Moddable's xs.h, warnings
// as errors, for a 32-bit target too (the ESP32 is 32-bit). The simulator's
// XS engine links native.c into its worker too, but compiled with -O3 and no
// warnings, after all of XS's own headers.

const SLOW = 120_000;
const MODDABLE = new URL('../src/moddable/', import.meta.url).pathname;
const NATIVE_C = join(MODDABLE, 'native.c');
const missing = missingCTools();
const dir = mkdtempSync(join(tmpdir(), 'anyloop-moddable-build-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The host functions native.c defines for anyloop/native: its non-static `void xs_anyloop_*(xsMachine* the)`. */
function cHostFunctions(): string[] {
  return [...readFileSync(NATIVE_C, 'utf8').matchAll(/^void (xs_anyloop_\w+)\(xsMachine\* the\)/gm)].map((m) => m[1]!).sort();
}

/** The names a module's `export { ... }` lists. */
function exportList(file: string): string[] {
  const found = /export\s*\{([^}]*)\}/.exec(readFileSync(file, 'utf8'));
  return found === null ? [] : found[1]!.split(',').map((s) => s.trim()).filter((s) => s !== '').sort();
}

/** The names a module imports from `from`. */
function importsFrom(file: string, from: string): string[] {
  const text = readFileSync(file, 'utf8');
  const names: string[] = [];
  for (const m of text.matchAll(/import\s*\{([^}]*)\}\s*from\s*"([^"]+)"/g)) {
    if (m[2] === from) names.push(...m[1]!.split(',').map((s) => s.trim()).filter((s) => s !== ''));
  }
  return names.sort();
}

describe.skipIf(missing !== null)(`xsc compiles anyloop's Moddable modules as a device build does${missing === null ? '' : ` (skipped: ${missing})`}`, () => {
  let xsc = '';
  beforeAll(() => {
    xsc = buildXsc();
  }, SLOW);

  it.each([['debug', ['-c', '-d']], ['release', ['-c']]] as const)('compiles native.js (%s) and names each host function native.c defines, with the name anyloop/native exports', (_goal, options) => {
    const r = xscCompile(xsc, join(MODDABLE, 'native.js'), options);
    expect(r.errors).toBe('');
    expect(r.ok).toBe(true);
    expect(r.hosts.map((h) => h.cName).sort()).toEqual(cHostFunctions());
    expect(r.hosts.map((h) => h.name).sort()).toEqual(exportList(join(MODDABLE, 'native.js')));
    expect(r.hosts.length).toBeGreaterThan(0);
  });

  it('gives xs.js every name it imports from anyloop/native', () => {
    const hosts = xscCompile(xsc, join(MODDABLE, 'native.js'), ['-c']).hosts.map((h) => h.name);
    const imported = importsFrom(join(MODDABLE, 'xs.js'), 'anyloop/native');
    expect(imported.length).toBeGreaterThan(0);
    expect(imported.filter((name) => !hosts.includes(name))).toEqual([]);
  });

  it('gives the simulator\'s XS engine the same host functions, each with the parameter count native.js declares', () => {
    const worker = readFileSync(new URL('../src/sim/host/device-worker.ts', import.meta.url), 'utf8');
    const hosts = xscCompile(xsc, join(MODDABLE, 'native.js'), ['-c']).hosts;
    for (const { name, params, cName } of hosts) {
      expect(worker).toContain(`xsNewHostFunction(${cName}, ${params})`);
      expect(worker).toContain(`xsID("${name}")`);
    }
  });

  it.each(['xs.js', 'anyloop.js'])('compiles %s (debug and release): no error, no host function', (file) => {
    for (const options of [['-c', '-d'], ['-c']]) {
      const r = xscCompile(xsc, join(MODDABLE, file), options);
      expect(r.errors).toBe('');
      expect(r.ok).toBe(true);
      expect(r.hosts).toEqual([]);
      expect(r.codeBytes).toBeGreaterThan(0);
    }
  });

  it('refuses a host function without -c, and names the file and line of a syntax error', () => {
    const plain = xscCompile(xsc, join(MODDABLE, 'native.js'), []);
    expect(plain.ok).toBe(false);
    expect(plain.errors).toMatch(/native\.js:\d+: error: invalid character @/);
    const broken = join(dir, 'broken.js');
    writeFileSync(broken, 'export function f() {\n  return 1 +;\n}\n');
    const r = xscCompile(xsc, broken, ['-c']);
    expect(r.ok).toBe(false);
    expect(r.errors).toContain(`${broken}:2: error:`);
  });
});

/** Compiles native.c alone with `flags`; returns the compiler's report (empty when it compiled cleanly) and its exit status. */
function compileNative(flags: readonly string[]): { status: number | null; report: string } {
  const { xs } = xsnapPackage();
  const r = spawnSync(process.env.CC ?? 'cc', [
    ...flags, '-c', '-Wall', '-Wextra', '-Werror',
    // xs.h uses size_t without including <stddef.h> when no platform header
    // is given (Moddable's device platform headers include it).
    '-include', 'stddef.h',
    `-I${join(xs, 'includes')}`, NATIVE_C, '-o', join(dir, `native${flags.join('')}.o`),
  ], { encoding: 'utf8' });
  return { status: r.status, report: r.stderr };
}

/** Whether cc can compile for a 32-bit target here (it needs 32-bit C library headers, e.g. Debian's gcc-multilib). */
function can32(): boolean {
  if (missing !== null) return false;
  const probe = join(dir, 'probe32.c');
  writeFileSync(probe, '#include <setjmp.h>\n#include <stdint.h>\nint probe(void) { return sizeof(void*) == 4 ? 0 : 1; }\n');
  return spawnSync(process.env.CC ?? 'cc', ['-m32', '-c', probe, '-o', join(dir, 'probe32.o')], { stdio: 'ignore' }).status === 0;
}

const has32 = can32();

describe.skipIf(missing !== null)(`native.c compiles alone against Moddable's xs.h, warnings as errors${missing === null ? '' : ` (skipped: ${missing})`}`, () => {
  it('for the machine\'s own target', () => {
    const r = compileNative([]);
    expect(r.report).toBe('');
    expect(r.status).toBe(0);
  });

  it.skipIf(!has32)(`for a 32-bit target (-m32), as the ESP32 is${has32 ? '' : ' (skipped: cc -m32 cannot compile here: no 32-bit C library headers)'}`, () => {
    const r = compileNative(['-m32']);
    expect(r.report).toBe('');
    expect(r.status).toBe(0);
  });
});
