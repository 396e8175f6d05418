import { afterEach, describe, expect, it } from 'vitest';
import { Future, asCompleted, createTask, setEventLoop, sleep, wait } from '../src/index.js';
import { VirtualTimeLoop } from '../src/testing.js';

afterEach(() => setEventLoop(null));

// Turn-by-turn behaviour: wait.cpython.test.ts. Here: bad input, and use from async functions.
describe('wait', () => {
  it('rejects bad input at once: nothing to wait on, a coroutine, a Future for the list, bad returnWhen or timeout', () => {
    const loop = new VirtualTimeLoop();
    setEventLoop(loop);
    const f = new Future<number>();
    expect(() => wait([])).toThrow(RangeError);
    expect(() => wait([(function* () { return 1; })()] as never)).toThrow('passing coroutines is forbidden');
    expect(() => wait(f as never)).toThrow(TypeError);
    expect(() => wait(42 as never)).toThrow(TypeError);
    expect(() => wait([f], { returnWhen: 'FIRST' as never })).toThrow(RangeError);
    expect(() => wait([f], { timeout: NaN })).toThrow(TypeError);
    expect(() => wait([f], 'x' as never)).toThrow(TypeError);
  });

  it('await wait(...) from an async function; PromiseLikes are wrapped in the Futures the sets hold', async () => {
    const loop = new VirtualTimeLoop();
    setEventLoop(loop);
    const slow = sleep(50, 'slow');
    const [done, pending] = await loop.runUntilCompleteAsync((async () =>
      wait([slow, Promise.resolve('now')], { returnWhen: 'FIRST_COMPLETED' }))());
    expect([...done].map((d) => d.result())).toEqual(['now']);
    expect(pending.size === 1 && pending.has(slow)).toBe(true);
  });
});

describe('asCompleted', () => {
  it('rejects bad input at once; an empty list gives no waits', () => {
    const loop = new VirtualTimeLoop();
    setEventLoop(loop);
    expect(() => asCompleted(new Future() as never)).toThrow(TypeError);
    expect(() => asCompleted([(function* () { return 1; })()] as never)).toThrow(TypeError);
    expect(() => asCompleted([], { timeout: 'soon' as never })).toThrow(TypeError);
    expect([...asCompleted([])]).toEqual([]);
  });

  it('from an async function: await each step, results in completion order', async () => {
    const loop = new VirtualTimeLoop();
    setEventLoop(loop);
    const got: unknown[] = [];
    const main = async (): Promise<void> => {
      for (const next of asCompleted([sleep(30, 'a'), sleep(10, 'b'), createTask(function* () { yield* sleep(20); return 'c'; }())])) {
        got.push([await next, loop.time()]);
      }
    };
    await loop.runUntilCompleteAsync(main());
    expect(got).toEqual([['b', 10], ['c', 20], ['a', 30]]);
  });
});
