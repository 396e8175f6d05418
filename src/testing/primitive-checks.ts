import { BrokenBarrierError, CancelledError } from '../contract/errors.js';
import type { Loop } from '../contract/loop.js';
import { Future } from '../future/future.js';
import { Barrier } from '../primitives/barrier.js';
import { Condition } from '../primitives/condition.js';
import { Event } from '../primitives/event.js';
import { Lock } from '../primitives/lock.js';
import { Semaphore } from '../primitives/semaphore.js';
import { expectEqual, expectTrue, rejection, show, type CheckSpec } from './check-support.js';

/** Resolves after one loop callback: a scheduling point inside an async function. */
function nextTurn(loop: Loop): Future<void> {
  const f = new Future<void>({ loop });
  loop.callSoon(() => f.setResult());
  return f;
}

/**
 * With `held` unavailable, two waiters queue; a release wakes the first, which
 * is then cancelled: the second must get what the first was handed, once.
 */
async function wokenThenCancelled(
  held: { acquire(): Future<true>; release(): void; locked(): boolean },
  run: <T>(future: Future<T>) => Promise<T>,
): Promise<void> {
  const first = held.acquire();
  const second = held.acquire();
  held.release();
  first.cancel();
  await run(second);
  expectTrue(first.cancelled(), 'the cancelled waiter was not cancelled');
  expectTrue(held.locked(), 'granted twice or not at all: not held by the second waiter');
}

