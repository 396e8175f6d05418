import { afterEach, describe, expect, it } from 'vitest';
import {
  CancelledError, Event, Future, Lock, Task, TaskGroup, allTasks, createTask, currentTask, setEventLoop, sleep,
  delegate, timeout, waitFor, type AbortSignalLike, type Coroutine, type Loop,
} from '../src/index.js';
import { VirtualTimeLoop } from '../src/testing.js';
import { errorOf, waiting } from './support/tasks.js';

afterEach(() => setEventLoop(null));

describe('Task steps', () => {
  it('runs the first step in a later loop turn, never inside createTask', () => {
    const loop = new VirtualTimeLoop();
    const log: string[] = [];
    const task = createTask(function* () { log.push('started'); return 1; }(), { loop });
    expect(log).toEqual([]);
    expect(task.done()).toBe(false);
    loop._runOnce();
    expect(log).toEqual(['started']);
    expect(task.done()).toBe(true);
    expect(task.result()).toBe(1);
  });

  it('calls a function argument in the first step, not synchronously', () => {
    const loop = new VirtualTimeLoop();
    const log: string[] = [];
    const task = createTask(function* () { log.push('called'); return 2; }, { loop });
    expect(log).toEqual([]);
    loop.runUntilIdle();
    expect(log).toEqual(['called']);
    expect(task.result()).toBe(2);
  });

  it('takes one loop callback per step: resuming after a future is one turn after it completes', () => {
    const loop = new VirtualTimeLoop();
    const fut = new Future<string>({ loop });
    const log: string[] = [];
    const task = createTask(function* () {
      log.push('before');
      const v = yield* fut;
      log.push(`after ${v}`);
    }, { loop });
    loop._runOnce();
    expect(log).toEqual(['before']);
    fut.setResult('x');
    expect(log).toEqual(['before']);
    loop._runOnce();
    expect(log).toEqual(['before', 'after x']);
    expect(task.done()).toBe(true);
  });

  it('wraps a yielded PromiseLike and resumes with its value', async () => {
    const loop = new VirtualTimeLoop();
    const task = createTask(function* () {
      const v = yield Promise.resolve(21);
      return (v as number) * 2;
    }, { loop });
    expect(await loop.runUntilCompleteAsync(task)).toBe(42);
  });

  it('throws a TypeError into the coroutine when it yields something else; uncaught, the task fails with it', () => {
    const loop = new VirtualTimeLoop();
    const bad = createTask(function* () { yield 5 as unknown as Future<unknown>; }, { loop });
    const handled = createTask(function* () {
      try {
        yield undefined as unknown as Future<unknown>;
      } catch (e) {
        return (e as Error).message;
      }
      return 'not thrown';
    }, { loop });
    loop.runUntilIdle();
    expect(bad.exception()).toBeInstanceOf(TypeError);
    expect((bad.exception() as Error).message).toMatch(/number 5/);
    expect(handled.result()).toMatch(/bare yield/);
  });

  it('refuses to await itself', () => {
    const loop = new VirtualTimeLoop();
    const holder: { task?: Task<void> } = {};
    holder.task = createTask(function* () { yield* holder.task!; }, { loop });
    loop.runUntilIdle();
    expect(holder.task.exception()).toBeInstanceOf(TypeError);
  });

  it('rejects what is not a coroutine or a function', () => {
    const loop = new VirtualTimeLoop();
    expect(() => createTask(Promise.resolve(1) as never, { loop })).toThrow(/ensureFuture/);
    expect(() => createTask(42 as never, { loop })).toThrow(TypeError);
    expect(() => createTask(function* () {}, { loop, name: 3 as never })).toThrow(TypeError);
    expect(() => createTask(function* () {}, 'x' as never)).toThrow(TypeError);
    expect(() => createTask(function* () {}, { loop: {} as never })).toThrow(TypeError);
  });

  it('fails with a TypeError when a function returns something that cannot be awaited', () => {
    const loop = new VirtualTimeLoop();
    const task = createTask((() => 5) as never, { loop });
    loop.runUntilIdle();
    expect(task.exception()).toBeInstanceOf(TypeError);
  });

  it('a function may return a Future: the task waits on it and cancel() cancels it', () => {
    const loop = new VirtualTimeLoop();
    const ev = new Event({ loop });
    const task = createTask((signal) => ev.wait({ signal }), { loop });
    loop.runUntilIdle();
    expect(waiting(ev)).toBe(1);
    task.cancel();
    loop.runUntilIdle();
    expect(task.cancelled()).toBe(true);
    expect(waiting(ev)).toBe(0);
  });

  it('refuses setResult and setException', () => {
    const loop = new VirtualTimeLoop();
    const task = createTask(function* () {}, { loop });
    expect(() => task.setResult(undefined)).toThrow(/does not support/);
    expect(() => task.setException(new Error('x'))).toThrow(/does not support/);
    loop.runUntilIdle();
  });

  it('a coroutine that catches what a step threw into it (a bad yield, a failed delegated level, a failed future) waits again and is resumed with the result', () => {
    const loop = new VirtualTimeLoop();
    const failed = new Future<number>({ loop });
    const later = new Future<number>({ loop });
    const log: string[] = [];
    function* failing(): Coroutine<number> {
      yield* sleep(0, undefined, { loop });
      throw new RangeError('level failed');
    }
    const task = createTask(function* (): Coroutine<number> {
      try {
        yield 42 as unknown as Future<unknown>;
      } catch (e) {
        log.push(`bad yield: ${(e as Error).name}`);
      }
      try {
        yield* delegate(failing());
      } catch (e) {
        log.push(`level: ${(e as Error).message}`);
      }
      try {
        yield* failed;
      } catch (e) {
        log.push(`future: ${(e as Error).message}`);
      }
      return (yield* later) + 1;
    }, { loop });
    loop.runUntilIdle();
    failed.setException(new Error('future failed'));
    loop.runUntilIdle();
    expect(task.done()).toBe(false);
    later.setResult(1);
    loop.runUntilIdle();
    expect(log).toEqual(['bad yield: TypeError', 'level: level failed', 'future: future failed']);
    expect(task.result()).toBe(2);
  });

  it('a coroutine that throws ends the task with its exception, and a CancelledError it throws ends it cancelled', () => {
    const loop = new VirtualTimeLoop();
    const failing = createTask(function* (): Coroutine<void> {
      yield* sleep(0, undefined, { loop });
      throw new RangeError('body failed');
    }, { loop });
    const cancelling = createTask(function* (): Coroutine<void> {
      yield* sleep(0, undefined, { loop });
      throw new CancelledError('gave up');
    }, { loop });
    loop.runUntilIdle();
    expect(failing.exception()).toBeInstanceOf(RangeError);
    expect(cancelling.cancelled()).toBe(true);
  });
});

