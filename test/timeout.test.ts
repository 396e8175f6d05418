import { afterEach, describe, expect, it } from 'vitest';
import {
  CancelledError, Event, Queue, TimeoutError, createTask, currentTask, setEventLoop, sleep, timeout, timeoutAt,
  TimerHandle, type AbortSignalLike, type Loop, type Timeout, type TimerLoop,
} from '../src/index.js';
import { VirtualTimeLoop } from '../src/testing.js';
import { customTimerLoop } from './support/custom-timer-loop.js';
import { expectTypeErrorForNonSignals } from './support/signals.js';
import { errorOf, waiting } from './support/tasks.js';

afterEach(() => setEventLoop(null));

describe('timeout scope in a task', () => {
  it('on expiry cancels the body (its finally runs) and raises TimeoutError caused by the CancelledError', () => {
    const loop = new VirtualTimeLoop();
    const log: string[] = [];
    let scope: Timeout | undefined;
    const task = createTask(function* () {
      yield* timeout(10, function* (t) {
        scope = t;
        try {
          yield* sleep(100);
        } finally {
          log.push(`finally@${loop.time()}`);
        }
      });
    }, { loop });
    const err = errorOf(() => loop.runUntilComplete(task));
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.cause).toBeInstanceOf(CancelledError);
    expect(log).toEqual(['finally@10']);
    expect(scope!.expired()).toBe(true);
    expect(task.cancelling()).toBe(0);
    expect(loop._timers.size).toBe(0);
  });

  it('returns the body\'s value when it finishes in time, and cancels its timer', () => {
    const loop = new VirtualTimeLoop();
    let scope: Timeout | undefined;
    const task = createTask(function* () {
      return yield* timeout(10, function* (t) {
        scope = t;
        yield* sleep(3);
        return 'in time';
      });
    }, { loop });
    expect(loop.runUntilComplete(task)).toBe('in time');
    expect(scope!.expired()).toBe(false);
    expect(loop._timers.size).toBe(0);
    expect(loop.time()).toBe(3);
    expect(String(scope)).toBe('<Timeout [finished]>');
  });

  it('timeout(null) never expires', () => {
    const loop = new VirtualTimeLoop();
    const task = createTask(function* () {
      return yield* timeout(null, function* (t) {
        expect(t.when()).toBeNull();
        yield* sleep(1e9);
        return 'late';
      });
    }, { loop });
    expect(loop.runUntilComplete(task)).toBe('late');
  });

  it('reschedule() moves the deadline (absolute loop time); rescheduleIn() is relative; null disables', () => {
    const loop = new VirtualTimeLoop();
    const task = createTask(function* () {
      const a = yield* timeout(10, function* (t) {
        t.reschedule(loop.time() + 30);
        expect(t.when()).toBe(30);
        yield* sleep(20);
        return 'extended';
      });
      const b = yield* timeout(10, function* (t) {
        t.reschedule(null);
        yield* sleep(50);
        return 'disabled';
      });
      let c = 'not expired';
      try {
        yield* timeout(100, function* (t) {
          yield* sleep(5);
          t.rescheduleIn(2);
          yield* sleep(50);
        });
      } catch (e) {
        c = `${(e as Error).name}@${loop.time()}`;
      }
      return [a, b, c];
    }, { loop });
    expect(loop.runUntilComplete(task)).toEqual(['extended', 'disabled', 'TimeoutError@77']);
  });

  // asyncio: the callSoon made after the reschedule runs first, then the expiry's callback.
  it('a deadline already past expires in the next loop turn', () => {
    const loop = new VirtualTimeLoop();
    const log: string[] = [];
    const task = createTask(function* () {
      try {
        yield* timeoutAt(null, function* (t) {
          t.reschedule(loop.time() - 1);
          loop.callSoon(() => log.push('soon'));
          yield* sleep(10);
        });
      } catch (e) {
        log.push(`${(e as Error).name}@${loop.time()}`);
      }
    }, { loop });
    loop.runUntilComplete(task);
    expect(log).toEqual(['soon', 'TimeoutError@0']);
  });

  it('reschedule() is refused before entry and after exit or expiry', () => {
    const loop = new VirtualTimeLoop();
    let scope: Timeout | undefined;
    const task = createTask(function* () {
      try {
        yield* timeout(1, function* (t) {
          scope = t;
          try {
            yield* sleep(5);
          } finally {
            expect(() => t.reschedule(100)).toThrow(/expiring/);
          }
        });
      } catch {
        // the TimeoutError
      }
    }, { loop });
    loop.runUntilComplete(task);
    expect(() => scope!.reschedule(5)).toThrow(/expired/);
    expect(() => scope!.reschedule(NaN)).toThrow(/expired/);
  });

  it('timeoutAt() takes an absolute deadline', () => {
    const loop = new VirtualTimeLoop();
    const task = createTask(function* () {
      yield* sleep(5);
      try {
        yield* timeoutAt(12, function* () { yield* sleep(100); });
      } catch (e) {
        return `${(e as Error).name}@${loop.time()}`;
      }
      return 'no timeout';
    }, { loop });
    expect(loop.runUntilComplete(task)).toBe('TimeoutError@12');
  });

  // asyncio: inner exit CancelledError (expired() true), outer exit TimeoutError
  // caused by CancelledError at 10, cancelling() back to 0.
  it('nested timeouts with the same deadline: only the outer one raises TimeoutError', () => {
    const loop = new VirtualTimeLoop();
    const log: unknown[] = [];
    const task = createTask(function* () {
      let outer: Timeout | undefined;
      let inner: Timeout | undefined;
      try {
        yield* timeout(10, function* (o) {
          outer = o;
          try {
            yield* timeout(10, function* (i) {
              inner = i;
              yield* sleep(100);
            });
          } catch (e) {
            log.push(['inner exit', (e as Error).name, inner!.expired()]);
            throw e;
          }
        });
      } catch (e) {
        log.push(['outer exit', (e as Error).name, outer!.expired(), ((e as Error).cause as Error).name, loop.time()]);
      }
      log.push(['cancelling', currentTask()!.cancelling()]);
    }, { loop });
    loop.runUntilComplete(task);
    expect(log).toEqual([
      ['inner exit', 'CancelledError', true],
      ['outer exit', 'TimeoutError', true, 'CancelledError', 10],
      ['cancelling', 0],
    ]);
  });

  it('nested: a shorter inner timeout is handled inside, and the outer one goes on', () => {
    const loop = new VirtualTimeLoop();
    const task = createTask(function* () {
      const r: unknown[] = [];
      yield* timeout(10, function* () {
        try {
          yield* timeout(2, function* () { yield* sleep(5); });
        } catch (e) {
          r.push([(e as Error).name, loop.time()]);
        }
        yield* sleep(3);
        r.push(['after', loop.time()]);
      });
      return r;
    }, { loop });
    expect(loop.runUntilComplete(task)).toEqual([['TimeoutError', 2], ['after', 5]]);
  });

  it('nested: a shorter outer timeout cancels through the inner one', () => {
    const loop = new VirtualTimeLoop();
    const task = createTask(function* () {
      const r: unknown[] = [];
      try {
        yield* timeout(2, function* () {
          try {
            yield* timeout(10, function* () { yield* sleep(5); });
          } catch (e) {
            r.push(['inner', (e as Error).name]);
            throw e;
          }
        });
      } catch (e) {
        r.push(['outer', (e as Error).name, loop.time()]);
      }
      return r;
    }, { loop });
    expect(loop.runUntilComplete(task)).toEqual([['inner', 'CancelledError'], ['outer', 'TimeoutError', 2]]);
  });

  // asyncio: the outside cancel lands in the same turn as the expiry; the task is cancelled.
  it('an outside cancel is never turned into TimeoutError, even in the turn of the expiry', () => {
    const loop = new VirtualTimeLoop();
    const log: string[] = [];
    const task = createTask(function* () {
      try {
        yield* timeout(5, function* () { yield* sleep(100); });
      } catch (e) {
        log.push((e as Error).name);
        throw e;
      }
    }, { loop });
    loop.callAt(5, () => task.cancel());
    expect(() => loop.runUntilComplete(task)).toThrow(CancelledError);
    expect(log).toEqual(['CancelledError']);
    expect(task.cancelled()).toBe(true);
  });

  it('an outside cancel before the deadline propagates as CancelledError', () => {
    const loop = new VirtualTimeLoop();
    const task = createTask(function* () { yield* timeout(50, function* () { yield* sleep(100); }); }, { loop });
    loop.advance(10);
    task.cancel('outside');
    const err = errorOf(() => loop.runUntilComplete(task));
    expect(err).toBeInstanceOf(CancelledError);
    expect(err.message).toBe('outside');
    expect(loop._timers.size).toBe(0);
  });

  // asyncio: caught with cancelling() 1; the cleanup times out at +3 with cancelling() still 1; task cancelled.
  it('a timeout inside finally, after a caught cancel, still raises TimeoutError', () => {
    const loop = new VirtualTimeLoop();
    const log: unknown[] = [];
    const task = createTask(function* () {
      try {
        yield* sleep(100);
      } catch (e) {
        log.push(['caught', currentTask()!.cancelling()]);
        try {
          yield* timeout(3, function* () { yield* sleep(50); });
        } catch (te) {
          log.push([(te as Error).name, loop.time(), currentTask()!.cancelling()]);
        }
        throw e;
      }
    }, { loop });
    loop.advance(1);
    task.cancel();
    expect(() => loop.runUntilComplete(task)).toThrow(CancelledError);
    expect(log).toEqual([['caught', 1], ['TimeoutError', 4, 1]]);
  });

  // asyncio: the body's value comes out, expired() is true, no TimeoutError.
  it('a body that swallows the cancellation and returns is not turned into TimeoutError', () => {
    const loop = new VirtualTimeLoop();
    const task = createTask(function* () {
      let scope: Timeout | undefined;
      const v = yield* timeout(2, function* (t) {
        scope = t;
        try {
          yield* sleep(10);
        } catch {
          // swallowed
        }
        return 'swallowed';
      });
      return [v, scope!.expired(), currentTask()!.cancelling()];
    }, { loop });
    expect(loop.runUntilComplete(task)).toEqual(['swallowed', true, 0]);
  });

  it('an error other than CancelledError leaving an expired scope is not converted', () => {
    const loop = new VirtualTimeLoop();
    const task = createTask(function* () {
      yield* timeout(2, function* () {
        try {
          yield* sleep(10);
        } catch {
          throw new RangeError('converted by the body');
        }
      });
    }, { loop });
    expect(() => loop.runUntilComplete(task)).toThrow(RangeError);
  });

  it('must run inside a task, once', () => {
    const loop = new VirtualTimeLoop();
    const scope = timeout(5, function* () { return 1; }, { loop });
    expect(() => scope[Symbol.iterator]().next()).toThrow(/inside a task/);
    const twice = timeout(5, function* () { return 1; }, { loop });
    const task = createTask(function* () {
      yield* twice;
      yield* twice;
    }, { loop });
    expect(() => loop.runUntilComplete(task)).toThrow(/already been entered/);
  });

  it('rejects bad arguments and loops without timers', () => {
    const loop = new VirtualTimeLoop();
    expect(() => timeout(NaN, function* () {}, { loop })).toThrow(TypeError);
    expect(() => timeout(5, 'body' as never, { loop })).toThrow(TypeError);
    expect(() => timeout(5, function* () {}, { loop, signal: {} as never })).toThrow(TypeError);
    const timerless: Loop = {
      callSoon: (cb, ...args) => loop.callSoon(cb, ...args),
      callExceptionHandler: () => {},
      getDebug: () => false,
    };
    expect(() => timeout(5, function* () {}, { loop: timerless })).toThrow(/TimerLoop/);
    const task = createTask(function* () { return yield* timeout(null, function* () { return 'no timer needed'; }); }, { loop: timerless });
    loop.runUntilIdle();
    expect(task.result()).toBe('no timer needed');
  });

  it('a generator body that does not return a coroutine is a TypeError', () => {
    const loop = new VirtualTimeLoop();
    const task = createTask(function* () { yield* timeout(5, () => 42 as never); }, { loop });
    expect(() => loop.runUntilComplete(task)).toThrow(TypeError);
  });

  it('an abort of options.signal cancels the task running the scope: CancelledError, not TimeoutError', () => {
    const loop = new VirtualTimeLoop();
    const ac = new AbortController();
    const task = createTask(function* () {
      yield* timeout(50, function* () { yield* sleep(100); }, { signal: ac.signal });
    }, { loop });
    loop.advance(5);
    ac.abort('stop');
    expect(() => loop.runUntilComplete(task)).toThrow(CancelledError);
  });

  it('an already-aborted options.signal fails the scope at once with CancelledError; the body never runs and no timer is set', () => {
    const loop = new VirtualTimeLoop();
    let ran = false;
    const task = createTask(function* () {
      try {
        yield* timeout(50, function* () { ran = true; }, { signal: AbortSignal.abort(new Error('stopped')) });
      } catch (e) {
        return `${(e as Error).name}: ${(e as Error).message}, cancelling ${currentTask()!.cancelling()}`;
      }
      return 'no error';
    }, { loop });
    loop._runOnce();
    expect(task.result()).toBe('CancelledError: stopped, cancelling 0');
    expect(ran).toBe(false);
    expect(loop._timers.size).toBe(0);
  });

  it('a signal that is not an AbortSignal is a TypeError when the scope is made', () => {
    const loop = new VirtualTimeLoop();
    expectTypeErrorForNonSignals((signal) => timeout(5, function* () {}, { loop, signal }));
    expectTypeErrorForNonSignals((signal) => timeoutAt(5, function* () {}, { loop, signal }));
  });
});

