import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createTask, setEventLoop, type Coroutine } from '../../src/index.js';
import { VirtualTimeLoop } from '../../src/testing.js';
import { findPython } from '../differential/python.js';

/**
 * Twin of cpython/harness.py: runs a case on a VirtualTimeLoop that counts
 * turns as the Python one does, and traces `<time> @<turn> <text>` lines, the
 * outcome last. Tests compare such a trace with the one CPython gives for the
 * same program, run at test time.
 */
export class CountingLoop extends VirtualTimeLoop {
  turn = 0;

  override _runOnce(limit?: number): void {
    this.turn++;
    super._runOnce(limit);
  }
}

export type Log = (text: string) => void;

/** A case: a generator function (run as the main task) or an async function (called in turn 1), given the trace's `log` and the loop. */
export type Case = (log: Log, loop: CountingLoop) => Coroutine<unknown> | Promise<unknown>;

/** Runs `body` as the main task (an async function's promise when it returns one), with `loop` the default loop, and returns the trace. */
export async function traceOf(body: Case): Promise<string[]> {
  const loop = new CountingLoop();
  setEventLoop(loop);
  try {
    return await run(body, loop);
  } finally {
    setEventLoop(null);
  }
}

async function run(body: Case, loop: CountingLoop): Promise<string[]> {
  const lines: string[] = [];
  const log: Log = (text) => { lines.push(`${loop.time()} @${loop.turn} ${text}`); };
  let finished = false;
  const report = (e: unknown): void => { log(`main raised ${(e as Error).name}`); };
  if (Object.prototype.toString.call(body) === '[object AsyncFunction]') {
    // Called in turn 1, where asyncio's main task takes its first step.
    loop.callSoon(() => {
      (body(log, loop) as Promise<unknown>).then((v) => { log(`main returned ${outcome(v)}`); }, report)
        .finally(() => { finished = true; });
    });
  } else {
    const coro = body(log, loop) as Coroutine<unknown>;
    createTask(function* () {
      try {
        log(`main returned ${outcome(yield* coro)}`);
      } catch (e) {
        report(e);
      }
      finished = true;
    }(), { loop });
  }
  // The turns asyncio's loop runs: ready callbacks and due timers, else the
  // clock jumps to the next timer. Promise jobs run after each turn, as they
  // do after each macrotask of a real loop.
  for (;;) {
    if (loop._hasWork()) {
      loop._runOnce();
      await drainPromiseJobs();
      continue;
    }
    const next = loop._timers.nextWhen();
    if (next === undefined) {
      if (!finished) lines.push('stuck');
      break;
    }
    (loop as unknown as { _now: number })._now = next;
  }
  return lines;
}

function outcome(v: unknown): string {
  return v === undefined || v === null ? 'None' : String(v);
}

/** Lets promise jobs (async functions' continuations) run between turns. */
async function drainPromiseJobs(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

/**
 * The traces CPython gives for the cases of `script` (a file in test/cpython),
 * or null when no CPython 3.13 is found (the tests then skip; under CI=true
 * they fail, as the differential test does).
 */
export function cpythonTraces(script: string): Record<string, string[]> | null {
  const python = findPython();
  if ('missing' in python || !python.is313) return null;
  const path = fileURLToPath(new URL(`../cpython/${script}`, import.meta.url));
  const r = spawnSync(python.command, [path], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${script} exited with ${r.status}:\n${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, string[]>;
}
