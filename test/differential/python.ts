import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Program, RunResult } from './program.js';

const SCRIPT = fileURLToPath(new URL('./asyncio_interp.py', import.meta.url));
const PROBE = 'import sys; print(sys.implementation.name, "%d.%d.%d" % sys.version_info[:3])';

/** A CPython (3.11 or later) to run asyncio_interp.py with. */
export interface Python {
  command: string;
  /** `major.minor.micro`, e.g. `3.13.0`. */
  version: string;
  /** 3.13 or later: the reference semantics, with Queue.shutdown; no program is left out for the version. */
  is313: boolean;
}

/**
 * The oracle: `DIFF_PYTHON` when set (and then only it), else the newest
 * CPython 3.11+ among `python3.13` and `python3.12` on PATH, pyenv's 3.13.x
 * and `python3` (on equal versions the first of these). Candidates that are
 * missing, fail to start (a pyenv shim for a version that is not selected),
 * are not CPython or are older than 3.11 are passed over; when none is left,
 * `missing` says what each was.
 */
export function findPython(): Python | { missing: string } {
  const explicit = process.env.DIFF_PYTHON;
  if (explicit !== undefined && explicit !== '') {
    const p = probe(explicit);
    return typeof p === 'string' ? { missing: `DIFF_PYTHON=${p}` } : p;
  }
  const passed: string[] = [];
  let best: Python | undefined;
  for (const command of candidates()) {
    const p = probe(command);
    if (typeof p === 'string') passed.push(p);
    else if (best === undefined || compareVersions(p.version, best.version) > 0) best = p;
  }
  return best ?? { missing: `no CPython 3.11 or later (${passed.join('; ')})` };
}

function candidates(): string[] {
  const versions = join(process.env.PYENV_ROOT ?? join(homedir(), '.pyenv'), 'versions');
  let pyenv: string[] = [];
  try {
    pyenv = readdirSync(versions).filter((v) => v.startsWith('3.13')).sort(compareVersions).reverse()
      .map((v) => join(versions, v, 'bin', 'python3'));
  } catch {
    // No pyenv: the other candidates remain.
  }
  return ['python3.13', 'python3.12', ...pyenv, 'python3'];
}

/** The Python `command` runs, or why it does not qualify (a string starting with the command). */
function probe(command: string): Python | string {
  const r = spawnSync(command, ['-c', PROBE], { encoding: 'utf8' });
  if (r.error !== undefined) return `${command}: not found`;
  if (r.status !== 0) return `${command}: exited with ${r.status} (${r.stderr.trim().split('\n')[0] ?? ''})`;
  const [implementation = '', version = ''] = r.stdout.trim().split(' ');
  if (implementation !== 'cpython') return `${command}: ${implementation} ${version}, not CPython`;
  if (compareVersions(version, '3.11') < 0) return `${command}: ${version}; asyncio_interp.py needs 3.11 or later`;
  return { command, version, is313: compareVersions(version, '3.13') >= 0 };
}

/** Compares dotted versions numerically (`3.13.0` > `3.9.18`); a suffix after the digits is ignored. */
function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((x) => parseInt(x, 10) || 0);
  const pb = b.split('.').map((x) => parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Runs programs through one Python process (asyncio_interp.py), one JSON line each way. */
export function runPython(python: Python, programs: readonly Program[]): RunResult[] {
  if (programs.length === 0) return [];
  const input = programs.map((p) => JSON.stringify(p)).join('\n') + '\n';
  const r = spawnSync(python.command, [SCRIPT], { input, encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.error !== undefined) throw r.error;
  if (r.status !== 0) throw new Error(`asyncio_interp.py exited with ${r.status}:\n${r.stderr}`);
  const lines = r.stdout.split('\n').filter((l) => l.length > 0);
  if (lines.length !== programs.length) {
    throw new Error(`asyncio_interp.py answered ${lines.length} of ${programs.length} programs:\n${r.stderr}`);
  }
  return lines.map((l) => {
    const o = JSON.parse(l) as Partial<RunResult>;
    return { trace: o.trace ?? [], final: o.final ?? [], pre313: o.pre313 ?? [], loopErrors: o.loopErrors ?? [], ...(o.error ? { error: o.error } : {}) };
  });
}