describe('anyloop\'s own levels are levels of the task (XS stack)', () => {
  // Each level of a native yield* is resumed through every level below it,
  // and costs XS stack on each resumption; a task steps only the innermost of
  // the levels anyloop's wrappers hand it (scopes, holding, waitFor).
  const wrappers = /TimeoutScope|TaskGroup\._run|holdingBody|waitWithin|tracked|awaitIn/;

  function* nested(lock: Lock, stacks: string[]): Coroutine<string> {
    return yield* TaskGroup.run(function* () {
      return yield* timeout(1000, function* () {
        return yield* lock.holding(function* () {
          return yield* waitFor(function* () {
            stacks.push(new Error().stack!);
            yield* sleep(5);
            stacks.push(new Error().stack!);
            return 'done';
          }(), 100);
        });
      });
    });
  }

  it('a body inside a TaskGroup, a timeout, holding() and waitFor() starts and resumes with none of their levels below it', () => {
    const loop = new VirtualTimeLoop();
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 100;
    try {
      const stacks: string[] = [];
      const task = createTask(nested(new Lock({ loop }), stacks), { loop });
      loop.runUntilComplete(task);
      expect(task.result()).toBe('done');
      expect(stacks).toHaveLength(2);
      for (const stack of stacks) {
        expect(stack).toContain('step');
        expect(stack).not.toMatch(wrappers);
      }
    } finally {
      Error.stackTraceLimit = limit;
    }
  });

  it('a timeout expiring in the innermost body unwinds every level in order, as native yield* would', () => {
    const loop = new VirtualTimeLoop();
    const log: string[] = [];
    const task = createTask(function* () {
      try {
        yield* TaskGroup.run(function* () {
          try {
            yield* timeout(10, function* () {
              try {
                yield* new Future({ loop });
              } finally {
                log.push(`body finally, cancelling ${currentTask()!.cancelling()}`);
              }
            });
          } finally {
            log.push('group body finally');
          }
        });
      } catch (e) {
        const [inner] = (e as AggregateError).errors as Error[];
        log.push(`task caught ${(e as Error).name} of ${inner!.name} caused by ${(inner!.cause as Error).name}`);
      }
      return currentTask()!.cancelling();
    }, { loop });
    loop.runUntilComplete(task);
    expect(log).toEqual(['body finally, cancelling 1', 'group body finally', 'task caught AggregateError of TimeoutError caused by CancelledError']);
    expect(task.result()).toBe(0);
  });

  it('close() closes every level innermost first when a cancelled task does not finish', () => {
    const loop = new VirtualTimeLoop();
    const log: string[] = [];
    const never = new Future({ loop });
    const task = createTask(function* () {
      try {
        yield* timeout(null, function* () {
          try {
            yield* new Future({ loop });
          } finally {
            log.push('body finally');
            // Waits again in its finally: close() gives up on it and closes the coroutine.
            yield* never;
            log.push('not reached');
          }
        });
      } finally {
        log.push('task finally');
      }
    }, { loop });
    loop.runUntilIdle();
    loop.close();
    expect(task.cancelled()).toBe(true);
    expect(log).toEqual(['body finally', 'task finally']);
  });
});

