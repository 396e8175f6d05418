import { describe, expect, it } from 'vitest';
import { generateProgram, programSeed, Rng } from './differential/generate.js';
import { runProgram } from './differential/interp.js';
import type { Op, Program, RunResult } from './differential/program.js';
import { findPython, runPython, type Py311Mode } from './differential/python.js';
import { shrink } from './differential/shrink.js';

// Random programs over the primitives, run on anyloop and on CPython asyncio,
// must give the same trace. DIFF_PROGRAMS and DIFF_SEED choose how many and
// which; DIFF_PY311 (emulate | exclude) what to do where Python < 3.13
// differs from 3.13. test/differential/README.md explains it all.
const PROGRAMS = envInt('DIFF_PROGRAMS', 500);
const SEED = envInt('DIFF_SEED', 7);
const MODE = envMode();
const BATCH = 1000;

const found = findPython();
const python = 'missing' in found ? null : found;
const onCI = process.env.CI === 'true';
if ('missing' in found) {
  console.warn(
    `\n*** ${found.missing}: the differential test against CPython asyncio is SKIPPED ***\n` +
    '*** install python3 (3.11 or later) or set PYTHON; under CI=true this is a failure ***\n',
  );
}

describe('differential: anyloop against CPython asyncio', () => {
  it.runIf(python === null && onCI)('needs python3 under CI', () => {
    expect.fail(`python3 3.11+ is required under CI=true (set PYTHON to its path): ${'missing' in found ? found.missing : ''}`);
  });

  it.skipIf(python === null)(`${PROGRAMS} random programs (seed ${SEED}) trace the same as on asyncio`, () => {
    const command = python!.command;
    const reached = new Map<string, number>();
    let compared = 0;
    for (let start = 0; start < PROGRAMS; start += BATCH) {
      const programs: Program[] = [];
      for (let i = start; i < Math.min(PROGRAMS, start + BATCH); i++) programs.push(generateProgram(new Rng(programSeed(SEED, i))));
      const expected = runPython(command, programs, MODE);
      programs.forEach((program, j) => {
        const py = expected[j]!;
        for (const name of py.py311) reached.set(name, (reached.get(name) ?? 0) + 1);
        if (MODE === 'exclude' && py.py311.length > 0) return;
        if (!agree(runSafely(program), py)) {
          const minimal = shrink(program, (candidates) => firstFailing(command, candidates));
          expect.fail(report(start + j, program, minimal, command));
        }
        compared++;
      });
    }
    const py311 = [...reached].map(([name, n]) => `${name}: ${n}`).join(', ') || 'none';
    console.log(`differential: ${PROGRAMS} programs, seed ${SEED}, python ${python!.version}, py311=${MODE}: ` +
      `${compared} compared, 0 divergences; programs reaching a 3.11 difference: ${py311}`);
    expect(compared).toBeGreaterThan(PROGRAMS * 0.9);
  }, 3_600_000);
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

function envMode(): Py311Mode {
  const v = process.env.DIFF_PY311 ?? 'emulate';
  if (v !== 'emulate' && v !== 'exclude') throw new RangeError(`DIFF_PY311 must be emulate or exclude, got ${v}`);
  return v;
}

function runSafely(program: Program): RunResult {
  try {
    return runProgram(program);
  } catch (e) {
    return { trace: [], final: [], py311: [], loopErrors: [], error: e instanceof Error ? e.stack ?? e.message : String(e) };
  }
}

/** Same trace and final state, and neither side failed. */
function agree(ts: RunResult, py: RunResult): boolean {
  return ts.error === undefined && py.error === undefined && ts.loopErrors.length === 0 && py.loopErrors.length === 0 &&
    JSON.stringify(ts.trace) === JSON.stringify(py.trace) && JSON.stringify(ts.final) === JSON.stringify(py.final);
}

function firstFailing(command: string, candidates: Program[]): number {
  const expected = runPython(command, candidates, MODE);
  return candidates.findIndex((p, i) =>
    !(MODE === 'exclude' && expected[i]!.py311.length > 0) && !agree(runSafely(p), expected[i]!));
}

function report(index: number, original: Program, minimal: Program, command: string): string {
  const py = runPython(command, [minimal], MODE)[0]!;
  const ts = runSafely(minimal);
  return [
    `divergence in program ${index} of seed ${SEED} (DIFF_SEED=${SEED} DIFF_PROGRAMS=${index + 1} reproduces it)`,
    `minimal program:\n${JSON.stringify(minimal)}`,
    `traces (asyncio${py.py311.length > 0 ? ` with 3.13 emulated: ${py.py311.join(', ')}` : ''} | anyloop), ` +
      `first difference marked >>:\n${sideBySide(py, ts)}`,
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
