import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { allTasks, CancelledError, createTask, run, setEventLoop, sleep, type Loop, type RunnableLoop } from '../src/index.js';
import { NodeLoop } from '../src/node.js';
import { VirtualTimeLoop } from '../src/testing.js';

afterEach(() => setEventLoop(null));

describe('run', () => {
  it('runs main as a task on a synchronous loop and returns its result', () => {
    const loop = new VirtualTimeLoop();
    const v = run(function* () {
      yield* sleep(10);
      return loop.time();
    }, { loop });
    expect(v).toBe(10);
  });

  it('uses the default loop, and takes a coroutine object too', () => {
    const loop = new VirtualTimeLoop();
    setEventLoop(loop);
    expect(run((function* () { yield* sleep(1); return 'coro'; })())).toBe('coro');
  });

  it('cancels the tasks still pending when main is done, and reports their errors', () => {
    const loop = new VirtualTimeLoop();
    const reports: { message: string; exception?: unknown }[] = [];
    loop.setExceptionHandler((_l, ctx) => reports.push(ctx));
    const log: string[] = [];
    const v = run(function* () {
      createTask(function* () {
        try {
          yield* sleep(1000);
        } finally {
          log.push('left-over cleaned up');
        }
      });
      createTask(function* () {
        try {
          yield* sleep(1000);
        } catch {
          throw new RangeError('failed while cancelled');
        }
      });
      yield* sleep(1);
      return 'main';
    }, { loop });
    expect(v).toBe('main');
    expect(log).toEqual(['left-over cleaned up']);
    expect(reports.map((r) => r.message)).toEqual(['unhandled exception during run() shutdown']);
    expect(reports[0]!.exception).toBeInstanceOf(RangeError);
    expect(loop._timers.size).toBe(0);
  });

  it('throws main\'s error, after the clean-up', () => {
    const loop = new VirtualTimeLoop();
    let cleaned = false;
    expect(() => run(function* () {
      createTask(function* () {
        try {
          yield* sleep(1000);
        } finally {
          cleaned = true;
        }
      });
      yield* sleep(1);
      throw new RangeError('main failed');
    }, { loop })).toThrow('main failed');
    expect(cleaned).toBe(true);
  });

  it('needs a loop with runUntilComplete, and refuses to run inside a task', () => {
    const inner = new VirtualTimeLoop();
    const bare: Loop = {
      callSoon: (cb, ...args) => inner.callSoon(cb, ...args),
      callExceptionHandler: () => {},
      getDebug: () => false,
    };
    expect(() => run(function* () {}, { loop: bare as never })).toThrow(/runUntilComplete/);
    const loop = new VirtualTimeLoop();
    const outer = createTask(function* () {
      run(function* () {}, { loop });
    }, { loop });
    expect(() => loop.runUntilComplete(outer)).toThrow(/running task/);
  });

  it('is typed by the loop it is given: T on VirtualTimeLoop, Promise<T> on NodeLoop, either on the default loop', async () => {
    const virtual = new VirtualTimeLoop();
    const words = run(function* () { yield* sleep(1); return ['a', 'b']; }, { loop: virtual });
    expectTypeOf(words).toEqualTypeOf<string[]>();
    expect(words.length).toBe(2);
    const node = new NodeLoop();
    try {
      const later = run(function* () { yield* sleep(0); return ['c']; }, { loop: node });
      expectTypeOf(later).toEqualTypeOf<Promise<string[]>>();
      expect((await later).length).toBe(1);
    } finally {
      node.close();
    }
    const some: RunnableLoop = new VirtualTimeLoop();
    expectTypeOf(run(function* () { return 1; }, { loop: some })).toEqualTypeOf<number | Promise<number>>();
    setEventLoop(new VirtualTimeLoop());
    expectTypeOf(run(function* () { return 1; })).toEqualTypeOf<number | Promise<number>>();
  });

  it('with an async main on VirtualTimeLoop, fails pointing at runUntilCompleteAsync, and cleans up', async () => {
    const loop = new VirtualTimeLoop();
    let error: unknown;
    try {
      run(async () => { await Promise.resolve(); return 1; }, { loop });
    } catch (e) {
      error = e;
    }
    expect((error as Error).message).toMatch(/an async main needs promise jobs.*runUntilCompleteAsync\(createTask\(main, \{ loop \}\)\)/);
    const left = [...allTasks(loop)];
    expect(left.map((t) => t.cancelling())).toEqual([1]);
    expect(await loop.runUntilCompleteAsync(createTask(async () => { await Promise.resolve(); return 2; }, { loop }))).toBe(2);
    expect(left[0]!.done()).toBe(true);
  });

  it('returns a Promise on a loop whose runUntilComplete is asynchronous (NodeLoop), with an async main', async () => {
    const loop = new NodeLoop();
    try {
      const log: string[] = [];
      const out = run(async () => {
        createTask(function* () {
          try {
            yield* sleep(60_000);
          } catch (e) {
            log.push((e as Error).name);
            throw e;
          }
        });
        await sleep(0);
        return 'async main';
      }, { loop });
      expect(out).toBeInstanceOf(Promise);
      expect(await out).toBe('async main');
      expect(log).toEqual([CancelledError.name]);
      expect(loop._timers.size).toBe(0);
    } finally {
      loop.close();
    }
  });
});
