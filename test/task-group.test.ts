import { afterEach, describe, expect, it } from 'vitest';
import {
  CancelledError, Event, TaskGroup, createTask, currentTask, setEventLoop, sleep, type AbortSignalLike, type Coroutine, type Task,
} from '../src/index.js';
import { VirtualTimeLoop } from '../src/testing.js';
import { expectTypeErrorForNonSignals } from './support/signals.js';
import { workers, waiting } from './support/tasks.js';

afterEach(() => setEventLoop(null));

const setup = workers;

function errorsOf(e: unknown): string[] {
  expect(e).toBeInstanceOf(AggregateError);
  return (e as AggregateError).errors.map((x: Error) => `${x.name}:${x.message}`);
}

describe('TaskGroup', () => {
  // asyncio: n done at 1, m done at 2; the body's result comes out after both.
  it('ends when the body and every child have finished; gives the body\'s value', () => {
    const { loop, log, worker } = setup();
    const task = createTask(function* () {
      let a: Task<string> | undefined;
      let b: Task<string> | undefined;
      const v = yield* TaskGroup.run(function* (tg) {
        a = tg.createTask(worker('m', 2));
        b = tg.createTask(worker('n', 1), { name: 'child-n' });
        return 'body';
      });
      return [v, a!.result(), b!.getName(), loop.time()];
    }, { loop });
    expect(loop.runUntilComplete(task)).toEqual(['body', 'm', 'child-n', 2]);
    expect(log).toEqual([['done', 'n', 1], ['done', 'm', 2]]);
  });

  // asyncio: c cancelled at 2, the body cancelled at 2, group ['a', 'b'], cancelling() 0 after.
  it('several failures: the first cancels the siblings and the body once; all errors come out together', () => {
    const { loop, log, worker } = setup();
    const task = createTask(function* () {
      try {
        yield* TaskGroup.run(function* (tg) {
          tg.createTask(worker('a', 2, true));
          tg.createTask(worker('b', 2, true));
          tg.createTask(worker('c', 5));
          try {
            yield* sleep(10);
          } catch (e) {
            log.push(['body cancelled', loop.time()]);
            throw e;
          }
        });
      } catch (e) {
        log.push(['group', errorsOf(e), loop.time()]);
      }
      log.push(['cancelling', currentTask()!.cancelling()]);
    }, { loop });
    loop.runUntilComplete(task);
    expect(log).toEqual([
      ['cancelled', 'c', 2],
      ['body cancelled', 2],
      ['group', ['RangeError:a', 'RangeError:b'], 2],
      ['cancelling', 0],
    ]);
    expect(loop._timers.size).toBe(0);
  });

  // asyncio: x and y cancelled at once; the group holds only the body's error.
  it('an error in the body cancels the children and comes out in the AggregateError', () => {
    const { loop, log, worker } = setup();
    const task = createTask(function* () {
      try {
        yield* TaskGroup.run(function* (tg) {
          tg.createTask(worker('x', 5));
          tg.createTask(worker('y', 1, true));
          yield* sleep(0.5);
          throw new TypeError('body');
        });
      } catch (e) {
        log.push(['group', errorsOf(e), loop.time()]);
      }
    }, { loop });
    loop.runUntilComplete(task);
    expect(log).toEqual([['cancelled', 'x', 0.5], ['cancelled', 'y', 0.5], ['group', ['TypeError:body'], 0.5]]);
  });

  // asyncio: children cancelled, CancelledError propagates with cancelling() 1.
  it('an outside cancel of the parent cancels the children and propagates CancelledError', () => {
    const { loop, log, worker } = setup();
    const task = createTask(function* () {
      try {
        yield* TaskGroup.run(function* (tg) {
          tg.createTask(worker('p', 5));
          tg.createTask(worker('q', 6));
          yield* sleep(10);
        });
      } catch (e) {
        log.push([(e as Error).name, currentTask()!.cancelling(), loop.time()]);
        throw e;
      }
    }, { loop });
    loop.advance(1);
    task.cancel();
    expect(() => loop.runUntilComplete(task)).toThrow(CancelledError);
    expect(log).toEqual([['cancelled', 'p', 1], ['cancelled', 'q', 1], ['CancelledError', 1, 1]]);
  });

  // asyncio 3.13 (3.11 loses this cancellation): after the group's error, the
  // outside cancel is delivered again at the parent's next await.
  it('an outside cancel arriving while the group aborts is kept: re-delivered at the next await', () => {
    const { loop, log, worker } = setup();
    function* slowCancel(): Coroutine<void> {
      try {
        yield* sleep(10);
      } catch (e) {
        yield* sleep(3);
        log.push(['slow cleanup', loop.time()]);
        throw e;
      }
    }
    const task = createTask(function* () {
      try {
        yield* TaskGroup.run(function* (tg) {
          tg.createTask(slowCancel());
          tg.createTask(worker('f', 1, true));
          yield* sleep(10);
        });
      } catch (e) {
        log.push(['group', errorsOf(e), currentTask()!.cancelling(), loop.time()]);
      }
      try {
        yield* sleep(1);
      } catch (e) {
        log.push(['re-cancelled at the next await', loop.time()]);
        throw e;
      }
    }, { loop });
    loop.advance(2);
    task.cancel();
    expect(() => loop.runUntilComplete(task)).toThrow(CancelledError);
    expect(log).toEqual([
      ['slow cleanup', 4],
      ['group', ['RangeError:f'], 1, 4],
      ['re-cancelled at the next await', 4],
    ]);
  });

  it('refuses new tasks once finished or while shutting down, closing the coroutine given', () => {
    const { loop, worker } = setup();
    const messages: string[] = [];
    let closed = 0;
    function* counted(): Coroutine<void> {
      try {
        yield* sleep(1);
      } finally {
        closed++;
      }
    }
    const task = createTask(function* () {
      let group: TaskGroup | undefined;
      try {
        yield* TaskGroup.run(function* (tg) {
          group = tg;
          tg.createTask(worker('boom', 1, true));
          try {
            yield* sleep(5);
          } catch (e) {
            try {
              const c = counted();
              c.next();
              tg.createTask(c);
            } catch (refused) {
              messages.push((refused as Error).message);
            }
            throw e;
          }
        });
      } catch {
        // the AggregateError
      }
      try {
        group!.createTask(worker('late', 1));
      } catch (refused) {
        messages.push((refused as Error).message);
      }
      expect(String(group)).toBe('<TaskGroup cancelling>');
    }, { loop });
    loop.runUntilComplete(task);
    expect(messages).toEqual(['TaskGroup is shutting down', 'TaskGroup is finished']);
    expect(closed).toBe(1);
  });

  it('must run inside a task (or be awaited), once', () => {
    const loop = new VirtualTimeLoop();
    const scope = TaskGroup.run(function* () {}, { loop });
    expect(() => scope[Symbol.iterator]().next()).toThrow(/inside a task/);
    expect(() => TaskGroup.run(5 as never, { loop })).toThrow(TypeError);
  });

  it('a child failing after the body finished still cancels the others and is reported', () => {
    const { loop, log, worker } = setup();
    const task = createTask(function* () {
      try {
        yield* TaskGroup.run(function* (tg) {
          tg.createTask(worker('long', 10));
          tg.createTask(worker('bad', 2, true));
        });
      } catch (e) {
        return [errorsOf(e), currentTask()!.cancelling(), loop.time()];
      }
      return 'no error';
    }, { loop });
    expect(loop.runUntilComplete(task)).toEqual([['RangeError:bad'], 0, 2]);
    expect(log).toEqual([['cancelled', 'long', 2]]);
  });

  it('uses a fallback AggregateError where the host has none', () => {
    const g = globalThis as { AggregateError?: unknown };
    const saved = g.AggregateError;
    delete g.AggregateError;
    try {
      const { loop, worker } = setup();
      const task = createTask(function* () {
        yield* TaskGroup.run(function* (tg) { tg.createTask(worker('z', 1, true)); });
      }, { loop });
      let err: (Error & { errors?: unknown[] }) | undefined;
      try {
        loop.runUntilComplete(task);
      } catch (e) {
        err = e as Error & { errors?: unknown[] };
      }
      expect(err).toBeInstanceOf(Error);
      expect(err!.name).toBe('AggregateError');
      expect(err!.message).toBe('unhandled errors in a TaskGroup');
      expect(err!.errors!.map((x) => (x as Error).message)).toEqual(['z']);
    } finally {
      g.AggregateError = saved;
    }
  });
});