describe('timeout with async functions', () => {
  it('await timeout(ms, async (t, signal) => ...) aborts the signal on expiry and raises TimeoutError', async () => {
    const loop = new VirtualTimeLoop();
    setEventLoop(loop);
    const q = new Queue<number>();
    let given: AbortSignalLike | undefined;
    const p = (async () => {
      try {
        return await timeout(100, async (_t, signal) => {
          given = signal;
          return await q.get({ signal });
        });
      } catch (e) {
        return `${(e as Error).name} (${((e as Error).cause as Error).name}) @${loop.time()}`;
      }
    })();
    expect(await loop.runUntilCompleteAsync(p)).toBe('TimeoutError (CancelledError) @100');
    expect(given!.aborted).toBe(true);
    expect(q._getters.length).toBe(0);
    q.putNowait(1);
    expect(q.qsize()).toBe(1);
  });

  it('returns the value when the async body finishes in time', async () => {
    const loop = new VirtualTimeLoop();
    setEventLoop(loop);
    const v = loop.runUntilCompleteAsync(timeout(100, async () => { await sleep(10); return 'ok'; }));
    expect(await v).toBe('ok');
    expect(loop._timers.size).toBe(0);
  });

  it('has the Promise habits catch() and finally(), which start it like then()', async () => {
    const loop = new VirtualTimeLoop();
    setEventLoop(loop);
    let finished = false;
    const caught = timeout(5, async (_t, signal) => sleep(50, 'late', { signal })).catch((e) => (e as Error).name);
    const ended = timeout(100, async () => 'ok').finally(() => { finished = true; });
    expect(await loop.runUntilCompleteAsync(caught)).toBe('TimeoutError');
    expect(await loop.runUntilCompleteAsync(ended)).toBe('ok');
    expect(finished).toBe(true);
  });

  it('an async body inside a task gets its own signal, aborted on expiry', () => {
    const loop = new VirtualTimeLoop();
    const ev = new Event({ loop });
    let given: AbortSignalLike | undefined;
    const task = createTask(function* () {
      try {
        yield* timeout(5, async (_t, signal) => {
          given = signal;
          await ev.wait({ signal });
        });
      } catch (e) {
        return (e as Error).name;
      }
      return 'no timeout';
    }, { loop });
    return loop.runUntilCompleteAsync(task).then((v) => {
      expect(v).toBe('TimeoutError');
      expect(given!.aborted).toBe(true);
      expect(waiting(ev)).toBe(0);
    });
  });

  it('a generator body can be awaited too: it runs in a task of its own', async () => {
    const loop = new VirtualTimeLoop();
    setEventLoop(loop);
    const p = (async () => {
      try {
        await timeout(7, function* () { yield* sleep(100); });
      } catch (e) {
        return `${(e as Error).name}@${loop.time()}`;
      }
      return 'no timeout';
    })();
    expect(await loop.runUntilCompleteAsync(p)).toBe('TimeoutError@7');
  });

  it('an abort of options.signal is an outside cancellation: CancelledError', async () => {
    const loop = new VirtualTimeLoop();
    setEventLoop(loop);
    const ac = new AbortController();
    const scope = timeout(100, async (_t, signal) => { await sleep(1000, undefined, { signal }); }, { signal: ac.signal });
    loop.callLater(10, () => ac.abort());
    await expect(loop.runUntilCompleteAsync(scope)).rejects.toBeInstanceOf(CancelledError);
  });

  it('await of a scope whose signal is already aborted rejects with no loop turn; the body is never called', async () => {
    const loop = new VirtualTimeLoop();
    let called = false;
    const scope = timeout(100, async () => { called = true; }, { loop, signal: AbortSignal.abort('gone') });
    await expect(Promise.resolve(scope)).rejects.toThrow(CancelledError);
    await expect(Promise.resolve(scope)).rejects.toThrow('gone');
    expect(called).toBe(false);
    expect(loop._ready.length).toBe(0);
    expect(loop._timers.size).toBe(0);
  });
});

