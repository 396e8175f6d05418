import { afterEach, describe, expect, it } from 'vitest';
import {
  Barrier, CancelledError, Condition, Event, Lock, Queue, Semaphore, createTask, ensureFuture, gather,
  setEventLoop, sleep, waitFor, type Future,
} from '../src/index.js';
import { VirtualTimeLoop } from '../src/testing.js';

afterEach(() => setEventLoop(null));

function setup() {
  const loop = new VirtualTimeLoop();
  setEventLoop(loop);
  return loop;
}

describe('async functions with the tasks layer', () => {
  it('await task, await sleep(10), await waitFor(queue.get(), 100)', async () => {
    const loop = setup();
    const q = new Queue<string>();
    const task = createTask(function* () { yield* sleep(5); return 'from a task'; });
    loop.callLater(50, () => q.putNowait('item'));
    const p = (async () => {
      const a = await task;
      await sleep(10);
      const b = await waitFor(q.get(), 100);
      let c = 'no timeout';
      try {
        await waitFor(q.get(), 100);
      } catch (e) {
        c = `${(e as Error).name}@${loop.time()}`;
      }
      return [a, b, c];
    })();
    expect(await loop.runUntilCompleteAsync(p)).toEqual(['from a task', 'item', 'TimeoutError@150']);
    expect(q._getters.length).toBe(0);
  });

  it('gather and ensureFuture take promises and async functions\' results', async () => {
    const loop = setup();
    const r = await loop.runUntilCompleteAsync(gather([
      (async () => { await sleep(2); return 'async'; })(),
      ensureFuture(Promise.resolve('promise')),
      createTask(async () => 'task'),
    ]));
    expect(r).toEqual(['async', 'promise', 'task']);
  });

  it('a rejection with CancelledError from a wrapped promise cancels the wrapping future', async () => {
    const loop = setup();
    const f = ensureFuture(Promise.reject(new CancelledError('from a promise')));
    await loop.runUntilCompleteAsync(Promise.allSettled([f]));
    expect(f.cancelled()).toBe(true);
  });
});

describe('{ signal } on every primitive wait: an abort cancels just that wait', () => {
  /** Two waits on the same primitive from async functions; the first is aborted, the second goes on. */
  async function abortOne<T>(
    loop: VirtualTimeLoop, start: (signal?: AbortController['signal']) => Future<T>, release: () => void,
  ): Promise<string[]> {
    const ac = new AbortController();
    const outcome = async (name: string, f: Future<T>): Promise<string> => {
      try {
        await f;
        return `${name}: done`;
      } catch (e) {
        return `${name}: ${(e as Error).name}`;
      }
    };
    const first = outcome('first', start(ac.signal));
    const second = outcome('second', start());
    loop.runUntilIdle();
    ac.abort();
    loop.runUntilIdle();
    release();
    return loop.runUntilCompleteAsync(Promise.all([first, second]));
  }

  it('each primitive', async () => {
    const cases: [string, () => { start: (s?: AbortController['signal']) => Future<unknown>; release: () => void }][] = [
      ['Event', () => { const ev = new Event(); return { start: (signal) => ev.wait({ signal }), release: () => ev.set() }; }],
      ['Lock', () => {
        const lock = new Lock();
        lock.acquire();
        return { start: (signal) => lock.acquire({ signal }), release: () => lock.release() };
      }],
      ['Semaphore', () => { const s = new Semaphore(0); return { start: (signal) => s.acquire({ signal }), release: () => s.release() }; }],
      ['Condition', () => {
        const c = new Condition();
        return {
          start: (signal) => {
            const f = c.acquire();
            return createTask(function* () {
              yield* f;
              try {
                return yield* c.wait({ signal });
              } finally {
                c.release();
              }
            });
          },
          release: () => { createTask(function* () { yield* c.acquire(); c.notifyAll(); c.release(); }); },
        };
      }],
      ['Barrier', () => { const b = new Barrier(3); return { start: (signal) => b.wait({ signal }), release: () => { b.wait(); b.wait(); } }; }],
      ['Queue.get', () => { const q = new Queue<number>(); return { start: (signal) => q.get({ signal }), release: () => q.putNowait(1) }; }],
      ['Queue.put', () => {
        const q = new Queue<number>(1);
        q.putNowait(0);
        return { start: (signal) => q.put(1, { signal }), release: () => { q.getNowait(); } };
      }],
      ['sleep', () => { let n = 0; return { start: (signal) => sleep(10 + n++, undefined, { signal }), release: () => {} }; }],
      ['waitFor', () => { const ev = new Event(); return { start: (signal) => createTask(waitFor(ev.wait(), null, { signal })), release: () => ev.set() }; }],
    ];
    for (const [name, make] of cases) {
      const loop = setup();
      const { start, release } = make();
      const out = await abortOne(loop, start, release);
      expect([name, ...out]).toEqual([name, 'first: CancelledError', 'second: done']);
    }
  });

  it('an abort does not turn into TimeoutError inside waitFor', async () => {
    const loop = setup();
    const ac = new AbortController();
    const q = new Queue<number>();
    const p = waitFor(q.get({ signal: ac.signal }), 100);
    loop.callLater(10, () => ac.abort());
    await expect(loop.runUntilCompleteAsync(p)).rejects.toBeInstanceOf(CancelledError);
  });
});