describe('names, current task and loops', () => {
  it('names tasks Task-N by default; name option, getName and setName', () => {
    const loop = new VirtualTimeLoop();
    const a = createTask(function* () {}, { loop });
    const b = createTask(function* () {}, { loop });
    const n = Number(a.getName().slice(5));
    expect(a.getName()).toMatch(/^Task-\d+$/);
    expect(b.getName()).toBe(`Task-${n + 1}`);
    const c = createTask(function* () {}, { loop, name: 'worker' });
    expect(c.getName()).toBe('worker');
    c.setName('renamed');
    expect(c.getName()).toBe('renamed');
    expect(String(c)).toBe('<Task renamed pending>');
    expect(() => c.setName(1 as never)).toThrow(TypeError);
    loop.runUntilIdle();
    expect(String(c)).toBe('<Task renamed done>');
  });

  it('currentTask() is the task during its steps and null outside them', async () => {
    const loop = new VirtualTimeLoop();
    const seen: (Task<unknown> | null)[] = [];
    const task: Task<void> = createTask(function* () {
      seen.push(currentTask());
      yield* sleep(0);
      seen.push(currentTask());
    }, { loop });
    expect(currentTask()).toBeNull();
    loop.runUntilIdle();
    expect(seen).toEqual([task, task]);
    expect(currentTask()).toBeNull();
    let inAsync: unknown = 'unset';
    const asyncTask = createTask(async () => {
      await Promise.resolve();
      inAsync = currentTask();
    }, { loop });
    await loop.runUntilCompleteAsync(asyncTask);
    expect(inAsync).toBeNull();
  });

  it('a task created in a task runs on that task\'s loop; otherwise on the default loop', () => {
    const loop = new VirtualTimeLoop();
    const other = new VirtualTimeLoop();
    setEventLoop(other);
    let child: Task<number> | undefined;
    const parent = createTask(function* () {
      child = createTask(function* () { return 3; });
      return yield* child;
    }, { loop });
    expect(loop.runUntilComplete(parent)).toBe(3);
    expect(child!.loop).toBe(loop);
    expect(createTask(function* () {}).loop).toBe(other);
  });

  it('allTasks() lists the pending tasks of a loop; done tasks leave it', () => {
    const loop = new VirtualTimeLoop();
    const ev = new Event({ loop });
    const a = createTask(function* () { yield* ev.wait(); }, { loop });
    const b = createTask(function* () {}, { loop });
    expect(allTasks(loop)).toEqual(new Set([a, b]));
    loop.runUntilIdle();
    expect(allTasks(loop)).toEqual(new Set([a]));
    ev.set();
    loop.runUntilIdle();
    expect(allTasks(loop).size).toBe(0);
  });

  it('allTasks() keeps creation order whichever tasks finish first, and takes new tasks after a done one', () => {
    const loop = new VirtualTimeLoop();
    // Names, not the tasks: toEqual would iterate a Task (a Future is iterable, for `yield*`).
    const pending = (): string[] => [...allTasks(loop)].map((t) => t.getName());
    const futs = [0, 1, 2, 3].map(() => new Future<void>({ loop }));
    const tasks = futs.map((f, i) => createTask(function* () { yield* f; }, { loop, name: `t${i}` }));
    loop.runUntilIdle();
    for (const i of [1, 3, 0]) futs[i]!.setResult();
    loop.runUntilIdle();
    expect(pending()).toEqual(['t2']);
    const later = new Future<void>({ loop });
    createTask(function* () { yield* later; }, { loop, name: 'e' });
    expect(pending()).toEqual(['t2', 'e']);
    tasks[2]!.cancel();
    loop.runUntilIdle();
    expect(pending()).toEqual(['e']);
    createTask(function* () {}, { loop, name: 'f' });
    expect(pending()).toEqual(['e', 'f']);
  });

  it('a loop holds the ends of its own task list (no registry entry for it): its first and last pending tasks', () => {
    const loop = new VirtualTimeLoop();
    const ends = loop as unknown as { _firstTask?: Task<unknown> | null; _lastTask?: Task<unknown> | null };
    const a = createTask(function* () {}, { loop });
    const b = createTask(function* () {}, { loop });
    expect(ends._firstTask).toBe(a);
    expect(ends._lastTask).toBe(b);
    loop.runUntilIdle();
    expect(ends._firstTask).toBe(null);
    expect(ends._lastTask).toBe(null);
  });

  it('a frozen loop of its own (which takes no field) gets its pending tasks listed by allTasks() all the same', () => {
    const inner = new VirtualTimeLoop();
    const loop: Loop = Object.freeze({
      callSoon: (cb, ...args) => inner.callSoon(cb, ...args),
      callExceptionHandler: (ctx) => inner.callExceptionHandler(ctx),
      getDebug: () => false,
    } satisfies Loop);
    const ev = new Event({ loop });
    const pending = (): string[] => [...allTasks(loop)].map((t) => t.getName());
    createTask(function* () { yield* ev.wait(); }, { loop, name: 'a' });
    createTask(function* () {}, { loop, name: 'b' });
    createTask(function* () { yield* ev.wait(); }, { loop, name: 'c' });
    expect(pending()).toEqual(['a', 'b', 'c']);
    inner.runUntilIdle();
    expect(pending()).toEqual(['a', 'c']);
    expect(allTasks(inner).size).toBe(0);
    ev.set();
    inner.runUntilIdle();
    expect(pending()).toEqual([]);
  });

  it('default names follow creation order, also when asked for later; a named task takes no number', () => {
    const loop = new VirtualTimeLoop();
    const a = createTask(function* () {}, { loop });
    createTask(function* () {}, { loop, name: 'named' });
    const b = createTask(function* () {}, { loop });
    const n = Number(b.getName().slice(5));
    expect(a.getName()).toBe(`Task-${n - 1}`);
    expect(String(b)).toBe(`<Task Task-${n} pending>`);
  });

  it('refuses a coroutine already given to a task, a frozen one too', () => {
    const loop = new VirtualTimeLoop();
    const coro = (function* () {})();
    createTask(coro, { loop });
    expect(() => createTask(coro, { loop })).toThrow(new TypeError('coroutine already given to a task'));
    const frozen = Object.freeze((function* () {})());
    createTask(frozen, { loop });
    expect(() => createTask(frozen, { loop })).toThrow(new TypeError('coroutine already given to a task'));
    expect(allTasks(loop).size).toBe(2);
  });
});

