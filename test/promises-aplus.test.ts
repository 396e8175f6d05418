import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { Future, type ExceptionContext } from '../src/index.js';
import { VirtualTimeLoop } from '../src/testing.js';

type Timer = { at: number; seq: number; run: () => void };

/**
 * The suite's own delays (its tests call the global setTimeout with 50 ms
 * and more) on a virtual clock: each host turn (setImmediate, so after every
 * promise job) fires the earliest timer, at its time. The order of timers is
 * kept and no test waits on the wall clock. Mocha's own per-test timeout is
 * off (it would arm a real timer); vitest's timeout of this test guards a hang.
 */
function virtualTimers(): () => void {
  const saved = { setTimeout: globalThis.setTimeout, clearTimeout: globalThis.clearTimeout };
  const timers: Timer[] = [];
  let now = 0;
  let seq = 0;
  let pumping = false;
  const pump = (): void => {
    pumping = false;
    timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
    const next = timers.shift();
    if (next === undefined) return;
    now = next.at;
    if (timers.length > 0) schedule();
    next.run();
  };
  const schedule = (): void => {
    if (pumping) return;
    pumping = true;
    setImmediate(pump);
  };
  (globalThis as { setTimeout: unknown }).setTimeout = (fn: (...a: unknown[]) => void, ms = 0, ...args: unknown[]): Timer => {
    const timer = { at: now + Math.max(0, Number(ms) || 0), seq: seq++, run: () => fn(...args) };
    timers.push(timer);
    schedule();
    return timer;
  };
  (globalThis as { clearTimeout: unknown }).clearTimeout = (timer: Timer): void => {
    const i = timers.indexOf(timer);
    if (i >= 0) timers.splice(i, 1);
  };
  return () => Object.assign(globalThis, saved);
}

interface Runner {
  on(event: 'pass', listener: () => void): void;
  on(event: 'fail', listener: (test: { fullTitle(): string }, err: Error) => void): void;
}

describe('Future is a Promises/A+ 1.1 promise (the promises-aplus-tests suite, 872 tests)', () => {
  it('passes every test of the suite, then() on a VirtualTimeLoop future', async () => {
    const require = createRequire(import.meta.url);
    const aplus = require('@mgol/promises-aplus-tests') as (
      adapter: object, options: object, done: (err: Error | null) => void) => void;
    const loop = new VirtualTimeLoop();
    // Rejections the suite leaves unhandled are reported to the loop (at its next turn), not printed.
    const reports: ExceptionContext[] = [];
    loop.setExceptionHandler((_loop, context) => reports.push(context));
    const adapter = {
      // A deferred's resolve/reject are a promise's resolving functions: once it is settled they do nothing
      // (setResult and setException throw InvalidStateError, as asyncio's do).
      deferred() {
        const promise = new Future<unknown>({ loop });
        return {
          promise,
          resolve: (v: unknown) => { if (!promise.done()) promise.setResult(v); },
          reject: (r: unknown) => { if (!promise.done()) promise.setException(r); },
        };
      },
    };
    let passed = 0;
    const failed: string[] = [];
    function Collect(this: unknown, runner: Runner): void {
      runner.on('pass', () => passed++);
      runner.on('fail', (test, err) => failed.push(`${test.fullTitle()}: ${err.message}`));
    }
    // then() returns native promises: those the suite rejects and leaves unhandled (its `other` sentinel,
    // thrown by a handler) are the host's unhandled rejections, collected here instead of failing the run.
    const unhandled: unknown[] = [];
    const collect = (reason: unknown): void => { unhandled.push(reason); };
    const hostListeners = process.listeners('unhandledRejection');
    process.removeAllListeners('unhandledRejection');
    process.on('unhandledRejection', collect);
    const restore = virtualTimers();
    try {
      await new Promise<void>((resolve) => aplus(adapter, { reporter: Collect, timeout: 0 }, () => resolve()));
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      restore();
      process.off('unhandledRejection', collect);
      for (const listener of hostListeners) process.on('unhandledRejection', listener);
    }
    expect(failed).toEqual([]);
    expect(passed).toBe(872);
    expect(unhandled.every((r) => JSON.stringify(r) === '{"other":"other"}')).toBe(true);
    loop.runUntilIdle();
    expect(reports.length).toBeGreaterThan(0);
    expect(reports.every((r) => r.message === 'Future exception was never retrieved')).toBe(true);
  }, 300_000);
});
