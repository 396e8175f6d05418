import { describe, expect, it } from 'vitest';
import {
  Barrier, BoundedSemaphore, Condition, createTask, Future, gather, Lock, PriorityQueue, Queue, Semaphore,
  waitFor, type Coroutine, type Loop, type Task,
} from '../src/index.js';
import { NodeLoop } from '../src/node.js';
import { interval, XsLoop } from '../src/xs.js';
import { VirtualTimeLoop } from '../src/testing.js';
import { SimBoard } from '../src/sim/board.js';
import { timerFor } from '../src/sim/timer.js';
import { timeFor } from '../src/sim/time.js';

// Hostile or mistaken input gets a clear error where it was given, and
// never leaves a primitive, a task or a loop in a broken state.

/** Runs a task made of `body` to completion on a loop of `kind`, and gives its outcome. */
async function outcomeOn(kind: string, body: () => Coroutine<unknown>): Promise<unknown> {
  const describe = (t: Task<unknown>): unknown => (t.cancelled() ? 'cancelled' : t.exception() ?? t.result());
  if (kind === 'VirtualTimeLoop') {
    const loop = new VirtualTimeLoop();
    const t = createTask(body(), { loop });
    loop.runUntilIdle();
    return describe(t);
  }
  if (kind === 'NodeLoop') {
    const loop = new NodeLoop();
    const t = createTask(body(), { loop });
    await loop.runUntilComplete(t).catch(() => undefined);
    loop.close();
    return describe(t);
  }
  const board = new SimBoard();
  const loop = new XsLoop({ Timer: timerFor(board), Time: timeFor(board), trace: () => {} });
  const t = createTask(body(), { loop: loop as Loop });
  loop.runForever();
  board.advance(10);
  return t.done() ? describe(t) : 'pending';
}

const hostile: [string, () => unknown][] = [
  ['a thenable whose then throws', () => ({ then() { throw new Error('then threw'); } })],
  ['a thenable whose then getter throws', () => ({ get then(): never { throw new Error('getter threw'); } })],
  ['a revoked Proxy', () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    return proxy;
  }],
  ['an object whose Symbol.toStringTag throws', () => ({ get [Symbol.toStringTag](): never { throw new Error('tag threw'); } })],
];

describe('a coroutine that yields hostile values gets the error at its yield', () => {
  for (const kind of ['VirtualTimeLoop', 'NodeLoop', 'XsLoop']) {
    for (const [what, make] of hostile) {
      it(`${kind}: ${what}`, async () => {
        const outcome = await outcomeOn(kind, function* () {
          try {
            yield make() as Future<unknown>;
          } catch (e) {
            return `caught ${(e as Error).name}`;
          }
          return 'not thrown';
        });
        expect(outcome).toMatch(/^caught (Error|TypeError)$/);
      });
    }
  }
});

describe('abort reasons that cannot be made a string', () => {
  it('an abort with Object.create(null) as the reason cancels the wait; the reason stays the signal\'s', () => {
    const loop = new VirtualTimeLoop();
    const q = new Queue<number>(0, { loop });
    const ac = new AbortController();
    const got = q.get({ signal: ac.signal });
    const reason = Object.create(null) as object;
    ac.abort(reason);
    loop.runUntilIdle();
    expect(got.cancelled()).toBe(true);
    expect(ac.signal.reason).toBe(reason);
    q.putNowait(1);
    expect(q.qsize()).toBe(1);
  });
});

describe('a wait whose set-up fails leaves nothing behind', () => {
  const throwingSignal = { aborted: false, addEventListener(): never { throw new Error('no listeners here'); } };

  it('waitFor(q.get(), NaN) throws and the get takes no item', () => {
    const loop = new VirtualTimeLoop();
    const q = new Queue<number>(0, { loop });
    expect(() => waitFor(q.get(), NaN)).toThrow(TypeError);
    expect(() => waitFor(q.get(), 10, { signal: 'nope' as never })).toThrow(TypeError);
    q.putNowait(1);
    loop.runUntilIdle();
    expect(q.qsize()).toBe(1);
    expect(q._getters.length).toBe(0);
  });

  it('a signal whose addEventListener throws: the get throws and the next item stays for the next getter', () => {
    const loop = new VirtualTimeLoop();
    const q = new Queue<number>(0, { loop });
    expect(() => q.get({ signal: throwingSignal })).toThrow('no listeners here');
    const next = q.get();
    q.putNowait(1);
    loop.runUntilIdle();
    expect(next.result()).toBe(1);
  });

  it('a signal whose addEventListener throws: a lock waiter never holds the lock', () => {
    const loop = new VirtualTimeLoop();
    const lock = new Lock({ loop });
    lock.acquire();
    expect(() => lock.acquire({ signal: throwingSignal })).toThrow('no listeners here');
    lock.release();
    loop.runUntilIdle();
    expect(lock.locked()).toBe(false);
    expect(lock.acquire().done()).toBe(true);
  });
});