describe('cancellation', () => {
  it('throws CancelledError(msg) at the suspension point on the next step; finally runs; the awaited future is cancelled', () => {
    const loop = new VirtualTimeLoop();
    const fut = new Future<number>({ loop });
    const log: string[] = [];
    const task = createTask(function* () {
      try {
        yield* fut;
        log.push('not reached');
      } catch (e) {
        log.push(`caught ${(e as Error).name} ${(e as Error).message}`);
        throw e;
      } finally {
        log.push('finally');
      }
    }, { loop });
    loop.runUntilIdle();
    expect(task.cancel('stop')).toBe(true);
    expect(fut.cancelled()).toBe(true);
    expect(log).toEqual([]);
    loop._runOnce();
    expect(log).toEqual(['caught CancelledError stop', 'finally']);
    expect(task.cancelled()).toBe(true);
    expect(errorOf(() => task.result()).message).toBe('stop');
  });

  it('a task cancelled before its first step never runs its coroutine', () => {
    const loop = new VirtualTimeLoop();
    let ran = false;
    const task = createTask(function* () { ran = true; }, { loop });
    task.cancel();
    loop.runUntilIdle();
    expect(ran).toBe(false);
    expect(task.cancelled()).toBe(true);
  });

  it('a coroutine may catch CancelledError and go on: the task is then not cancelled', () => {
    const loop = new VirtualTimeLoop();
    const task = createTask(function* () {
      try {
        yield* sleep(100);
      } catch (e) {
        if (!(e instanceof CancelledError)) throw e;
      }
      yield* sleep(5);
      return 'survived';
    }, { loop });
    loop.advance(1);
    task.cancel();
    expect(loop.runUntilComplete(task)).toBe('survived');
    expect(task.cancelled()).toBe(false);
    expect(task.cancelling()).toBe(1);
  });

  it('a task cancelled during its last step ends cancelled', () => {
    const loop = new VirtualTimeLoop();
    const holder: { task?: Task<string> } = {};
    holder.task = createTask(function* () {
      holder.task!.cancel('self');
      return 'finished';
    }, { loop });
    loop.runUntilIdle();
    expect(holder.task.cancelled()).toBe(true);
  });

  it('cancelling() counts every cancel() of a pending task; uncancel() takes one back; a done task does not count', () => {
    const loop = new VirtualTimeLoop();
    const task = createTask(function* () {
      for (;;) {
        try {
          yield* sleep(10);
        } catch {
          // keeps going: each cancel is delivered once
        }
      }
    }, { loop });
    loop.advance(1);
    expect(task.cancelling()).toBe(0);
    expect(task.cancel()).toBe(true);
    expect(task.cancel()).toBe(true);
    expect(task.cancelling()).toBe(2);
    expect(task.uncancel()).toBe(1);
    expect(task.uncancel()).toBe(0);
    expect(task.uncancel()).toBe(0);
    loop.advance(1);
    expect(task.done()).toBe(false);
    const done = createTask(function* () {}, { loop });
    loop.runUntilIdle();
    expect(done.cancel()).toBe(false);
    expect(done.cancelling()).toBe(0);
  });

  it('uncancel() down to zero drops a cancellation not yet delivered (asyncio 3.13)', () => {
    const loop = new VirtualTimeLoop();
    const log: string[] = [];
    const task = createTask(function* () {
      task.cancel();
      expect(task.uncancel()).toBe(0);
      yield* sleep(1);
      log.push('slept');
    }, { loop });
    loop.runUntilComplete(task);
    expect(log).toEqual(['slept']);
  });

  it('a cancel not yet delivered while the task runs cancels the next future it waits on', () => {
    const loop = new VirtualTimeLoop();
    const ev = new Event({ loop });
    const task = createTask(function* () {
      task.cancel('now');
      yield* ev.wait();
    }, { loop });
    loop.runUntilIdle();
    expect(task.cancelled()).toBe(true);
    expect(waiting(ev)).toBe(0);
  });

  it('a task waiting on a task that catches the cancellation is cancelled again by a second cancel()', () => {
    const loop = new VirtualTimeLoop();
    const log: string[] = [];
    const inner = createTask(function* () {
      try {
        yield* sleep(10);
      } catch {
        log.push('inner caught');
      }
      yield* sleep(10);
      return 'inner done';
    }, { loop });
    const outer = createTask(function* () { return yield* inner; }, { loop });
    loop.advance(1);
    outer.cancel();
    loop.advance(1);
    expect(log).toEqual(['inner caught']);
    expect(outer.done()).toBe(false);
    outer.cancel();
    loop.advance(1);
    expect(inner.cancelled()).toBe(true);
    expect(outer.cancelled()).toBe(true);
  });
});

