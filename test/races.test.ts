import { describe, expect, it } from 'vitest';
import {
  Barrier, BoundedSemaphore, CancelledError, Condition, Event, Lock, Queue, Semaphore, createTask,
  type Coroutine, type Future, type Task,
} from '../src/index.js';
import { VirtualTimeLoop } from '../src/testing.js';
import { waiting } from './support/tasks.js';

/**
 * The woken-then-cancelled race with real tasks: a task whose awaited wait has
 * been completed (woken) but whose next step has not run yet is cancelled.
 * It must receive CancelledError, and the primitive must pass on what the
 * task was given. Each scenario wakes the first waiter from a loop callback,
 * cancels it in the same callback (so its step cannot have run), then checks
 * who got what.
 */
function setup() {
  const loop = new VirtualTimeLoop();
  const log: string[] = [];
  /** A task that waits on `wait()` and logs how the wait ended. */
  function waiter<T>(name: string, wait: () => Future<T>, after?: (v: T) => void): Task<void> {
    return createTask(function* (): Coroutine<void> {
      let v: T;
      try {
        v = yield* wait();
      } catch (e) {
        log.push(`${name}: ${(e as Error).name}`);
        throw e;
      }
      log.push(`${name}: got ${String(v)}`);
      after?.(v);
    }, { loop, name });
  }
  /** Runs `wake` then `cancel` in one loop callback, then runs the loop until idle. */
  function wakeAndCancel(wake: () => void, victim: Task<unknown>): void {
    loop.callSoon(() => {
      wake();
      expect(victim.done()).toBe(false);
      expect(victim.cancel()).toBe(true);
    });
    loop.runUntilIdle();
  }
  return { loop, log, waiter, wakeAndCancel };
}