describe('timeout scope: its timer is the Timeout itself on anyloop\'s loops', () => {
  /** A task running a timeout(ms) scope whose body waits on `gate`; `onScope` gets the Timeout as it enters. */
  function scoped(loop: Loop, ms: number, gate: Event, onScope: (t: Timeout) => void) {
    return createTask(function* () {
      try {
        yield* timeout(ms, function* (t) {
          onScope(t);
          yield* gate.wait();
        }, { loop });
        return 'in time';
      } catch (e) {
        if (e instanceof TimeoutError) return `TimeoutError at ${(loop as TimerLoop).time()}`;
        throw e;
      }
    }, { loop });
  }

  it('arms no TimerHandle: the loop\'s heap holds the Timeout, which leaves it when the scope exits in time', () => {
    const loop = new VirtualTimeLoop();
    const gate = new Event({ loop });
    let scope: Timeout | undefined;
    const task = scoped(loop, 10, gate, (t) => { scope = t; });
    loop.advance(1);
    expect(loop._timers._heap).toEqual([scope]);
    expect(loop._timers._heap[0]).not.toBeInstanceOf(TimerHandle);
    gate.set();
    loop.advance(1);
    expect(task.result()).toBe('in time');
    expect(loop._timers.size).toBe(0);
  });

  for (const [name, later, expected] of [
    ['a later deadline', 50, 'TimeoutError at 50'],
    ['none (null)', null, 'in time'],
    ['one already past', 5, 'TimeoutError at 10'],
  ] as const) {
    it(`rescheduled to ${name} after the deadline passed but before its expiry ran, the due expiry does nothing`, () => {
      const loop = new VirtualTimeLoop();
      const gate = new Event({ loop });
      let scope: Timeout | undefined;
      // Due with the scope's timer and scheduled before it: it runs first in the turn that has both.
      loop.callAt(10, () => scope!.reschedule(later));
      loop.callAt(80, () => gate.set());
      const task = scoped(loop, 10, gate, (t) => { scope = t; });
      loop.advance(100);
      expect(task.result()).toBe(expected);
      expect(loop._timers.size).toBe(0);
    });
  }

  it('expires through callAt on a loop without the EntryTimers hook', () => {
    const inner = new VirtualTimeLoop();
    const loop = customTimerLoop(inner);
    const late = scoped(loop, 10, new Event({ loop }), () => {});
    const gate = new Event({ loop });
    const early = scoped(loop, 30, gate, (t) => t.reschedule(20));
    inner.advance(5);
    gate.set();
    inner.advance(100);
    expect(late.result()).toBe('TimeoutError at 10');
    expect(early.result()).toBe('in time');
    expect(loop.ats.map((h) => h.when())).toEqual([10, 30, 20]);
    expect(inner._timers.size).toBe(0);
  });
});
