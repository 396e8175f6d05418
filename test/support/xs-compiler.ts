import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The C sources and makefiles of XS that @agoric/xsnap ships. */
export function xsnapPackage(): { pkg: string; version: string; xs: string } {
  const pkgJson = createRequire(import.meta.url).resolve('@agoric/xsnap/package.json');
  const pkg = dirname(pkgJson);
  const { version } = JSON.parse(readFileSync(pkgJson, 'utf8')) as { version: string };
  return { pkg, version, xs: join(pkg, 'moddable', 'xs') };
}

/** Why the C tools cannot run here (make or cc missing), or null when they can. */
export function missingCTools(): string | null {
  for (const [tool, args] of [['make', ['--version']], [process.env.CC ?? 'cc', ['--version']]] as const) {
    const r = spawnSync(tool, args, { stdio: 'ignore' });
    if (r.error !== undefined || r.status !== 0) return `${tool} is not installed`;
  }
  return null;
}

/** The driver that stands in for xsc's main, which @agoric/xsnap does not ship (see the file). */
const DRIVER_DIR = fileURLToPath(new URL('./xsc/', import.meta.url));

/**
 * XS's compiler, built with the package's own xsc makefile
 * (`moddable/xs/makefiles/lin/xsc.mk`, `mac/` on macOS) from the package's
 * compiler sources and test/support/xsc/xsc.c, on first use, and kept in
 * `node_modules/.cache/anyloop/` under a name that hashes the package's
 * version and the driver, as the device worker is. Returns its path.
 */
export function buildXsc(): string {
  const { pkg, version, xs } = xsnapPackage();
  const platform = process.platform === 'darwin' ? 'mac' : 'lin';
  const driver = readFileSync(join(DRIVER_DIR, 'xsc.c'), 'utf8');
  const key = createHash('sha256').update(`${version}\n${platform}\n${driver}`).digest('hex').slice(0, 16);
  // node_modules/@agoric/xsnap -> node_modules/.cache/anyloop
  const cache = join(dirname(dirname(pkg)), '.cache', 'anyloop', `xsc-${key}`);
  const bin = join(cache, 'xsc');
  if (existsSync(bin)) return bin;
  const work = `${cache}.${process.pid}.tmp`;
  rmSync(work, { recursive: true, force: true });
  const r = spawnSync('make', ['-f', 'xsc.mk', 'GOAL=release', `XS_DIR=${xs}`, `BUILD_DIR=${work}`, `TLS_DIR=${DRIVER_DIR}`], {
    cwd: join(xs, 'makefiles', platform),
    encoding: 'utf8',
  });
  if (r.status !== 0) {
    rmSync(work, { recursive: true, force: true });
    throw new Error(`cannot build xsc: make exited with ${String(r.status ?? r.error)}: ${r.stderr}`);
  }
  mkdirSync(cache, { recursive: true });
  // rename is atomic: a parallel build of the same key just replaces it.
  renameSync(join(work, 'bin', platform, 'release', 'xsc'), bin);
  rmSync(work, { recursive: true, force: true });
  return bin;
}

/** One host function a module declares (`function name() @ "cName";`). */
export interface HostFunction {
  name: string;
  params: number;
  cName: string;
}

/** What xsc made of a module. */
export interface XscResult {
  ok: boolean;
  hosts: HostFunction[];
  /** The size of the module's byte code. */
  codeBytes: number;
  /** xsc's error report. */
  errors: string;
}

/** Compiles `file` with `xsc` and the given options (`-c`, `-d`, `-p`). */
export function xscCompile(xsc: string, file: string, options: readonly string[]): XscResult {
  const r = spawnSync(xsc, [...options, file], { encoding: 'utf8' });
  const hosts: HostFunction[] = [];
  let codeBytes = 0;
  for (const line of r.stdout.split('\n')) {
    const host = /^host (\S+) (-?\d+) (\S+)$/.exec(line);
    if (host) hosts.push({ name: host[1]!, params: Number(host[2]), cName: host[3]! });
    const code = /^code (\d+)$/.exec(line);
    if (code) codeBytes = Number(code[1]);
  }
  return { ok: r.status === 0, hosts, codeBytes, errors: r.stderr };
}
