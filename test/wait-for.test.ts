import { afterEach, describe, expect, it } from 'vitest';
import {
  BaseLoop, CancelledError, Future, Queue, TimeoutError, TimerHandle, createTask, currentTask, setEventLoop, sleep, waitFor, type Loop, type Task,
} from '../src/index.js';
import { VirtualTimeLoop } from '../src/testing.js';
import { customTimerLoop } from './support/custom-timer-loop.js';
import { expectTypeErrorForNonSignals } from './support/signals.js';
import { errorOf } from './support/tasks.js';

afterEach(() => setEventLoop(null));

describe('waitFor', () => {
  it('gives the result when it comes in time, leaving no timer', () => {
    const loop = new VirtualTimeLoop();
    const w = createTask(waitFor(sleep(5, 'in time', { loop }), 10), { loop });
    expect(loop.runUntilComplete(w)).toBe('in time');
    expect(loop.time()).toBe(5);
    expect(loop._timers.size).toBe(0);
  });

  it('names waitFor() when stepped outside a task, for a Future and for a coroutine alike', () => {
    const loop = new VirtualTimeLoop();
    const onFuture = waitFor(new Future<number>({ loop }), 10)[Symbol.iterator]();
    expect(() => onFuture.next()).toThrow('waitFor() must run inside a task');
    const onCoroutine = waitFor((function* () { return 1; })(), 10, { loop })[Symbol.iterator]();
    expect(() => onCoroutine.next()).toThrow('waitFor() must run inside a task');
  });

  it('on expiry cancels what it waits on and fails with TimeoutError caused by the CancelledError', () => {
    const loop = new VirtualTimeLoop();
    const inner = sleep(50, 'late', { loop });
    const w = createTask(waitFor(inner, 10), { loop });
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
    const w = createTask(waitFor(inner, 10), { loop });
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
    expect(loop.runUntilComplete(createTask(waitFor(inner, 10), { loop }))).toBe('swallowed');
  });

  it('is a coroutine: created as a task, it runs a coroutine in that task, as asyncio\'s `await coro` inside wait_for', () => {
    const loop = new VirtualTimeLoop();
    let inside: unknown;
    const w: Task<string> = createTask(waitFor((function* () {
      inside = currentTask();
      yield* sleep(1);
      return 'coro';
    })(), 10, { loop }), { loop });
    expect(loop.runUntilComplete(w)).toBe('coro');
    expect(inside).toBe(w);
  });

  it('timeout null waits without limit', () => {
    const loop = new VirtualTimeLoop();
    const w = createTask(waitFor(sleep(1e6, 'eventually', { loop }), null), { loop });
    expect(loop.runUntilComplete(w)).toBe('eventually');
  });

  it('timeout <= 0: a done future gives its result; a pending one is cancelled; a coroutine never starts', () => {
    const loop = new VirtualTimeLoop();
    const done = new Future<number>({ loop });
    done.setResult(1);
    expect(loop.runUntilComplete(createTask(waitFor(done, 0), { loop }))).toBe(1);
    const pending = new Future<number>({ loop });
    expect(() => loop.runUntilComplete(createTask(waitFor(pending, 0), { loop }))).toThrow(TimeoutError);
    expect(pending.cancelled()).toBe(true);
    let started = false;
    const w = createTask(waitFor((function* () { started = true; return 2; })(), -1, { loop }), { loop });
    expect(() => loop.runUntilComplete(w)).toThrow(TimeoutError);
    expect(started).toBe(false);
  });

  it('cancelling it cancels the inner work: CancelledError, never TimeoutError', () => {
    const loop = new VirtualTimeLoop();
    const inner = sleep(50, 'x', { loop });
    const w = createTask(waitFor(inner, 10), { loop });
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
    const w = createTask(waitFor(get, 100), { loop });
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
    const w = createTask(waitFor(sleep(50, 'x', { loop }), 10, { signal: ac.signal }), { loop });
    loop.advance(3);
    ac.abort();
    expect(() => loop.runUntilComplete(w)).toThrow(CancelledError);
  });

  it('an already-aborted signal cancels the Future it was given at once (no item is taken), and the wait fails with CancelledError', () => {
    const loop = new VirtualTimeLoop();
    const q = new Queue<string>(0, { loop });
    const get = q.get();
    const w = createTask(waitFor(get, 100, { signal: AbortSignal.abort('abandoned') }), { loop });
    expect(() => loop.runUntilComplete(w)).toThrow('abandoned');
    loop.runUntilIdle();
    expect(get.cancelled()).toBe(true);
    expect(w.cancelled()).toBe(true);
    expect(q._getters.length).toBe(0);
    q.putNowait('kept');
    loop.runUntilIdle();
    expect(q.qsize()).toBe(1);
    expect(loop._timers.size).toBe(0);
  });

  it('an already-aborted signal cancels it even when the Future is done or no wait is needed; a coroutine never starts', async () => {
    const loop = new VirtualTimeLoop();
    setEventLoop(loop);
    const done = new Future<number>({ loop });
    done.setResult(1);
    await expect(waitFor(done, 10, { signal: AbortSignal.abort('a') })).rejects.toThrow('a');
    await expect(waitFor(done, 0, { signal: AbortSignal.abort('b') })).rejects.toThrow('b');
    let started = false;
    const coro = (function* () { started = true; return 2; })();
    const w = waitFor(coro, null, { loop, signal: AbortSignal.abort(new Error('c')) });
    // Closed, not just left unstarted.
    expect(coro.next()).toEqual({ done: true, value: undefined });
    await expect(w).rejects.toBeInstanceOf(CancelledError);
    expect(started).toBe(false);
  });

  it('closed before its first step (its task cancelled at once), it drops the coroutine and the Future it was given', () => {
    const loop = new VirtualTimeLoop();
    const q = new Queue<string>(0, { loop });
    const get = q.get();
    const task = createTask(waitFor(get, 100), { loop });
    task.cancel();
    expect(() => loop.runUntilComplete(task)).toThrow(CancelledError);
    loop.runUntilIdle();
    expect(get.cancelled()).toBe(true);
    let started = false;
    const coro = (function* () { started = true; return 2; })();
    waitFor(coro, 100, { loop }).return(undefined as never);
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

  it('await waitFor(coro, ms) from an async function starts the coroutine before any loop turn, in a task of its own', async () => {
    const loop = new VirtualTimeLoop();
    setEventLoop(loop);
    const log: string[] = [];
    const consumer = async (): Promise<string> => {
      log.push('before');
      const p = waitFor(function* () {
        log.push(`inner in a task: ${currentTask() !== null}`);
        yield* sleep(5);
        return 'inner';
      }(), 10);
      log.push('created');
      const r = await p;
      log.push(`resumed at ${loop.time()}`);
      return r;
    };
    const c = consumer();
    expect(log).toEqual(['before', 'created']);
    // `await` calls then() in a promise job.
    await Promise.resolve();
    expect(log).toEqual(['before', 'created', 'inner in a task: true']);
    expect(await loop.runUntilCompleteAsync(c)).toBe('inner');
    expect(log.at(-1)).toBe('resumed at 5');
  });

  it('a wait run with yield* cannot also be awaited', async () => {
    const loop = new VirtualTimeLoop();
    const w = waitFor(sleep(1, 'x', { loop }), 10);
    expect(loop.runUntilComplete(createTask(function* () { return yield* w; }(), { loop }))).toBe('x');
    await expect(w).rejects.toThrow('already ran');
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
    const w = createTask(waitFor(42 as never, 5, { loop }), { loop });
    expect(() => loop.runUntilComplete(w)).toThrow(TypeError);
    expect(() => waitFor(sleep(1, 1, { loop }), 5, 'loop' as never)).toThrow(TypeError);
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
    const unlimited = createTask(waitFor(g, null), { loop: timerless });
    g.setResult(1);
    loop.runUntilIdle();
    expect(unlimited.result()).toBe(1);
    const now = createTask(waitFor(new Future<number>({ loop: timerless }), 0), { loop: timerless });
    loop.runUntilIdle();
    expect(now.exception()).toBeInstanceOf(TimeoutError);
  });

  it('has the Promise habits catch() and finally() when awaited from async code', async () => {
    const loop = new VirtualTimeLoop();
    const seen: string[] = [];
    const caught = waitFor(new Future<number>({ loop }), 5, { loop })
      .catch((e: unknown) => { seen.push((e as Error).name); return -1; })
      .finally(() => seen.push('finally'));
    expect(await loop.runUntilCompleteAsync(caught)).toBe(-1);
    expect(seen).toEqual(['TimeoutError', 'finally']);
  });
});

describe('waitFor(future, ms): the wait is its own timer on anyloop\'s loops', () => {
  it('schedules no TimerHandle: the loop\'s heap holds the wait itself, which leaves it when the future completes in time', () => {
    const loop = new VirtualTimeLoop();
    const scheduled: number[] = [];
    const callAt = loop.callAt.bind(loop);
    loop.callAt = (when, cb, ...args) => { scheduled.push(when); return callAt(when, cb, ...args); };
    const fut = new Future<string>({ loop });
    const task = createTask(function* () { return yield* waitFor(fut, 10); }, { loop });
    loop.advance(1);
    expect(scheduled).toEqual([]);
    expect(loop._timers.size).toBe(1);
    expect(loop._timers._heap[0]).not.toBeInstanceOf(TimerHandle);
    expect(loop._timers.nextWhen()).toBe(10);
    fut.setResult('in time');
    loop.advance(1);
    expect(task.result()).toBe('in time');
    expect(loop._timers.size).toBe(0);
  });

  it('driven by hand as yield* drives it, next() gives the future (not done), then the result (done)', () => {
    const loop = new VirtualTimeLoop();
    const fut = new Future<string>({ loop });
    const steps: unknown[] = [];
    const task = createTask(function* () {
      const it = waitFor(fut, 10)[Symbol.iterator]();
      const first = it.next();
      // Read at once: the wait hands out one result object, updated by each next().
      steps.push([first.done, first.value === fut]);
      yield fut;
      const second = it.next();
      steps.push([second.done, second.value]);
      return second.value;
    }, { loop });
    loop.advance(1);
    fut.setResult('in time');
    loop.advance(1);
    expect(steps).toEqual([[false, true], [true, 'in time']]);
    expect(task.result()).toBe('in time');
    expect(loop._timers.size).toBe(0);
  });

  it('expires at its deadline after the timers scheduled before it and before those scheduled after it', () => {
    const loop = new VirtualTimeLoop();
    const log: string[] = [];
    const fut = new Future<string>({ loop });
    loop.callAt(10, () => log.push(`before: ${fut.cancelled() ? 'cancelled' : 'pending'}`));
    const task = createTask(function* () {
      try {
        return yield* waitFor(fut, 10);
      } catch (e) {
        log.push((e as Error).name);
        throw e;
      }
    }, { loop });
    loop.advance(0);
    loop.callAt(10, () => log.push(`after: ${task.cancelling()}`));
    loop.advance(20);
    expect(log).toEqual(['before: pending', 'after: 1', 'TimeoutError']);
    expect(loop._timers.size).toBe(0);
  });

  it('an expiry due in the turn where the wait has just left (its step ran first) does nothing', () => {
    // A loop whose clock jumps, as a device's does between host turns.
    class JumpingLoop extends BaseLoop {
      now = 0;
      time(): number {
        return this.now;
      }
    }
    const loop = new JumpingLoop();
    const fut = new Future<string>({ loop });
    const then = new Future<string>({ loop });
    const task = createTask(function* () { return (yield* waitFor(fut, 10)) + (yield* then); }, { loop });
    loop._runOnce();
    // The task's step is ready before the clock passes the deadline: it runs first in the turn, then the expiry.
    fut.setResult('in time');
    loop.now = 20;
    loop._runOnce();
    expect(task.cancelling()).toBe(0);
    expect(loop._timers.size).toBe(0);
    then.setResult(', then more');
    loop._runOnce();
    expect(task.result()).toBe('in time, then more');
  });

  it('on a loop of its own (no EntryTimers hook) gets a callAt timer: it still times out, and a wait that ends in time cancels it', () => {
    const inner = new VirtualTimeLoop();
    const loop = customTimerLoop(inner);
    const late = new Future<string>({ loop });
    const early = new Future<string>({ loop });
    const timedOut = createTask(function* () { return yield* waitFor(late, 10); }, { loop });
    const inTime = createTask(function* () { return yield* waitFor(early, 10); }, { loop });
    inner.advance(0);
    expect(loop.ats.map((h) => h.when())).toEqual([10, 10]);
    early.setResult('in time');
    inner.advance(1);
    expect(inTime.result()).toBe('in time');
    expect(loop.ats[1]!.cancelled()).toBe(true);
    inner.advance(20);
    expect(errorOf(() => timedOut.result())).toBeInstanceOf(TimeoutError);
    expect(late.cancelled()).toBe(true);
    expect(inner._timers.size).toBe(0);
  });

  it('the loop closing drops the wait from its heap', () => {
    const loop = new VirtualTimeLoop();
    const task = createTask(function* () { return yield* waitFor(new Future<string>({ loop }), 10); }, { loop });
    loop.advance(0);
    expect(loop._timers.size).toBe(1);
    loop.close();
    expect(task.cancelled()).toBe(true);
    expect(loop._timers.size).toBe(0);
  });
});