describe('tasks made from async functions', () => {
  it('follows the promise: result and error', async () => {
    const loop = new VirtualTimeLoop();
    const ok = createTask(async () => { await sleep(10); return 'ok'; }, { loop });
    expect(await loop.runUntilCompleteAsync(ok)).toBe('ok');
    expect(loop.time()).toBe(10);
    const bad = createTask(async () => { await sleep(1); throw new Error('bad'); }, { loop });
    await expect(loop.runUntilCompleteAsync(bad)).rejects.toThrow('bad');
  });

  it('cancel() aborts the signal it was given; a wait bound to it rejects with CancelledError and the task is cancelled', async () => {
    const loop = new VirtualTimeLoop();
    const ev = new Event({ loop });
    let given: AbortSignalLike | undefined;
    const task = createTask(async (signal) => {
      given = signal;
      await ev.wait({ signal });
      return 'woken';
    }, { loop });
    loop.runUntilIdle();
    expect(given!.aborted).toBe(false);
    expect(task.cancel('enough')).toBe(true);
    expect(given!.aborted).toBe(true);
    expect(given!.reason).toBeInstanceOf(CancelledError);
    await expect(loop.runUntilCompleteAsync(task)).rejects.toThrow(CancelledError);
    expect(task.cancelled()).toBe(true);
    expect(waiting(ev)).toBe(0);
  });

  it('rejecting with the abort reason, or an AbortError once aborted, makes the task cancelled', async () => {
    const loop = new VirtualTimeLoop();
    const fromReason = createTask((signal) => new Promise((_, reject) => {
      signal.addEventListener('abort', () => reject(signal.reason));
    }), { loop });
    const fromAbortError = createTask((signal) => new Promise((_, reject) => {
      signal.addEventListener('abort', () => {
        const e = new Error('The operation was aborted');
        e.name = 'AbortError';
        reject(e);
      });
    }), { loop });
    loop.runUntilIdle();
    fromReason.cancel('r');
    fromAbortError.cancel('a');
    await loop.runUntilCompleteAsync(Promise.allSettled([fromReason, fromAbortError]));
    expect(fromReason.cancelled()).toBe(true);
    expect(fromAbortError.cancelled()).toBe(true);
    expect(errorOf(() => fromReason.result()).message).toBe('r');
  });

  it('a function that finishes despite the abort gives its result; another error is the task\'s error', async () => {
    const loop = new VirtualTimeLoop();
    const ignores = createTask(async () => { await sleep(5); return 'ignored the abort'; }, { loop });
    const converts = createTask(async (signal) => {
      await new Promise((resolve) => signal.addEventListener('abort', () => resolve(undefined)));
      throw new RangeError('converted');
    }, { loop });
    loop.runUntilIdle();
    ignores.cancel();
    converts.cancel();
    expect(await loop.runUntilCompleteAsync(ignores)).toBe('ignored the abort');
    await expect(loop.runUntilCompleteAsync(converts)).rejects.toThrow(RangeError);
    expect(ignores.cancelling()).toBe(1);
  });

  it('a generator function also receives a signal, aborted by the first cancel()', () => {
    const loop = new VirtualTimeLoop();
    let given: AbortSignalLike | undefined;
    const task = createTask(function* (signal) {
      given = signal;
      try {
        yield* sleep(10);
      } catch {
        // handled
      }
      return given.aborted;
    }, { loop });
    loop.runUntilIdle();
    task.cancel();
    expect(loop.runUntilComplete(task)).toBe(true);
  });

  it('a generator function that declares no parameter is called with none, and its task makes no AbortController', () => {
    const loop = new VirtualTimeLoop();
    const g = globalThis as { AbortController?: unknown };
    const saved = g.AbortController;
    let made = 0;
    g.AbortController = class extends (saved as typeof AbortController) {
      constructor() { super(); made++; }
    };
    try {
      let args = -1;
      const task = createTask(function* () {
        args = arguments.length;
        yield* sleep(10);
      }, { loop });
      loop.runUntilIdle();
      expect(task.cancel()).toBe(true);
      expect(() => loop.runUntilComplete(task)).toThrow(CancelledError);
      expect(args).toBe(0);
      expect(made).toBe(0);
      createTask(function* (_signal) {}, { loop });
      expect(made).toBe(1);
    } finally {
      g.AbortController = saved;
    }
  });

  it('works where the host has no AbortController: a small signal of our own', async () => {
    const g = globalThis as { AbortController?: unknown };
    const saved = g.AbortController;
    delete g.AbortController;
    try {
      const loop = new VirtualTimeLoop();
      const reports: unknown[] = [];
      loop.setExceptionHandler((_l, ctx) => reports.push(ctx.exception));
      const ev = new Event({ loop });
      const events: string[] = [];
      let given: (AbortSignalLike & { onabort?: unknown; throwIfAborted?: () => void }) | undefined;
      const task = createTask(async (signal) => {
        given = signal;
        signal.addEventListener('abort', () => events.push('listener'));
        signal.addEventListener('abort', () => { throw new Error('listener failed'); });
        await ev.wait({ signal });
      }, { loop });
      loop.runUntilIdle();
      expect(typeof given!.throwIfAborted).toBe('function');
      expect(() => given!.throwIfAborted!()).not.toThrow();
      task.cancel('gone');
      await expect(loop.runUntilCompleteAsync(task)).rejects.toThrow(CancelledError);
      expect(task.cancelled()).toBe(true);
      expect(events).toEqual(['listener']);
      expect(reports.map((e) => (e as Error).message)).toEqual(['listener failed']);
      expect(() => given!.throwIfAborted!()).toThrow('gone');
      expect(waiting(ev)).toBe(0);
    } finally {
      g.AbortController = saved;
    }
  });
});

