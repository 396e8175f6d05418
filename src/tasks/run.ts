import { getEventLoop } from '../contract/default-loop.js';
import { checkLoop, type Loop } from '../contract/loop.js';
import type { Coroutine } from '../future/coroutine.js';
import type { AbortSignalLike } from '../future/signal.js';
import { EXCEPTION, isThenable, type Future } from '../future/future.js';
import { gather } from './gather.js';
import { allTasks, createTask, currentTask, type Task, type TaskFunction } from './task.js';

/** A loop that `run()` can drive: synchronously (VirtualTimeLoop) or asynchronously (NodeLoop). */
export interface RunnableLoop extends Loop {
  /** Runs the loop until `future` is done and returns its result (or a Promise of it). */
  runUntilComplete<T>(future: Future<T>): T | PromiseLike<T>;
}

/** A loop whose `runUntilComplete` returns the result itself (VirtualTimeLoop): `run()` returns T. */
export interface SyncRunnableLoop extends RunnableLoop {
  /** Runs the loop until `future` is done and returns its result. */
  runUntilComplete<T>(future: Future<T>): T;
}

/** A loop whose `runUntilComplete` returns a Promise (NodeLoop): `run()` returns Promise<T>. */
export interface AsyncRunnableLoop extends RunnableLoop {
  /** Runs the loop until `future` is done; the Promise settles with its outcome. */
  runUntilComplete<T>(future: Future<T>): PromiseLike<T>;
}

/** Options of `run`. */
export interface RunOptions<L extends RunnableLoop = RunnableLoop> {
  /** The loop; the default loop (getEventLoop()) when omitted. */
  loop?: L;
}

/**
 * asyncio.run: runs `main` as a task until it is done, then cancels the tasks
 * still pending on the loop and waits for them (reporting their errors
 * through callExceptionHandler), and returns main's result or throws its
 * error. With a loop whose `runUntilComplete` is synchronous (VirtualTimeLoop)
 * it returns the result; with an asynchronous one (NodeLoop), a Promise. The
 * return type follows the loop given (T, Promise<T>; T | Promise<T> for the
 * default loop). The loop is not closed. Throws an Error when called from a
 * running task.
 *
 * An async `main` needs a loop that lets promise jobs run: NodeLoop, or on
 * VirtualTimeLoop `loop.runUntilCompleteAsync(createTask(main, { loop }))`;
 * on a synchronous loop, run() cancels the pending tasks and fails with an
 * Error that says so.
 */
export function run<T>(main: Coroutine<T> | TaskFunction<T>, options: RunOptions<SyncRunnableLoop> & { loop: SyncRunnableLoop }): T;
export function run<T>(main: Coroutine<T> | TaskFunction<T>, options: RunOptions<AsyncRunnableLoop> & { loop: AsyncRunnableLoop }): Promise<T>;
export function run<T>(main: Coroutine<T> | TaskFunction<T>, options?: RunOptions): T | Promise<T>;
export function run<T>(main: Coroutine<T> | TaskFunction<T>, options?: RunOptions): T | Promise<T> {
  const loop = checkLoop(options?.loop ?? getEventLoop()) as Partial<RunnableLoop> & Loop;
  if (typeof loop.runUntilComplete !== 'function') {
    throw new TypeError('run() needs a loop with runUntilComplete() (VirtualTimeLoop, NodeLoop)');
  }
  if (currentTask() !== null) throw new Error('run() cannot be called from a running task');
  const runnable = loop as RunnableLoop;
  let mainIsAsync = false;
  const task = createTask(typeof main !== 'function' ? main : (signal: AbortSignalLike) => {
    const out = main(signal);
    mainIsAsync = out instanceof Promise;
    return out;
  }, { loop });
  let out: T | PromiseLike<T>;
  try {
    out = runnable.runUntilComplete(task);
  } catch (e) {
    if (mainIsAsync && !task.done()) {
      // The loop stopped while main awaited a promise; waiting for the tasks
      // to finish cancelling would need the promise jobs it cannot run.
      for (const t of allTasks(loop)) t.cancel();
      throw new Error('run(): an async main needs promise jobs: use loop.runUntilCompleteAsync(createTask(main, { loop }))', { cause: e });
    }
    return after(shutdown(runnable), () => { throw e; });
  }
  if (isThenable(out)) {
    return Promise.resolve(out).then(
      (v) => after(shutdown(runnable), () => v),
      (e: unknown) => after(shutdown(runnable), () => { throw e; }),
    );
  }
  const value = out;
  return after(shutdown(runnable), () => value);
}


/** asyncio's `_cancel_all_tasks`. */
function shutdown(loop: RunnableLoop): void | PromiseLike<unknown> {
  const rest: Task<unknown>[] = [...allTasks(loop)];
  if (rest.length === 0) return;
  for (const t of rest) t.cancel();
  const report = (): void => {
    for (const t of rest) {
      if (t._state !== EXCEPTION) continue;
      loop.callExceptionHandler({ message: 'unhandled exception during run() shutdown', exception: t.exception(), task: t });
    }
  };
  const out = loop.runUntilComplete(gather(rest, { returnExceptions: true, loop }));
  if (isThenable(out)) return Promise.resolve(out).then(report);
  report();
}

function after<R>(step: void | PromiseLike<unknown>, then: () => R): R | Promise<R> {
  return isThenable(step) ? Promise.resolve(step).then(then) : then();
}