/** Future and the synchronization primitives on the loop under test. */
export const primitiveChecks: readonly CheckSpec[] = [
  {
    name: 'Future: done callbacks run through the loop, in registration order',
    async body({ future, run }) {
      const f = future<number>();
      const log: string[] = [];
      const a = (): void => { log.push('a'); };
      f.addDoneCallback(a);
      f.addDoneCallback(() => log.push('b'));
      f.addDoneCallback(a);
      f.addDoneCallback(() => log.push('c'));
      expectEqual(f.removeDoneCallback(a), 2, 'removeDoneCallback() count');
      f.setResult(7);
      expectEqual(log, [], 'callbacks run inside setResult()');
      const done = future<void>();
      f.addDoneCallback(() => { log.push('late'); done.setResult(); });
      expectEqual(log, [], 'a callback added to a done future ran inside addDoneCallback()');
      await run(done);
      expectEqual(log, ['b', 'c', 'late'], 'callbacks run');
    },
  },
  {
    name: 'Future: await gives the result, the exception, or CancelledError with its message',
    async body({ loop, future, runAsync }) {
      const ok = future<number>();
      const bad = future<number>();
      const gone = future<number>();
      const boom = new Error('boom');
      loop.callSoon(() => { ok.setResult(42); bad.setException(boom); gone.cancel('bye'); });
      // Each is awaited before it fails: a failure nobody listens to by the end of its turn is reported.
      const [v, e, c] = await runAsync(async () => {
        const failed = rejection(bad, 'await bad'), cancelled = rejection(gone, 'await gone');
        return [await ok, await failed, await cancelled];
      });
      expectEqual(v, 42, 'await ok');
      expectTrue(e === boom, `await bad threw ${show(e)}, not the error set`);
      expectTrue(c instanceof CancelledError && c.message === 'bye', `await gone threw ${show(c)}, not CancelledError("bye")`);
    },
  },
  {
    name: 'Event: set() wakes every waiter, clear() makes later waits block',
    async body({ loop, runAsync }) {
      const ev = new Event({ loop });
      const log: number[] = [];
      const waits = [0, 1, 2].map((i) => ev.wait().then(() => { log.push(i); }));
      expectEqual(log, [], 'waiters woke before set()');
      loop.callSoon(() => ev.set());
      await runAsync(() => Promise.all(waits));
      expectEqual(log, [0, 1, 2], 'waiters woken');
      expectTrue(ev.wait().done(), 'wait() on a set event is not done at once');
      ev.clear();
      const blocked = ev.wait();
      expectTrue(!ev.isSet() && !blocked.done(), 'wait() after clear() did not block');
      blocked.cancel();
    },
  },
  {
    name: 'Lock: FIFO hand-off, critical sections never overlap',
    async body({ loop, runAsync }) {
      const lock = new Lock({ loop });
      const log: string[] = [];
      const worker = async (i: number): Promise<void> => {
        await lock.acquire();
        try {
          log.push(`in${i}`);
          await nextTurn(loop);
          log.push(`out${i}`);
        } finally {
          lock.release();
        }
      };
      await runAsync(() => Promise.all([0, 1, 2].map(worker)));
      expectEqual(log, ['in0', 'out0', 'in1', 'out1', 'in2', 'out2'], 'critical sections');
      expectTrue(!lock.locked(), 'the lock is still held after every worker released it');
    },
  },
  {
    name: 'Lock: a waiter woken and then cancelled passes the lock on',
    async body({ loop, run }) {
      const lock = new Lock({ loop });
      expectTrue(lock.acquire().done(), 'acquire() of a free lock is not done at once');
      await wokenThenCancelled(lock, run);
    },
  },
  {
    name: 'Semaphore: at most `value` holders at once, admitted in FIFO order',
    async body({ loop, runAsync }) {
      const sem = new Semaphore(2, { loop });
      const entered: number[] = [];
      let inside = 0;
      let most = 0;
      const worker = async (i: number): Promise<void> => {
        await sem.acquire();
        entered.push(i);
        most = Math.max(most, ++inside);
        await nextTurn(loop);
        inside--;
        sem.release();
      };
      await runAsync(() => Promise.all([0, 1, 2, 3, 4].map(worker)));
      expectEqual(entered, [0, 1, 2, 3, 4], 'order of entry');
      expectEqual(most, 2, 'most holders at once');
      expectTrue(!sem.locked(), 'the semaphore is locked after every unit came back');
    },
  },
  {
    name: 'Semaphore: a waiter woken and then cancelled passes its unit on',
    async body({ loop, run }) {
      await wokenThenCancelled(new Semaphore(0, { loop }), run);
    },
  },
  {
    name: 'Condition: waitFor wakes on notifyAll once the predicate holds, with the lock held',
    async body({ loop, runAsync }) {
      const cond = new Condition(undefined, { loop });
      let stage = 0;
      const log: string[] = [];
      const waiter = async (i: number): Promise<void> => {
        await cond.acquire();
        try {
          await cond.waitFor(() => stage > i);
          log.push(`${i} woke at stage ${stage}${cond.locked() ? '' : ' without the lock'}`);
        } finally {
          cond.release();
        }
      };
      const notifier = async (): Promise<void> => {
        for (let k = 1; k <= 2; k++) {
          await nextTurn(loop);
          await cond.acquire();
          stage = k;
          cond.notifyAll();
          cond.release();
        }
      };
      await runAsync(() => Promise.all([waiter(1), waiter(0), notifier()]));
      expectEqual(log, ['0 woke at stage 1', '1 woke at stage 2'], 'wake-ups');
    },
  },
  {
    name: 'Barrier: the parties pass together, each with its own index; abort() breaks waiters',
    async body({ loop, runAsync }) {
      const barrier = new Barrier(3, { loop });
      const log: string[] = [];
      const party = async (i: number): Promise<number> => {
        for (let k = 0; k < i; k++) await nextTurn(loop);
        log.push(`arrive${i}`);
        const index = await barrier.wait();
        log.push(`leave${i}`);
        return index;
      };
      const indices = await runAsync(() => Promise.all([party(0), party(1), party(2)]));
      expectEqual([...indices].sort(), [0, 1, 2], 'indices');
      expectEqual(log.slice(0, 3), ['arrive0', 'arrive1', 'arrive2'], 'events before the last arrival');
      const pair = new Barrier(2, { loop });
      const broken = await runAsync(async () => {
        const waiting = rejection(pair.wait(), 'a wait on an aborted barrier');
        await pair.abort();
        return waiting;
      });
      expectTrue(broken instanceof BrokenBarrierError, `the waiter got ${show(broken)}, not BrokenBarrierError`);
      expectTrue(pair.broken, 'broken is false after abort()');
    },
  },
];
