import { CancelledError } from '../contract/errors.js';
import type { Loop } from '../contract/loop.js';
import { level, isCoroutine, type Coroutine } from '../future/coroutine.js';
import { EXCEPTION, Future } from '../future/future.js';
import { aggregateErrorClass } from './aggregate-error.js';
import { bodyCoroutine } from './follow.js';
import { Scope, type ScopeBody, type ScopeOptions } from './scope.js';
import { createTask, type Task, type TaskFunction } from './task.js';

/**
 * asyncio.TaskGroup (3.13): structured concurrency. The body creates child
 * tasks with `tg.createTask()`; the group ends when the body and every child
 * have finished. The first child that fails (with anything but
 * CancelledError) cancels the other children and the body, once; then all
 * errors, the body's included, come out together as an AggregateError
 * (JavaScript's ExceptionGroup). Creating a task in a finished group throws.
 *
 * ```ts
 * import { sleep, TaskGroup } from 'anyloop';
 * function* worker(n: number) { yield* sleep(10 * n); }
 * // inside a task: the group's body is the current task
 * yield* TaskGroup.run(function* (tg) {
 *   tg.createTask(worker(1));
 *   tg.createTask(worker(2));
 * });
 * ```
 *
 * ```ts
 * import { Event, sleep, TaskGroup } from 'anyloop';
 * function* worker(n: number) { yield* sleep(10 * n); }
 * const ev = new Event();
 * // from an async function: the group runs in a task of its own, and the
 * // signal is aborted when the group cancels the body
 * await TaskGroup.run(async (tg, signal) => { tg.createTask(worker(1)); await ev.wait({ signal }); });
 * ```
 */
export class TaskGroup {
  /** @internal */ _entered = false;
  /** @internal */ _exiting = false;
  /** @internal */ _aborting = false;
  /** @internal */ readonly _loop: Loop;
  /** @internal */ _parentTask: Task<unknown> | null = null;
  /** @internal */ _parentCancelRequested = false;
  /** @internal */ _tasks = new Set<Task<unknown>>();
  /** @internal */ _errors: unknown[] = [];
  /** @internal */ _onCompletedFut: Future<boolean> | null = null;
  /** @internal */ readonly _onTaskDone = (task: Task<unknown>): void => this._taskDone(task);

  private constructor(loop: Loop) {
    this._loop = loop;
  }

  /** @internal */
  static _create(loop: Loop): TaskGroup {
    return new TaskGroup(loop);
  }

  /**
   * A scope running `body(tg)` under a new TaskGroup: `yield*` it inside a
   * task, or `await` it (see Scope). Its value is the body's result.
   */
  static run<T>(body: ScopeBody<TaskGroup, T>, options?: ScopeOptions): Scope<T> {
    return new TaskGroupScope(body, options);
  }

  /** Creates a child task in the group (as `createTask`). Throws an Error unless the group is running and not shutting down. */
  createTask<T>(coro: Coroutine<T> | TaskFunction<T>, options?: { name?: string }): Task<T> {
    const refused = !this._entered ? 'has not been entered'
      : this._exiting && this._tasks.size === 0 ? 'is finished'
      : this._aborting ? 'is shutting down' : null;
    if (refused !== null) {
      if (isCoroutine(coro)) coro.return(undefined as T);
      throw new Error(`TaskGroup ${refused}`);
    }
    const task = createTask(coro, { name: options?.name, loop: this._loop });
    this._tasks.add(task as Task<unknown>);
    task.addDoneCallback(this._onTaskDone);
    return task;
  }

  /** `<TaskGroup tasks=N errors=N cancelling|entered>`, for logs. */
  toString(): string {
    let s = '<TaskGroup';
    if (this._tasks.size > 0) s += ` tasks=${this._tasks.size}`;
    if (this._errors.length > 0) s += ` errors=${this._errors.length}`;
    if (this._aborting) s += ' cancelling';
    else if (this._entered) s += ' entered';
    return `${s}>`;
  }