describe('TaskGroup: an already-aborted signal', () => {
  it('yield* TaskGroup.run(...) fails at once with CancelledError: the body never runs, no child is made', () => {
    const { loop, log, worker } = setup();
    let ran = false;
    const task = createTask(function* () {
      try {
        yield* TaskGroup.run(function* (tg) {
          ran = true;
          tg.createTask(worker('child', 1));
        }, { signal: AbortSignal.abort('closed') });
      } catch (e) {
        return `${(e as Error).name}: ${(e as Error).message}, cancelling ${currentTask()!.cancelling()}`;
      }
      return 'no error';
    }, { loop });
    loop._runOnce();
    expect(task.result()).toBe('CancelledError: closed, cancelling 0');
    loop.runUntilIdle();
    expect(ran).toBe(false);
    expect(log).toEqual([]);
  });

  it('await TaskGroup.run(...) rejects with no loop turn; the body is never called', async () => {
    const loop = new VirtualTimeLoop();
    let called = false;
    const scope = TaskGroup.run(async () => { called = true; }, { loop, signal: AbortSignal.abort(new Error('gone')) });
    await expect(Promise.resolve(scope)).rejects.toThrow(CancelledError);
    await expect(Promise.resolve(scope)).rejects.toThrow('gone');
    expect(called).toBe(false);
    expect(loop._ready.length).toBe(0);
  });

  it('a signal that is not an AbortSignal is a TypeError when the scope is made', () => {
    const loop = new VirtualTimeLoop();
    expectTypeErrorForNonSignals((signal) => TaskGroup.run(function* () {}, { loop, signal }));
  });
});

describe('TaskGroup with async functions', () => {
  it('await TaskGroup.run(async (tg, signal) => ...): a failing child aborts the body\'s signal', async () => {
    const { loop, log, worker } = setup();
    setEventLoop(loop);
    const ev = new Event();
    let given: AbortSignalLike | undefined;
    const p = (async () => {
      try {
        await TaskGroup.run(async (tg, signal) => {
          given = signal;
          tg.createTask(worker('sibling', 10));
          tg.createTask(async () => { await sleep(2); throw new RangeError('async child'); });
          await ev.wait({ signal });
        });
      } catch (e) {
        return [errorsOf(e), loop.time()];
      }
      return 'no error';
    })();
    expect(await loop.runUntilCompleteAsync(p)).toEqual([['RangeError:async child'], 2]);
    expect(given!.aborted).toBe(true);
    expect(waiting(ev)).toBe(0);
    expect(log).toEqual([['cancelled', 'sibling', 2]]);
  });

  it('gives the async body\'s value once the children are done', async () => {
    const { loop, worker } = setup();
    setEventLoop(loop);
    const v = await loop.runUntilCompleteAsync(TaskGroup.run(async (tg) => {
      const t = tg.createTask(worker('w', 3));
      return `created ${t.getName() !== ''}`;
    }));
    expect(v).toBe('created true');
    expect(loop.time()).toBe(3);
  });
});
