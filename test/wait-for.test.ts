import { afterEach, describe, expect, it } from 'vitest';
import {
  CancelledError, Future, Queue, TimeoutError, createTask, currentTask, setEventLoop, sleep, waitFor, type Loop, type Task,
} from '../src/index.js';
import { VirtualTimeLoop } from '../src/testing.js';
import { expectCancelledAtOnce, expectTypeErrorForNonSignals } from './support/signals.js';
import { errorOf } from './support/tasks.js';

afterEach(() => setEventLoop(null));

describe('waitFor', () => {
  it('gives the result when it comes in time, leaving no timer', () => {
    const loop = new VirtualTimeLoop();
    const w = waitFor(sleep(5, 'in time', { loop }), 10);
    expect(loop.runUntilComplete(w)).toBe('in time');
    expect(loop.time()).toBe(5);
    expect(loop._timers.size).toBe(0);
  });

  it('on expiry cancels what it waits on and fails with TimeoutError caused by the CancelledError', () => {
    const loop = new VirtualTimeLoop();
    const inner = sleep(50, 'late', { loop });
    const w = waitFor(inner, 10);
    const err = errorOf(() => loop.runUntilComplete(w));
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.cause).toBeInstanceOf(CancelledError);
    expect(inner.cancelled()).toBe(true);
    expect(loop.time()).toBe(10);
    expect(loop._timers.size).toBe(0);
  });

  it('waits until the cancelled work has finished cancelling before it fails', () => {
    const loop = new VirtualTimeLoop();
    const log: unknown[] = [];
    const inner = createTask(function* () {
      try {
        yield* sleep(100);
      } finally {
        yield* sleep(7);
        log.push(['cleaned up', loop.time()]);
      }
    }, { loop });
    const w = waitFor(inner, 10);
    expect(() => loop.runUntilComplete(w)).toThrow(TimeoutError);
    log.push(['timed out', loop.time()]);
    expect(log).toEqual([['cleaned up', 17], ['timed out', 17]]);
  });

  it('work that swallows the cancellation and returns gives its value', () => {
    const loop = new VirtualTimeLoop();
    const inner = createTask(function* () {
      try {
        yield* sleep(100);
      } catch {
        return 'swallowed';
      }
      return 'slept';
    }, { loop });
    expect(loop.runUntilComplete(waitFor(inner, 10))).toBe('swallowed');
  });

  it('runs a coroutine in its own task, as asyncio\'s `await coro` inside wait_for', () => {
    const loop = new VirtualTimeLoop();
    let inside: unknown;
    const w: Task<string> = waitFor((function* () {
      inside = currentTask();
      yield* sleep(1);
      return 'coro';
    })(), 10, { loop });
    expect(loop.runUntilComplete(w)).toBe('coro');
    expect(inside).toBe(w);
  });

  it('timeout null waits without limit', () => {
    const loop = new VirtualTimeLoop();
    const w = waitFor(sleep(1e6, 'eventually', { loop }), null);
    expect(loop.runUntilComplete(w)).toBe('eventually');
  });

  it('timeout <= 0: a done future gives its result; a pending one is cancelled; a coroutine never starts', () => {
    const loop = new VirtualTimeLoop();
    const done = new Future<number>({ loop });
    done.setResult(1);
    expect(loop.runUntilComplete(waitFor(done, 0))).toBe(1);
    const pending = new Future<number>({ loop });
    expect(() => loop.runUntilComplete(waitFor(pending, 0))).toThrow(TimeoutError);
    expect(pending.cancelled()).toBe(true);
    let started = false;
    const w = waitFor((function* () { started = true; return 2; })(), -1, { loop });
    expect(() => loop.runUntilComplete(w)).toThrow(TimeoutError);
    expect(started).toBe(false);
  });

  it('cancelling it cancels the inner work: CancelledError, never TimeoutError', () => {
    const loop = new VirtualTimeLoop();
    const inner = sleep(50, 'x', { loop });
    const w = waitFor(inner, 10);
    loop.advance(3);
    w.cancel('outside');
    const err = errorOf(() => loop.runUntilComplete(w));
    expect(err).toBeInstanceOf(CancelledError);
    expect(inner.cancelled()).toBe(true);
    expect(loop._timers.size).toBe(0);
  });

  it('cancelled before its first step, it still cancels the waiter it was given: a later item is not lost', () => {
    const loop = new VirtualTimeLoop();
    const queue = new Queue<string>(0, { loop });
    const get = queue.get();
    const w = waitFor(get, 100);
    w.cancel();
    loop.runUntilIdle();
    expect(w.cancelled()).toBe(true);
    expect(get.cancelled()).toBe(true);
    queue.putNowait('kept');
    loop.runUntilIdle();
    expect(queue.qsize()).toBe(1);
    expect(queue.getNowait()).toBe('kept');
  });

  it('an abort of its signal cancels it', () => {
    const loop = new VirtualTimeLoop();
    const ac = new AbortController();
    const w = waitFor(sleep(50, 'x', { loop }), 10, { signal: ac.signal });
    loop.advance(3);
    ac.abort();
    expect(() => loop.runUntilComplete(w)).toThrow(CancelledError);
  });

  it('an already-aborted signal cancels it at once and cancels the Future it was given: no item is taken', () => {
    const loop = new VirtualTimeLoop();
    const q = new Queue<string>(0, { loop });
    const get = q.get();
    const w = waitFor(get, 100, { signal: AbortSignal.abort('abandoned') });
    expectCancelledAtOnce(w, 'abandoned');
    expect(w.cancelling()).toBe(0);
    loop.runUntilIdle();
    expect(get.cancelled()).toBe(true);
    expect(q._getters.length).toBe(0);
    q.putNowait('kept');
    loop.runUntilIdle();
    expect(q.qsize()).toBe(1);
    expect(loop._timers.size).toBe(0);
  });

  it('an already-aborted signal cancels it even when the Future is done or no wait is needed; a coroutine never starts', () => {
    const loop = new VirtualTimeLoop();
    const done = new Future<number>({ loop });
    done.setResult(1);
    expectCancelledAtOnce(waitFor(done, 10, { signal: AbortSignal.abort('a') }), 'a');
    expectCancelledAtOnce(waitFor(done, 0, { signal: AbortSignal.abort('b') }), 'b');
    let started = false;
    const coro = (function* () { started = true; return 2; })();
    expectCancelledAtOnce(waitFor(coro, null, { loop, signal: AbortSignal.abort(new Error('c')) }), 'c');
    loop.runUntilIdle();
    expect(started).toBe(false);
    // Closed, not just left unstarted.
    expect(coro.next()).toEqual({ done: true, value: undefined });
    expect(started).toBe(false);
  });

  it('a signal that is not an AbortSignal is a TypeError even when the Future is already done', () => {
    const loop = new VirtualTimeLoop();
    const done = new Future<number>({ loop });
    done.setResult(1);
    expectTypeErrorForNonSignals((signal) => waitFor(done, 10, { signal }));
    expectTypeErrorForNonSignals((signal) => waitFor(done, 0, { signal }));
    expect(loop._ready.length).toBe(0);
  });

  it('await waitFor(queue.get(), 100) from an async function; a timed-out get loses no item', async () => {
    const loop = new VirtualTimeLoop();
    setEventLoop(loop);
    const q = new Queue<string>();
    const consumer = async (): Promise<string> => {
      try {
        return await waitFor(q.get(), 100);
      } catch (e) {
        return `${(e as Error).name}@${loop.time()}`;
      }
    };
    expect(await loop.runUntilCompleteAsync(consumer())).toBe('TimeoutError@100');
    expect(q._getters.length).toBe(0);
    q.putNowait('kept');
    expect(q.qsize()).toBe(1);
    loop.callLater(30, () => q.putNowait('second'));
    expect(await loop.runUntilCompleteAsync(consumer())).toBe('kept');
    expect(await loop.runUntilCompleteAsync(consumer())).toBe('second');
  });

  it('rejects a timeout that is not a number or null, and other things than awaitables', () => {
    const loop = new VirtualTimeLoop();
    expect(() => waitFor(sleep(1, 1, { loop }), NaN)).toThrow(TypeError);
    expect(() => waitFor(sleep(1, 1, { loop }), '5' as never)).toThrow(TypeError);
    const w = waitFor(42 as never, 5, { loop });
    expect(() => loop.runUntilComplete(w)).toThrow(TypeError);
  });

  it('on a loop without timers, a timeout throws a TypeError naming waitFor; no limit and ms <= 0 need no timers', () => {
    const loop = new VirtualTimeLoop();
    const timerless: Loop = {
      callSoon: (cb, ...args) => loop.callSoon(cb, ...args),
      callExceptionHandler: () => {},
      getDebug: () => false,
    };
    const f = new Future<number>({ loop: timerless });
    expect(() => waitFor(f, 5)).toThrow(new TypeError('waitFor(aw, ms > 0) needs a TimerLoop (time(), callAt(), callLater()); this loop has no timers'));
    // The awaitable of a waitFor that fails its checks is dropped, so a registered wait takes nothing.
    expect(f.cancelled()).toBe(true);
    const g = new Future<number>({ loop: timerless });
    const unlimited = waitFor(g, null);
    g.setResult(1);
    loop.runUntilIdle();
    expect(unlimited.result()).toBe(1);
    const now = waitFor(new Future<number>({ loop: timerless }), 0);
    loop.runUntilIdle();
    expect(now.exception()).toBeInstanceOf(TimeoutError);
  });
});