describe('woken then cancelled, with tasks', () => {
  it('Lock: the lock goes to the next waiter', () => {
    const { loop, log, waiter, wakeAndCancel } = setup();
    const lock = new Lock({ loop });
    expect(lock.acquire().done()).toBe(true);
    const a = waiter('a', () => lock.acquire());
    const b = waiter('b', () => lock.acquire());
    loop.runUntilIdle();
    wakeAndCancel(() => lock.release(), a);
    expect(log).toEqual(['a: CancelledError', 'b: got true']);
    expect(a.cancelled()).toBe(true);
    expect(b.done()).toBe(true);
    expect(lock.locked()).toBe(true);
    expect(lock._waiters!.length).toBe(0);
  });

  it('Event: the cancelled waiter gets CancelledError, the others are woken', () => {
    const { loop, log, waiter, wakeAndCancel } = setup();
    const ev = new Event({ loop });
    const a = waiter('a', () => ev.wait());
    waiter('b', () => ev.wait());
    loop.runUntilIdle();
    wakeAndCancel(() => ev.set(), a);
    expect(log).toEqual(['a: CancelledError', 'b: got true']);
    expect(waiting(ev)).toBe(0);
  });

  it('Semaphore: the unit handed to the cancelled waiter goes to the next one', () => {
    const { loop, log, waiter, wakeAndCancel } = setup();
    const sem = new Semaphore(0, { loop });
    const a = waiter('a', () => sem.acquire());
    waiter('b', () => sem.acquire());
    waiter('c', () => sem.acquire());
    loop.runUntilIdle();
    wakeAndCancel(() => sem.release(), a);
    expect(log).toEqual(['a: CancelledError', 'b: got true']);
    expect(sem._value).toBe(0);
    sem.release();
    loop.runUntilIdle();
    expect(log).toEqual(['a: CancelledError', 'b: got true', 'c: got true']);
    expect(sem._waiters!.length).toBe(0);
  });

  it('BoundedSemaphore: the unit goes on, and the bound still holds afterwards', () => {
    const { loop, log, waiter, wakeAndCancel } = setup();
    const sem = new BoundedSemaphore(1, { loop });
    expect(sem.acquire().done()).toBe(true);
    const a = waiter('a', () => sem.acquire(), () => sem.release());
    waiter('b', () => sem.acquire(), () => sem.release());
    loop.runUntilIdle();
    wakeAndCancel(() => sem.release(), a);
    expect(log).toEqual(['a: CancelledError', 'b: got true']);
    expect(sem._value).toBe(1);
    expect(() => sem.release()).toThrow(RangeError);
  });

  it('Condition: the notification goes to the next waiter; the cancelled one re-acquired the lock before leaving', () => {
    const { loop, log, wakeAndCancel } = setup();
    const cond = new Condition(undefined, { loop });
    const tasks: Task<unknown>[] = [];
    for (const name of ['a', 'b']) {
      tasks.push(createTask(function* () {
        yield* cond.acquire();
        try {
          yield* cond.wait();
          log.push(`${name}: got notified`);
        } catch (e) {
          log.push(`${name}: ${(e as Error).name} (lock held: ${cond.locked()})`);
          throw e;
        } finally {
          cond.release();
        }
      }, { loop, name }));
    }
    loop.runUntilIdle();
    expect(cond._waiters.length).toBe(2);
    wakeAndCancel(() => {
      expect(cond.acquire().done()).toBe(true);
      cond.notify(1);
      cond.release();
    }, tasks[0]!);
    expect(log).toEqual(['a: CancelledError (lock held: true)', 'b: got notified']);
    expect(tasks[0]!.cancelled()).toBe(true);
    expect(cond._waiters).toEqual([]);
    expect(cond.locked()).toBe(false);
  });

  it('Barrier: a party woken then cancelled still drains; the barrier is ready for the next round', () => {
    const { loop, log, waiter, wakeAndCancel } = setup();
    const barrier = new Barrier(3, { loop });
    const a = waiter('a', () => barrier.wait());
    waiter('b', () => barrier.wait());
    loop.runUntilIdle();
    expect(barrier.nWaiting).toBe(2);
    let c: Future<number> | undefined;
    wakeAndCancel(() => { c = barrier.wait(); }, a);
    expect(c!.result()).toBe(2);
    expect(log.sort()).toEqual(['a: CancelledError', 'b: got 1']);
    expect(barrier.broken).toBe(false);
    expect(barrier.nWaiting).toBe(0);
    const round = [barrier.wait(), barrier.wait(), barrier.wait()];
    loop.runUntilIdle();
    expect(round.map((f) => f.result()).sort()).toEqual([0, 1, 2]);
  });

  it('Queue.get: the item stays at the front for the next getter; nothing lost, nothing duplicated', () => {
    const { loop, log, waiter, wakeAndCancel } = setup();
    const q = new Queue<string>(0, { loop });
    const a = waiter('a', () => q.get());
    waiter('b', () => q.get());
    waiter('c', () => q.get());
    loop.runUntilIdle();
    wakeAndCancel(() => q.putNowait('x'), a);
    expect(log).toEqual(['a: CancelledError', 'b: got x']);
    q.putNowait('y');
    loop.runUntilIdle();
    expect(log).toEqual(['a: CancelledError', 'b: got x', 'c: got y']);
    expect(q.qsize()).toBe(0);
    expect(q._getters.length).toBe(0);
  });

  it('Queue.put: the free slot goes to the next putter; the cancelled item is never put', () => {
    const { loop, log, waiter, wakeAndCancel } = setup();
    const q = new Queue<string>(1, { loop });
    q.putNowait('first');
    const a = waiter('a', () => q.put('a-item'));
    waiter('b', () => q.put('b-item'));
    loop.runUntilIdle();
    wakeAndCancel(() => expect(q.getNowait()).toBe('first'), a);
    expect(log).toEqual(['a: CancelledError', 'b: got undefined']);
    expect(q.qsize()).toBe(1);
    expect(q.getNowait()).toBe('b-item');
    expect(q._putters.length).toBe(0);
  });

  it('the cancelled task\'s error is the CancelledError with the cancel message', () => {
    const { loop, waiter } = setup();
    const lock = new Lock({ loop });
    lock.acquire();
    const a = waiter('a', () => lock.acquire());
    loop.runUntilIdle();
    loop.callSoon(() => {
      lock.release();
      a.cancel('go away');
    });
    loop.runUntilIdle();
    let err: unknown;
    try {
      a.result();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CancelledError);
    expect((err as Error).message).toBe('go away');
  });
});
