import { getEventLoop } from '../contract/default-loop.js';
import { checkLoop, type Loop } from '../contract/loop.js';
import type { Coroutine } from '../future/coroutine.js';
import { EXCEPTION, isThenable, type Future } from '../future/future.js';
import { gather } from './gather.js';
import { allTasks, createTask, currentTask, type Task, type TaskFunction } from './task.js';

/** A loop that `run()` can drive: synchronously (VirtualTimeLoop) or asynchronously (NodeLoop). */
export interface RunnableLoop extends Loop {
  runUntilComplete<T>(future: Future<T>): T | PromiseLike<T>;
}

/** Options of `run`. */
export interface RunOptions {
  /** The loop; the default loop (getEventLoop()) when omitted. */
  loop?: RunnableLoop;
}

/**
 * asyncio.run: runs `main` as a task until it is done, then cancels the tasks
 * still pending on the loop and waits for them (reporting their errors
 * through callExceptionHandler), and returns main's result or throws its
 * error. With a loop whose `runUntilComplete` is synchronous (VirtualTimeLoop)
 * it returns the result; with an asynchronous one (NodeLoop), a Promise.
 * The loop is not closed. Throws an Error when called from a running task.
 *
 * An async `main` needs a loop that lets promise jobs run: NodeLoop, or on
 * VirtualTimeLoop `loop.runUntilCompleteAsync(createTask(main))`.
 */
export function run<T>(main: Coroutine<T> | TaskFunction<T>, options?: RunOptions): T | Promise<T> {
  const loop = checkLoop(options?.loop ?? getEventLoop()) as Partial<RunnableLoop> & Loop;
  if (typeof loop.runUntilComplete !== 'function') {
    throw new TypeError('run() needs a loop with runUntilComplete() (VirtualTimeLoop, NodeLoop)');
  }
  if (currentTask() !== null) throw new Error('run() cannot be called from a running task');
  const runnable = loop as RunnableLoop;
  const task = createTask(main, { loop });
  let out: T | PromiseLike<T>;
  try {
    out = runnable.runUntilComplete(task);
  } catch (e) {
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