describe('misuse refused at the call', () => {
  it('a generator object given to a second task is refused', () => {
    const loop = new VirtualTimeLoop();
    const lock = new Lock({ loop });
    const coro = (function* () {
      yield* lock.acquire();
      lock.release();
    })();
    createTask(coro, { loop });
    expect(() => createTask(coro, { loop })).toThrow(TypeError);
    loop.runUntilIdle();
    expect(lock.locked()).toBe(false);
  });

  it('q.get(signal) instead of q.get({ signal }) is a TypeError', () => {
    const loop = new VirtualTimeLoop();
    const q = new Queue<number>(0, { loop });
    expect(() => q.get(new AbortController().signal as never)).toThrow(TypeError);
    expect(() => new Lock({ loop }).acquire(new AbortController().signal as never)).toThrow(TypeError);
    expect(q._getters.length).toBe(0);
  });

  it('new Future(null) and new Future(\'x\') are TypeErrors', () => {
    expect(() => new Future(null as never)).toThrow(TypeError);
    expect(() => new Future('x' as never)).toThrow(TypeError);
  });

  it('counts above Number.MAX_SAFE_INTEGER are RangeErrors', () => {
    const loop = new VirtualTimeLoop();
    expect(() => new BoundedSemaphore(2 ** 60, { loop })).toThrow(RangeError);
    expect(() => new Semaphore(Number.MAX_SAFE_INTEGER + 1, { loop })).toThrow(RangeError);
    expect(() => new Queue(2 ** 60, { loop })).toThrow(RangeError);
    expect(() => new Barrier(2 ** 60, { loop })).toThrow(RangeError);
    expect(new Semaphore(Number.MAX_SAFE_INTEGER, { loop }).locked()).toBe(false);
  });

  it('setResult on a closed NodeLoop throws and leaves the future pending', () => {
    const loop = new NodeLoop();
    const fut = new Future<number>({ loop });
    fut.addDoneCallback(() => {});
    loop.close();
    expect(() => fut.setResult(1)).toThrow(/closed/);
    expect(fut.done()).toBe(false);
    expect(() => fut.setException(new Error('x'))).toThrow(/closed/);
    expect(fut.done()).toBe(false);
  });
});

describe('nothing stalls a later waiter', () => {
  it('a PriorityQueue putter whose item cannot be compared passes its wake-up on', () => {
    const loop = new VirtualTimeLoop();
    const q = new PriorityQueue<unknown>(2, undefined, { loop });
    q.putNowait(1);
    q.putNowait(5);
    const bad = q.put({});
    const good = q.put(3);
    loop.runUntilIdle();
    expect(q.getNowait()).toBe(1);
    loop.runUntilIdle();
    expect(bad.exception()).toBeInstanceOf(TypeError);
    expect(good.done() && good.exception()).toBe(null);
    expect([q.getNowait(), q.getNowait()]).toEqual([3, 5]);
  });

  it('cancelling a cycle of tasks awaiting each other ends both, without overflowing the stack', () => {
    const loop = new VirtualTimeLoop();
    const tasks: Task<unknown>[] = [];
    tasks.push(createTask(function* () { yield* tasks[1]!; }, { loop }));
    tasks.push(createTask(function* () { yield* tasks[0]!; }, { loop }));
    loop.runUntilIdle();
    expect(tasks[0]!.cancel()).toBe(true);
    loop.runUntilIdle();
    expect(tasks.map((t) => t.cancelled())).toEqual([true, true]);
  });

  it('cancelling a task that gathers itself ends it, without overflowing the stack', () => {
    const loop = new VirtualTimeLoop();
    const self: Task<unknown>[] = [];
    self.push(createTask(function* () { yield* gather([self[0]!]); }, { loop }));
    loop.runUntilIdle();
    expect(self[0]!.cancel()).toBe(true);
    loop.runUntilIdle();
    expect(self[0]!.cancelled()).toBe(true);
  });

  it('interval() never gives a second consumer a tick before its deadline', () => {
    const loop = new VirtualTimeLoop();
    const ticker = interval(100, { loop });
    const seen: string[] = [];
    const first = ticker.tick();
    // In the turn where the deadline at 100 wakes the first consumer, before it takes the tick, a second one asks.
    loop.callAt(100, () => {
      const second = ticker.tick();
      second.addDoneCallback(() => seen.push(`${second.result().time} at ${loop.time()}`));
    });
    loop.advance(199);
    expect(seen).toEqual([]);
    loop.advance(1);
    expect(seen).toEqual(['200 at 200']);
    expect(first.result().time).toBe(100);
  });
});

describe('a condition wait with a signal whose addEventListener throws', () => {
  it('throws before releasing the lock: the caller still holds it, and no wait re-acquires it later', () => {
    const loop = new VirtualTimeLoop();
    const cond = new Condition(undefined, { loop });
    cond.acquire();
    const signal = { aborted: false, addEventListener(): never { throw new Error('no listeners here'); } };
    expect(() => cond.wait({ signal })).toThrow('no listeners here');
    expect(cond.locked()).toBe(true);
    cond.release();
    loop.runUntilIdle();
    expect(cond.locked()).toBe(false);
  });
});