  /** @internal `async with` the group around the body, inside `parent`. */
  *_run<T>(parent: Task<unknown>, body: ScopeBody<TaskGroup, T>): Coroutine<T> {
    this._parentTask = parent;
    this._entered = true;
    let value = undefined as T;
    let failed = false;
    let error: unknown;
    try {
      value = yield* level(bodyCoroutine<TaskGroup, T>(body, this, this._loop, 'the TaskGroup body'));
    } catch (e) {
      failed = true;
      error = e;
    }
    try {
      yield* this._exit(failed, error);
    } finally {
      this._parentTask = null;
      this._errors = [];
    }
    if (failed) throw error;
    return value;
  }

  /** @internal asyncio's `__aexit__`: waits for the children, then raises what must be raised. */
  *_exit(failed: boolean, exc: unknown): Coroutine<void> {
    this._exiting = true;
    const parent = this._parentTask!;
    let propagateCancellation: unknown = failed && exc instanceof CancelledError ? exc : null;
    if (failed && !this._aborting) this._abort();
    // Loops because the wait can be cancelled repeatedly (the parent being
    // cancelled from outside, while our own cancellation is in progress).
    while (this._tasks.size > 0) {
      const fut = this._onCompletedFut ??= new Future<boolean>(undefined, this._loop);
      try {
        yield* fut;
      } catch (e) {
        if (!(e instanceof CancelledError)) throw e;
        if (!this._aborting) {
          propagateCancellation = e;
          this._abort();
        }
      }
      this._onCompletedFut = null;
    }
    if (this._parentCancelRequested && parent.uncancel() === 0) propagateCancellation = null;
    // A CancelledError propagates unless there are errors: those have priority.
    if (propagateCancellation !== null && this._errors.length === 0) throw propagateCancellation;
    if (failed && !(exc instanceof CancelledError)) this._errors.push(exc);
    if (this._errors.length > 0) {
      // Cancelled from outside too: uncancel and cancel again, keeping the count.
      if (parent.cancelling() > 0) {
        parent.uncancel();
        parent.cancel();
      }
      throw new (aggregateErrorClass())(this._errors, 'unhandled errors in a TaskGroup');
    }
  }

  /** @internal Cancels every pending child. */
  _abort(): void {
    this._aborting = true;
    for (const t of this._tasks) if (!t.done()) t.cancel();
  }

  /** @internal A child finished. */
  _taskDone(task: Task<unknown>): void {
    this._tasks.delete(task);
    const fut = this._onCompletedFut;
    if (fut !== null && this._tasks.size === 0 && !fut.done()) fut.setResult(true);
    // Any thrown value is a failure, null and undefined too.
    if (task._state !== EXCEPTION) return;
    const exc = task.exception();
    this._errors.push(exc);
    const parent = this._parentTask!;
    if (parent.done()) {
      this._loop.callExceptionHandler({
        message: `Task ${task.getName()} has errored out but its parent task ${parent.getName()} is already completed`,
        exception: exc,
        task,
      });
      return;
    }
    if (!this._aborting && !this._parentCancelRequested) {
      // Cancel the body to stop whatever it awaits; the exit uncancels it.
      this._abort();
      this._parentCancelRequested = true;
      parent.cancel();
    }
  }
}

class TaskGroupScope<T> extends Scope<T> {
  /** @internal */ readonly _body: ScopeBody<TaskGroup, T>;

  constructor(body: ScopeBody<TaskGroup, T>, options: ScopeOptions | undefined) {
    if (typeof body !== 'function') throw new TypeError('the TaskGroup body must be a function');
    super(options);
    this._body = body;
  }

  get _what(): string {
    return 'TaskGroup.run()';
  }

  _run(task: Task<unknown>): Coroutine<T> {
    return TaskGroup._create(this._loop)._run(task, this._body);
  }
}
