import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateProgram, programSeed, Rng } from './differential/generate.js';
import { runProgram } from './differential/interp.js';
import type { Op, Program, RunResult } from './differential/program.js';
import { findPython, runPython, type Python } from './differential/python.js';
import { shrink } from './differential/shrink.js';

// Random programs over the primitives, run on anyloop and on CPython asyncio,
// must give the same trace. DIFF_PROGRAMS and DIFF_SEED choose how many and
// which, DIFF_PYTHON the CPython (else the newest found). Before 3.13, programs
// that reach a 3.13 behaviour that Python lacks are left out, by name.
// test/differential/README.md explains it all.
const PROGRAMS = envInt('DIFF_PROGRAMS', 500);
const SEED = envInt('DIFF_SEED', 7);
const BATCH = 1000;

const found = findPython();
const python = 'missing' in found ? null : found;
const onCI = process.env.CI === 'true';
if ('missing' in found) {
  console.warn(
    `\n*** ${found.missing}: the differential test against CPython asyncio is SKIPPED ***\n` +
    '*** install CPython (3.13, or 3.11 or later) or set DIFF_PYTHON; under CI=true this is a failure ***\n',
  );
} else if (!found.is313) {
  console.warn(
    `\n*** differential: CPython ${found.version} (${found.command}) is older than 3.13: programs have no ` +
    'Queue.shutdown, and those reaching a 3.13 behaviour are left out; set DIFF_PYTHON to a 3.13 ***\n',
  );
}

describe('differential: anyloop against CPython asyncio', () => {
  it.runIf(python === null && onCI)('needs CPython under CI', () => {
    expect.fail(`CPython 3.11+ is required under CI=true (set DIFF_PYTHON to its path): ${'missing' in found ? found.missing : ''}`);
  });

  const oracle = python === null ? 'no CPython' : `CPython ${python.version}, ${python.command}`;
  it.skipIf(python === null)(`${PROGRAMS} random programs (seed ${SEED}) trace the same as on asyncio (${oracle})`, () => {
    const py = python!;
    const features = { shutdown: py.is313, coordination: py.is313 };
    const excluded = new Map<string, number>();
    let compared = 0;
    for (let start = 0; start < PROGRAMS; start += BATCH) {
      const programs: Program[] = [];
      for (let i = start; i < Math.min(PROGRAMS, start + BATCH); i++) {
        programs.push(generateProgram(new Rng(programSeed(SEED, i)), features));
      }
      const expected = runPython(py, programs);
      programs.forEach((program, j) => {
        const r = expected[j]!;
        for (const name of r.pre313) excluded.set(name, (excluded.get(name) ?? 0) + 1);
        if (r.pre313.length > 0) return;
        if (!agree(runSafely(program), r)) {
          const minimal = shrink(program, (candidates) => firstFailing(py, candidates));
          expect.fail(report(start + j, program, minimal, py));
        }
        compared++;
      });
    }
    const names = [...excluded].map(([name, n]) => `${name}: ${n}`).join(', ') || 'none';
    console.log(`differential: ${PROGRAMS} programs, seed ${SEED}, CPython ${py.version} (${py.command}): ` +
      `${compared} compared, 0 divergences; left out for a pre-3.13 difference: ${names}`);
    expect(compared).toBeGreaterThan(PROGRAMS * 0.9);
  }, 3_600_000);
});

