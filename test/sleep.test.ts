import { afterEach, describe, expect, it } from 'vitest';
import { CancelledError, createTask, setEventLoop, sleep, type Loop } from '../src/index.js';
import { VirtualTimeLoop } from '../src/testing.js';
import { expectCancelledAtOnce, expectTypeErrorForNonSignals } from './support/signals.js';

afterEach(() => setEventLoop(null));

/** A loop with callSoon only (no timers), on top of a VirtualTimeLoop. */
function timerlessLoop(inner: VirtualTimeLoop): Loop {
  return {
    callSoon: (cb, ...args) => inner.callSoon(cb, ...args),
    callExceptionHandler: (ctx) => inner.callExceptionHandler(ctx),
    getDebug: () => false,
  };
}

describe('sleep(0)', () => {
  // asyncio (checked with CPython 3.11 on a virtual-time loop):
  // t1 c1 t2 c2 t3 c3 — a task at `await sleep(0)` resumes in the very next turn.
  it('resumes the task in the next loop turn, exactly like asyncio\'s bare yield', () => {
    const loop = new VirtualTimeLoop();
    const log: string[] = [];
    createTask(function* () {
      log.push('t1');
      yield* sleep(0);
      log.push('t2');
      yield* sleep(0);
      log.push('t3');
    }, { loop });
    loop.callSoon(() => {
      log.push('c1');
      loop.callSoon(() => {
        log.push('c2');
        loop.callSoon(() => log.push('c3'));
      });
    });
    loop.runUntilIdle();
    expect(log).toEqual(['t1', 'c1', 't2', 'c2', 't3', 'c3']);
  });

  // asyncio: u1 c1 c2 "cancelled m" c1b — the step scheduled by the bare yield
  // delivers the CancelledError requested by c1, ahead of what c1 scheduled.
  it('delivers a cancel requested before the resume slot in that very slot, with its message', () => {
    const loop = new VirtualTimeLoop();
    const log: string[] = [];
    const task = createTask(function* () {
      try {
        log.push('u1');
        yield* sleep(0);
        log.push('u2');
      } catch (e) {
        log.push(`cancelled ${(e as Error).message}`);
      }
    }, { loop });
    loop.callSoon(() => {
      log.push('c1');
      loop.callSoon(() => log.push('c1b'));
      task.cancel('m');
    });
    loop.callSoon(() => log.push('c2'));
    loop.runUntilIdle();
    expect(log).toEqual(['u1', 'c1', 'c2', 'cancelled m', 'c1b']);
  });

  it('works on a loop without timers, and a negative delay is sleep(0)', () => {
    const inner = new VirtualTimeLoop();
    const loop = timerlessLoop(inner);
    const task = createTask(function* () {
      yield* sleep(0);
      return yield* sleep(-5, 'v');
    }, { loop });
    inner.runUntilIdle();
    expect(task.result()).toBe('v');
    expect(() => sleep(1, undefined, { loop })).toThrow(/TimerLoop/);
  });
});

describe('sleep(ms)', () => {
  // asyncio: timer-after soon-after s@7 (the timer set first fires first; the
  // task resumes in the turn after its timer).
  it('resumes the task one turn after its timer fires, at the deadline', () => {
    const loop = new VirtualTimeLoop();
    const log: string[] = [];
    const task = createTask(function* () {
      yield* sleep(5);
      log.push(`s@${loop.time()}`);
    }, { loop });
    loop.callLater(5, () => {
      log.push('timer-after');
      loop.callSoon(() => log.push('soon-after'));
    });
    loop.runUntilComplete(task);
    expect(log).toEqual(['timer-after', 'soon-after', 's@5']);
  });

  it('completes with the value given', () => {
    const loop = new VirtualTimeLoop();
    const task = createTask(function* () { return yield* sleep(3, 'three'); }, { loop });
    expect(loop.runUntilComplete(task)).toBe('three');
    expect(loop.time()).toBe(3);
  });

  it('a cancelled sleep leaves no live timer behind, at once', () => {
    const loop = new VirtualTimeLoop();
    const task = createTask(function* () { yield* sleep(1000); }, { loop });
    loop.runUntilIdle();
    expect(loop._timers.size).toBe(1);
    task.cancel();
    expect(loop._timers.size).toBe(0);
    loop.runUntilIdle();
    expect(task.cancelled()).toBe(true);
    const direct = sleep(50, undefined, { loop });
    expect(loop._timers.size).toBe(1);
    expect(direct.cancel()).toBe(true);
    expect(loop._timers.size).toBe(0);
    expect(direct.cancel()).toBe(false);
  });

  it('an abort of its signal cancels it and its timer', () => {
    const loop = new VirtualTimeLoop();
    const ac = new AbortController();
    const s = sleep(10, 1, { loop, signal: ac.signal });
    ac.abort('no more');
    expect(s.cancelled()).toBe(true);
    expect(loop._timers.size).toBe(0);
    expect(() => s.result()).toThrow(CancelledError);
  });

  it('an already-aborted signal cancels it at once, with no timer and no turn scheduled', () => {
    const loop = new VirtualTimeLoop();
    for (const ms of [0, -5, 10, Infinity]) {
      expectCancelledAtOnce(sleep(ms, 'v', { loop, signal: AbortSignal.abort(`no ${ms}`) }), `no ${ms}`);
    }
    expect(loop._timers.size).toBe(0);
    expect(loop._ready.length).toBe(0);
  });

  it('a signal that is not an AbortSignal is a TypeError for every delay, sleep(0) included', () => {
    const loop = new VirtualTimeLoop();
    for (const ms of [0, 10]) expectTypeErrorForNonSignals((signal) => sleep(ms, 'v', { loop, signal }));
    expect(loop._timers.size).toBe(0);
    expect(loop._ready.length).toBe(0);
  });

  it('a loop without timers is still an error for sleep(ms > 0) with an aborted signal', () => {
    const loop = timerlessLoop(new VirtualTimeLoop());
    expect(() => sleep(1, undefined, { loop, signal: AbortSignal.abort() })).toThrow(/TimerLoop/);
    expectCancelledAtOnce(sleep(0, undefined, { loop, signal: AbortSignal.abort('fine') }), 'fine');
  });

  it('sleep(Infinity) waits until cancelled, with no timer', () => {
    const loop = new VirtualTimeLoop();
    const s = sleep(Infinity, undefined, { loop });
    expect(loop._timers.size).toBe(0);
    loop.advance(1e12);
    expect(s.done()).toBe(false);
    s.cancel();
    expect(s.cancelled()).toBe(true);
  });

  it('rejects a delay that is not a number', () => {
    const loop = new VirtualTimeLoop();
    expect(() => sleep(NaN, undefined, { loop })).toThrow(TypeError);
    expect(() => sleep('5' as never, undefined, { loop })).toThrow(TypeError);
    expect(() => sleep(null as never, undefined, { loop })).toThrow(TypeError);
  });

  it('uses the default loop outside a task', () => {
    const loop = new VirtualTimeLoop();
    setEventLoop(loop);
    const s = sleep(4, 'x');
    expect(s.loop).toBe(loop);
    loop.advance(4);
    expect(s.result()).toBe('x');
  });

  it('await sleep(10) works from an async function', async () => {
    const loop = new VirtualTimeLoop();
    setEventLoop(loop);
    const p = (async () => {
      await sleep(10);
      const t = loop.time();
      await sleep(0);
      return t;
    })();
    expect(await loop.runUntilCompleteAsync(p)).toBe(10);
  });
});