describe('awaiting tasks', () => {
  it('a task awaits another task, and an async function awaits a task', async () => {
    const loop = new VirtualTimeLoop();
    const inner = createTask(function* () { yield* sleep(3); return 5; }, { loop });
    const outer = createTask(function* () { return (yield* inner) + 1; }, { loop });
    expect(await loop.runUntilCompleteAsync((async () => (await outer) * 10)())).toBe(60);
  });

  it('an error propagates to the awaiting task', () => {
    const loop = new VirtualTimeLoop();
    const inner = createTask(function* () { yield* sleep(1); throw new RangeError('inner'); }, { loop });
    const outer = createTask(function* () {
      try {
        yield* inner;
      } catch (e) {
        return (e as Error).name;
      }
      return 'no error';
    }, { loop });
    expect(loop.runUntilComplete(outer)).toBe('RangeError');
  });

  it('the woken-then-cancelled race on a Lock, with tasks: the lock goes to the next waiter', () => {
    const loop = new VirtualTimeLoop();
    const lock = new Lock({ loop });
    const go = new Event({ loop });
    const log: string[] = [];
    const worker = (name: string) => function* () {
      yield* lock.acquire();
      try {
        log.push(`${name} has it`);
        yield* go.wait();
      } finally {
        lock.release();
      }
    };
    const a = createTask(worker('a'), { loop });
    const b = createTask(worker('b'), { loop });
    const c = createTask(worker('c'), { loop });
    loop.runUntilIdle();
    go.set();
    loop._runOnce();
    // a released in this turn: b is woken (its step is scheduled) but has not run; cancel it now.
    expect(a.done()).toBe(true);
    expect(lock._waiters!.at(0)._state).toBe(-1);
    b.cancel();
    loop.runUntilComplete(c);
    expect(b.cancelled() && c.done()).toBe(true);
    expect(log).toEqual(['a has it', 'c has it']);
    expect(lock.locked()).toBe(false);
  });
});