describe('differential: finding the oracle', () => {
  // Fake interpreters: shell scripts that answer the probe as a Python would.
  const fake = (path: string, answer: string, status = 0): void => {
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, `#!/bin/sh\necho "${answer}"\nexit ${status}\n`);
    chmodSync(path, 0o755);
  };
  const withEnv = <T>(env: Record<string, string>, fn: () => T): T => {
    const saved = Object.fromEntries(['PATH', 'PYENV_ROOT', 'DIFF_PYTHON'].map((k) => [k, process.env[k]]));
    Object.assign(process.env, { DIFF_PYTHON: '' }, env);
    try {
      return fn();
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  };
  const scratch = (fn: (dir: string) => void): void => {
    const dir = mkdtempSync(join(tmpdir(), 'anyloop-oracle-'));
    try {
      fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  it('takes the newest CPython, passing over a pyenv shim that fails', () => {
    scratch((dir) => {
      fake(join(dir, 'bin', 'python3.13'), 'pyenv: python3.13: command not found', 127);
      fake(join(dir, 'bin', 'python3.12'), 'cpython 3.12.1');
      fake(join(dir, 'bin', 'python3'), 'cpython 3.11.7');
      for (const v of ['3.13.9', '3.13.10', '3.12.4']) fake(join(dir, 'pyenv', 'versions', v, 'bin', 'python3'), `cpython ${v}`);
      const found = withEnv({ PATH: join(dir, 'bin'), PYENV_ROOT: join(dir, 'pyenv') }, findPython);
      expect(found).toEqual({ command: join(dir, 'pyenv', 'versions', '3.13.10', 'bin', 'python3'), version: '3.13.10', is313: true });
    });
  });

  it('on equal versions takes the first candidate; 3.12 is not 3.13', () => {
    scratch((dir) => {
      fake(join(dir, 'bin', 'python3.12'), 'cpython 3.12.1');
      fake(join(dir, 'bin', 'python3'), 'cpython 3.12.1');
      const found = withEnv({ PATH: join(dir, 'bin'), PYENV_ROOT: join(dir, 'none') }, findPython);
      expect(found).toEqual({ command: 'python3.12', version: '3.12.1', is313: false });
    });
  });

  it('says why each candidate does not qualify', () => {
    scratch((dir) => {
      fake(join(dir, 'bin', 'python3.13'), 'pypy 3.13.0');
      fake(join(dir, 'bin', 'python3'), 'cpython 3.10.13');
      const found = withEnv({ PATH: join(dir, 'bin'), PYENV_ROOT: join(dir, 'none') }, findPython);
      expect(found).toEqual({
        missing: 'no CPython 3.11 or later (python3.13: pypy 3.13.0, not CPython; python3.12: not found; ' +
          'python3: 3.10.13; asyncio_interp.py needs 3.11 or later)',
      });
    });
  });

  it('DIFF_PYTHON is the only one tried', () => {
    scratch((dir) => {
      fake(join(dir, 'bin', 'python3.13'), 'cpython 3.13.0');
      fake(join(dir, 'old'), 'cpython 3.11.2');
      const env = { PATH: join(dir, 'bin'), PYENV_ROOT: join(dir, 'none') };
      expect(withEnv({ ...env, DIFF_PYTHON: join(dir, 'old') }, findPython))
        .toEqual({ command: join(dir, 'old'), version: '3.11.2', is313: false });
      expect(withEnv({ ...env, DIFF_PYTHON: join(dir, 'missing') }, findPython))
        .toEqual({ missing: `DIFF_PYTHON=${join(dir, 'missing')}: not found` });
    });
  });
});

describe('differential: the shrinker', () => {
  it('reduces a failing program to what makes it fail', () => {
    const program: Program = {
      objects: [{ name: 'L0', kind: 'Lock' }, { name: 'C0', kind: 'Condition' }, { name: 'Q0', kind: 'Queue', maxsize: 2 }],
      tasks: [
        { ops: [{ op: 'acquire', obj: 'L0' }, { op: 'put', obj: 'Q0', item: 1 }, { op: 'release', obj: 'L0' }] },
        { resilient: true, ops: [{ op: 'sleep', ms: 3 }, { op: 'acquire', obj: 'C0' }, { op: 'notify', obj: 'C0', n: 2 }, { op: 'cancel', task: 2 }] },
        { ops: [{ op: 'timeout', ms: 5, body: { op: 'get', obj: 'Q0' } }, { op: 'cancel', task: 1 }] },
      ],
    };
    // Fails while some task still notifies C0.
    const fails = (p: Program): boolean => p.tasks.some((t) => t.ops.some((op: Op) => op.op === 'notify'));
    const minimal = shrink(program, (candidates) => candidates.findIndex(fails));
    expect(minimal).toEqual({ objects: [{ name: 'C0', kind: 'Condition' }], tasks: [{ ops: [{ op: 'notify', obj: 'C0', n: 1 }] }] });
  });
});

function envInt(name: string, fallback: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${name} must be a non-negative integer, got ${v}`);
  return n;
}

function runSafely(program: Program): RunResult {
  try {
    return runProgram(program);
  } catch (e) {
    return { trace: [], final: [], pre313: [], loopErrors: [], error: e instanceof Error ? e.stack ?? e.message : String(e) };
  }
}

/** Same trace and final state, and neither side failed. */
function agree(ts: RunResult, py: RunResult): boolean {
  return ts.error === undefined && py.error === undefined && ts.loopErrors.length === 0 && py.loopErrors.length === 0 &&
    JSON.stringify(ts.trace) === JSON.stringify(py.trace) && JSON.stringify(ts.final) === JSON.stringify(py.final);
}

function firstFailing(python: Python, candidates: Program[]): number {
  const expected = runPython(python, candidates);
  return candidates.findIndex((p, i) => expected[i]!.pre313.length === 0 && !agree(runSafely(p), expected[i]!));
}

function report(index: number, original: Program, minimal: Program, python: Python): string {
  const py = runPython(python, [minimal])[0]!;
  const ts = runSafely(minimal);
  return [
    `divergence in program ${index} of seed ${SEED} on CPython ${python.version} ` +
      `(DIFF_PYTHON=${python.command} DIFF_SEED=${SEED} DIFF_PROGRAMS=${index + 1} reproduces it)`,
    `minimal program:\n${JSON.stringify(minimal)}`,
    `traces (asyncio | anyloop), first difference marked >>:\n${sideBySide(py, ts)}`,
    `original program:\n${JSON.stringify(original)}`,
  ].join('\n\n');
}

function lines(r: RunResult): string[] {
  return [
    ...r.trace, '--- final', ...r.final,
    ...r.loopErrors.map((e) => `loop error: ${e}`), ...(r.error === undefined ? [] : [`error: ${r.error}`]),
  ];
}

function sideBySide(py: RunResult, ts: RunResult): string {
  const left = lines(py);
  const right = lines(ts);
  const width = Math.max(20, ...left.map((l) => l.length));
  let marked = false;
  const out: string[] = [];
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const a = left[i] ?? '', b = right[i] ?? '';
    const first = !marked && a !== b;
    if (first) marked = true;
    out.push(`${first ? '>>' : '  '} ${a.padEnd(width)} | ${b}`);
  }
  return out.join('\n');
}
