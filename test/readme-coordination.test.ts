import { afterEach, describe, expect, it } from 'vitest';
import { Lock, asCompleted, createTask, run, setEventLoop, sleep, wait } from '../src/index.js';
import { VirtualTimeLoop } from '../src/testing.js';

// The examples of the README's "Waiting on several" and "Holding a lock for a block", run on VirtualTimeLoop.

afterEach(() => setEventLoop(null));

describe('README: wait, asCompleted, holding a lock', () => {
  it('wait for the first, then the rest in completion order', () => {
    const loop = new VirtualTimeLoop();
    setEventLoop(loop);
    function* fetchAll() {
      const tasks = [300, 100, 200].map((ms) => createTask(function* () { yield* sleep(ms); return ms; }()));
      const [done, pending] = yield* wait(tasks, { returnWhen: 'FIRST_COMPLETED' });
      const inOrder: number[] = [];
      for (const next of asCompleted(pending)) inOrder.push(yield* next);
      return [done.size, inOrder];
    }
    expect(run(fetchAll())).toEqual([1, [200, 300]]);
  });

  it('holding() in a coroutine and using _held = await lock.hold() in an async function', async () => {
    const loop = new VirtualTimeLoop();
    setEventLoop(loop);
    const lock = new Lock();
    function* transfer() {
      return yield* lock.holding(function* () {
        yield* sleep(10);
        return 'moved';
      });
    }
    async function report() {
      using _held = await lock.hold();
      await sleep(10);
    }
    const t = createTask(transfer());
    const r = report();
    expect(await loop.runUntilCompleteAsync(t)).toBe('moved');
    await loop.runUntilCompleteAsync(r);
    expect(loop.time()).toBe(20);
    expect(lock.locked()).toBe(false);
  });
});
