import { afterEach, describe, expect, it } from 'vitest';
import {
  CancelledError, Lock, Queue, TaskGroup, TimeoutError, createTask, gather, run, setEventLoop, sleep, timeout, waitFor,
  type AbortSignalLike, type Coroutine,
} from '../src/index.js';
import { VirtualTimeLoop } from '../src/testing.js';

// The examples of the README's tasks sections (Tasks, Timeouts, TaskGroup, producer/consumer), run on VirtualTimeLoop.

afterEach(() => setEventLoop(null));

describe('README: tasks', () => {
  it('a coroutine task: the cancelled waiter never gets the lock, the holder\'s finally runs', () => {
    const loop = new VirtualTimeLoop();
    setEventLoop(loop);
    const out: unknown[] = [];
    const lock = new Lock();
    function* worker(name: string) {
      yield* lock.acquire();
      try {
        out.push(`${name} has the lock`);
        yield* sleep(100);
      } finally {
        lock.release();
      }
    }
    run(function* () {
      const a = createTask(worker('a'));
      const b = createTask(worker('b'), { name: 'b' });
      yield* sleep(50);
      b.cancel('not needed');
      yield* a;
      try {
        yield* b;
      } catch (e) {
        out.push([e instanceof CancelledError, (e as Error).message]);
      }
    });
    expect(out).toEqual(['a has the lock', [true, 'not needed']]);
    expect(lock.locked()).toBe(false);
  });

  it('a timeout: the item or null, and a timed-out get leaves the item in the queue', () => {
    const loop = new VirtualTimeLoop();
    setEventLoop(loop);
    function* firstItemOrNull(queue: Queue<string>) {
      try {
        return yield* timeout(100, function* (t) {
          const item = yield* queue.get();
          t.rescheduleIn(50);
          yield* sleep(20);
          return item;
        });
      } catch (e) {
        if (e instanceof TimeoutError) return null;
        throw e;
      }
    }
    const q = new Queue<string>();
    expect(run(firstItemOrNull(q))).toBeNull();
    expect(loop.time()).toBe(100);
    loop.callLater(90, () => q.putNowait('late but in time'));
    expect(run(firstItemOrNull(q))).toBe('late but in time');
    expect(loop.time()).toBe(210);
  });

  it('a timeout from async functions, and waitFor', async () => {
    const loop = new VirtualTimeLoop();
    setEventLoop(loop);
    const queue = new Queue<string>();
    loop.callLater(30, () => queue.putNowait('one'));
    const item = await loop.runUntilCompleteAsync(timeout(100, async (_t, signal) => queue.get({ signal })));
    expect(item).toBe('one');
    loop.callLater(30, () => queue.putNowait('two'));
    expect(await loop.runUntilCompleteAsync(waitFor(queue.get(), 100))).toBe('two');
  });

  it('a TaskGroup: all results, or an AggregateError', () => {
    const loop = new VirtualTimeLoop();
    setEventLoop(loop);
    function* fetchAll(urls: string[]) {
      const results: string[] = [];
      yield* TaskGroup.run(function* (tg) {
        urls.forEach((url, i) => tg.createTask(function* () {
          yield* sleep(10 * (i + 1));
          if (url === '') throw new TypeError('empty url');
          results[i] = `page of ${url}`;
        }));
      });
      return results;
    }
    expect(run(fetchAll(['a', 'b']))).toEqual(['page of a', 'page of b']);
    let err: unknown;
    try {
      run(fetchAll(['a', '', 'c']));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AggregateError);
    expect((err as AggregateError).errors.map((e: Error) => e.message)).toEqual(['empty url']);
  });
});

describe('README: the same producer/consumer, two ways', () => {
  const expected = ['a got 0', 'b got 1', 'a got 2', 'b got 3', 'a got 4', 'b got 5'];

  it('with generator coroutines', () => {
    const loop = new VirtualTimeLoop();
    setEventLoop(loop);
    function* producer(q: Queue<number>): Coroutine<void> {
      for (let i = 0; i < 6; i++) {
        yield* q.put(i);
        yield* sleep(10);
      }
    }
    function* consumer(name: string, q: Queue<number>, log: string[]): Coroutine<void> {
      for (;;) {
        const item = yield* q.get();
        try {
          log.push(`${name} got ${item}`);
          yield* sleep(25);
        } finally {
          q.taskDone();
        }
      }
    }
    let consumers: ReturnType<typeof createTask<void>>[] = [];
    function* main(): Coroutine<string[]> {
      const q = new Queue<number>(2);
      const log: string[] = [];
      consumers = [createTask(consumer('a', q, log)), createTask(consumer('b', q, log))];
      yield* producer(q);
      yield* q.join();
      for (const c of consumers) c.cancel();
      yield* gather(consumers, { returnExceptions: true });
      return log;
    }
    const log = run(main);
    expect(log).toEqual(expected);
    expect(consumers.every((c) => c.cancelled())).toBe(true);
    expect(loop._timers.size).toBe(0);
  });

  it('with async functions (their cancellation: the signal)', async () => {
    const loop = new VirtualTimeLoop();
    setEventLoop(loop);
    async function producer(q: Queue<number>): Promise<void> {
      for (let i = 0; i < 6; i++) {
        await q.put(i);
        await sleep(10);
      }
    }
    async function consumer(name: string, q: Queue<number>, log: string[], signal: AbortSignalLike): Promise<void> {
      for (;;) {
        const item = await q.get({ signal });
        try {
          log.push(`${name} got ${item}`);
          await sleep(25, undefined, { signal });
        } finally {
          q.taskDone();
        }
      }
    }
    let consumers: ReturnType<typeof createTask<void>>[] = [];
    let queue: Queue<number> | undefined;
    async function main(): Promise<string[]> {
      const q = queue = new Queue<number>(2);
      const log: string[] = [];
      consumers = [
        createTask((signal) => consumer('a', q, log, signal)),
        createTask((signal) => consumer('b', q, log, signal)),
      ];
      await producer(q);
      await q.join();
      for (const c of consumers) c.cancel();
      await gather(consumers, { returnExceptions: true });
      return log;
    }
    const log = await loop.runUntilCompleteAsync(createTask(main));
    expect(log).toEqual(expected);
    expect(consumers.every((c) => c.cancelled())).toBe(true);
    expect(queue!._getters.length).toBe(0);
    expect(loop._timers.size).toBe(0);
  });
});
