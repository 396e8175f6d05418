import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Program, RunResult } from './program.js';

const SCRIPT = fileURLToPath(new URL('./asyncio_interp.py', import.meta.url));

/** The python3 to use (`PYTHON` overrides) and its version, or why there is none (asyncio_interp.py needs 3.11+). */
export function findPython(): { command: string; version: string } | { missing: string } {
  const command = process.env.PYTHON ?? 'python3';
  const r = spawnSync(command, ['-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])'], { encoding: 'utf8' });
  if (r.error !== undefined || r.status !== 0) return { missing: `${command} not found` };
  const version = r.stdout.trim();
  const [major = 0, minor = 0] = version.split('.').map(Number);
  if (major < 3 || (major === 3 && minor < 11)) return { missing: `${command} is ${version}; asyncio_interp.py needs 3.11 or later` };
  return { command, version };
}

/** What the oracle does where Python before 3.13 differs from 3.13: do what 3.13 does, or leave the program out. */
export type Py311Mode = 'emulate' | 'exclude';

/** Runs programs through one python3 process (asyncio_interp.py), one JSON line each way. */
export function runPython(command: string, programs: readonly Program[], mode: Py311Mode): RunResult[] {
  if (programs.length === 0) return [];
  const input = programs.map((p) => JSON.stringify(p)).join('\n') + '\n';
  const r = spawnSync(command, [SCRIPT, `--py311=${mode}`], { input, encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.error !== undefined) throw r.error;
  if (r.status !== 0) throw new Error(`asyncio_interp.py exited with ${r.status}:\n${r.stderr}`);
  const lines = r.stdout.split('\n').filter((l) => l.length > 0);
  if (lines.length !== programs.length) {
    throw new Error(`asyncio_interp.py answered ${lines.length} of ${programs.length} programs:\n${r.stderr}`);
  }
  return lines.map((l) => {
    const o = JSON.parse(l) as Partial<RunResult>;
    return { trace: o.trace ?? [], final: o.final ?? [], py311: o.py311 ?? [], loopErrors: o.loopErrors ?? [], ...(o.error ? { error: o.error } : {}) };
  });
}
