import { afterEach, describe, expect, it } from 'vitest';
import { CancelledError, createTask, setEventLoop, sleep, type Loop } from '../src/index.js';
import { VirtualTimeLoop } from '../src/testing.js';
import { customTimerLoop } from './support/custom-timer-loop.js';
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

  it('completes with the value given, and a cancel in its turn ends it cancelled with the message, not the value', () => {
    const loop = new VirtualTimeLoop();
    const task = createTask(function* () { return yield* sleep(0, 'zero'); }, { loop });
    expect(loop.runUntilComplete(task)).toBe('zero');
    const s = sleep(0, 'zero', { loop });
    expect(s.cancel('why')).toBe(true);
    loop.runUntilIdle();
    expect(s.cancelled()).toBe(true);
    expect(() => s.result()).toThrow(new CancelledError('why'));
    const plain = sleep(0, { x: 1 }, { loop });
    loop.runUntilIdle();
    expect(plain.result()).toEqual({ x: 1 });
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

describe('sleep(ms): the future is its own timer on anyloop\'s loops', () => {
  it('schedules no TimerHandle: the loop\'s heap holds the sleep future itself', () => {
    const loop = new VirtualTimeLoop();
    const calls: number[] = [];
    const callLater = loop.callLater.bind(loop);
    loop.callLater = (ms, cb, ...args) => { calls.push(ms); return callLater(ms, cb, ...args); };
    const s = sleep(5, 'v', { loop });
    expect(calls).toEqual([]);
    expect(loop._timers._futures.length).toBe(1);
    expect(loop._timers._futures[0]).toBe(s);
    expect(loop._timers.size).toBe(1);
    loop.advance(5);
    expect(s.result()).toBe('v');
    expect(loop._timers.size).toBe(0);
  });

  it('a loop of its own (no FutureTimers hook) gets a callLater timer, which a cancel cancels', () => {
    const inner = new VirtualTimeLoop();
    const loop = customTimerLoop(inner);
    const done = sleep(5, 'v', { loop });
    const cancelled = sleep(7, 'w', { loop });
    expect(loop.laters.length).toBe(2);
    expect(cancelled.cancel()).toBe(true);
    expect(loop.laters[1]!.cancelled()).toBe(true);
    expect(inner._timers.size).toBe(1);
    inner.advance(10);
    expect(done.result()).toBe('v');
    expect(cancelled.cancelled()).toBe(true);
    expect(inner._timers.size).toBe(0);
  });

  it('one completed by hand (setResult, setException) leaves no live timer behind, at once', () => {
    const loop = new VirtualTimeLoop();
    const a = sleep(10, 'a', { loop });
    const b = sleep(10, 'b', { loop });
    a.setResult('by hand');
    expect(loop._timers.size).toBe(1);
    b.setException(new RangeError('by hand'));
    expect(loop._timers.size).toBe(0);
    expect(() => b.result()).toThrow(RangeError);
    loop.advance(10);
    expect(a.result()).toBe('by hand');
    expect(() => b.result()).toThrow(RangeError);
  });

  it('one cancelled after its deadline came, before its completion ran in the turn, ends cancelled, and the live count stays exact', () => {
    const loop = new VirtualTimeLoop();
    // Scheduled first: at the deadline it runs first in the turn, before the sleep's completion.
    loop.callAt(10, () => expect(due.cancel()).toBe(true));
    const due = sleep(10, 'due', { loop });
    const later = [sleep(20, 1, { loop }), sleep(30, 2, { loop }), sleep(40, 3, { loop })];
    loop.advance(10);
    expect(due.cancelled()).toBe(true);
    expect(loop._timers.size).toBe(3);
    loop.advance(30);
    expect(later.map((s) => s.result())).toEqual([1, 2, 3]);
    expect(loop._timers.size).toBe(0);
  });

  it('runs with the callLater timers of the same deadline in scheduling order, in one turn', () => {
    const loop = new VirtualTimeLoop();
    const seen: string[] = [];
    const s1 = sleep(10, undefined, { loop });
    loop.callAt(10, () => seen.push(`A s1:${s1.done()} s2:${s2.done()}`));
    const s2 = sleep(10, undefined, { loop });
    loop.callLater(10, () => seen.push(`B s2:${s2.done()}`));
    const s3 = sleep(10, undefined, { loop });
    loop.callAt(10, () => seen.push(`C s3:${s3.done()}`));
    // Scheduled from the first timer callback of the turn: it runs in the next turn, after D.
    let nextTurn = false;
    loop.callAt(10, () => seen.push(`D next turn:${nextTurn}`));
    s1.addDoneCallback(() => { nextTurn = true; });
    loop.advance(10);
    expect(seen).toEqual(['A s1:true s2:false', 'B s2:true', 'C s3:true', 'D next turn:false']);
    expect(nextTurn).toBe(true);
  });

  it('after close(), cancelling a sleep the loop dropped counts no timer', () => {
    const loop = new VirtualTimeLoop();
    const s = sleep(10, undefined, { loop });
    loop.close();
    expect(loop._timers.size).toBe(0);
    expect(s.done()).toBe(false);
    expect(s.cancel()).toBe(true);
    expect(loop._timers.size).toBe(0);
  });
});
