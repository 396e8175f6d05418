import { afterEach, describe, expect, it } from 'vitest';
import { CancelledError, Condition, createTask, Lock, Semaphore, setEventLoop, sleep } from '../src/index.js';
import { VirtualTimeLoop } from '../src/testing.js';

afterEach(() => setEventLoop(null));

// Turn-by-turn behaviour against CPython: hold.cpython.test.ts. Here: async
// functions, signals, bad input, and a runtime without Symbol.dispose (XS).
describe('hold() and holding()', () => {
  it('using _ = await lock.hold() in async functions releases on return, on a throw and on an abort', async () => {
    const loop = new VirtualTimeLoop();
    setEventLoop(loop);
    const lock = new Lock();
    const log: string[] = [];
    const worker = async (name: string, fail: boolean, signal?: AbortSignal): Promise<void> => {
      using _held = await lock.hold({ signal });
      log.push(`${name} holds at ${loop.time()}`);
      await sleep(10, undefined, { signal });
      if (fail) throw new Error(name);
    };
    const ac = new AbortController();
    loop.callLater(15, () => ac.abort());
    const results = await loop.runUntilCompleteAsync(Promise.allSettled([
      worker('a', true), worker('b', false, ac.signal), worker('c', false),
    ]));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(CancelledError);
    expect(log).toEqual(['a holds at 0', 'b holds at 10', 'c holds at 15']);
    expect(lock.locked()).toBe(false);
  });

  it('await using works too; release() is idempotent, so an explicit release and the dispose do not release twice', async () => {
    const loop = new VirtualTimeLoop();
    setEventLoop(loop);
    const sem = new Semaphore(1);
    const run = async (): Promise<void> => {
      await using held = await sem.hold();
      expect(held.primitive).toBe(sem);
      held.release();
      expect(held.primitive).toBe(null);
      expect(`${sem}`).toBe('<Semaphore [unlocked, value:1]>');
    };
    await loop.runUntilCompleteAsync(run());
    expect(`${sem}`).toBe('<Semaphore [unlocked, value:1]>');
  });

  it('an already-aborted signal gives a cancelled hold and takes nothing', () => {
    const loop = new VirtualTimeLoop();
    const cond = new Condition(undefined, { loop });
    const h = cond.hold({ signal: AbortSignal.abort('no') });
    expect(h.cancelled()).toBe(true);
    expect(cond.locked()).toBe(false);
  });

  it('cancelling a hold that waits cancels its acquire: the lock goes to the next waiter', () => {
    const loop = new VirtualTimeLoop();
    const lock = new Lock({ loop });
    lock.acquire();
    const first = lock.hold();
    const second = lock.hold();
    first.cancel();
    lock.release();
    loop.runUntilIdle();
    expect(first.cancelled()).toBe(true);
    expect(second.result().primitive).toBe(lock);
    expect(`${lock}`).toBe('<Lock [locked]>');
  });

  it('holding() needs a function', () => {
    const lock = new Lock({ loop: new VirtualTimeLoop() });
    expect(() => lock.holding(42 as never)).toThrow(TypeError);
  });

  it('holding() with a body that returns no coroutine fails in the task with its own message, and releases', () => {
    const loop = new VirtualTimeLoop();
    const lock = new Lock({ loop });
    const task = createTask(function* () { return yield* lock.holding((() => 5) as never); }(), { loop });
    expect(() => loop.runUntilComplete(task)).toThrow('holding() needs a generator function as its body');
    expect(lock.locked()).toBe(false);
  });
});
