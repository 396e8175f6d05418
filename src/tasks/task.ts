import { CancelledError } from '../contract/errors.js';
import { getEventLoop, loopState } from '../contract/default-loop.js';
import { checkLoop, type Loop } from '../contract/loop.js';
import { CoroutineFuture, isCoroutine, type Coroutine } from '../future/coroutine.js';
import { PENDING } from '../future/future.js';
import type { AbortSignalLike } from '../future/signal.js';
import { createAbortController, type AbortControllerLike } from './abort.js';
import { follow, isGeneratorFunction } from './follow.js';

/**
 * What `createTask` runs: a coroutine (a generator object), or a function
 * called in the task's first step with an AbortSignal that the task's
 * cancel() aborts. The function may return a coroutine (a generator
 * function), a Future, or a PromiseLike (an async function). A generator
 * function that declares no parameter (`function* () {}`: `length` 0) is
 * called with none, and no AbortController is made for it.
 */
export type TaskFunction<T> = (signal: AbortSignalLike) => Coroutine<T> | PromiseLike<T>;

/** Options of `createTask`. */
export interface TaskOptions {
  /** The task's name; `Task-N` when omitted. */
  name?: string;
  /** The loop that runs it; the current task's loop, else the default loop, when omitted. */
  loop?: Loop;
  /** @internal The creator runs the first step with `_startNow()`, instead of a later turn. */
  _eager?: boolean;
}

/**
 * The ends of a loop's list of pending tasks, in creation order: a
 * doubly-linked list through the tasks themselves (no entry object per
 * task). Held by the loop itself (two fields; unset until its first task),
 * or, for a loop that cannot take them (frozen), by an object of its own.
 */
interface TaskListEnds {
  /** @internal */ _firstTask?: Task<unknown> | null;
  /** @internal */ _lastTask?: Task<unknown> | null;
}

/** The ends of `loop`'s task list, made with its first task. */
function listOf(loop: Loop): TaskListEnds {
  const l = loop as TaskListEnds;
  if (l._firstTask !== undefined) return l;
  if (Object.isExtensible(loop)) {
    l._firstTask = l._lastTask = null;
    return l;
  }
  const frozen = state.frozen ??= new WeakMap();
  let ends = frozen.get(loop);
  if (ends === undefined) frozen.set(loop, ends = { _firstTask: null, _lastTask: null });
  return ends;
}

/** Removes `t` from its loop's list, unless it is out already. */
function unlist(t: Task<unknown>): void {
  const prev = t._prev;
  const next = t._next;
  if (prev === undefined || next === undefined) return;
  const l = listOf(t._loop);
  if (prev === null) l._firstTask = next;
  else prev._next = next;
  if (next === null) l._lastTask = prev;
  else next._prev = prev;
  t._prev = t._next = undefined;
}

/** The pending tasks of `loop`, for allTasks() and the loop's close(). */
function* tasksOf(loop: Loop): Generator<Task<unknown>> {
  for (let t = listOf(loop)._firstTask!; t !== null; t = t._next!) yield t;
}

/** Marks a generator object given to a task: cheaper than a WeakSet entry. */
const TAKEN = Symbol('anyloop.task');
type Marked = { [TAKEN]?: boolean };

// Mutable module state lives in a holder object (see default-loop.ts on why).
const state: {
  counter: number; frozen: WeakMap<Loop, TaskListEnds> | null; taken: WeakSet<object> | null;
} = { counter: 0, frozen: null, taken: null };

/**
 * asyncio.Task: runs a coroutine one step per loop callback. The first step
 * runs in a later loop turn, never in `createTask`. Cancellation is thrown
 * into the coroutine at the point where it waits, so its `finally` blocks
 * run and the primitive it waited on gives back what it held.
 *
 * A Task is a Future: `await task` from async functions, `yield* task` from
 * coroutines. A task that fails while nothing waits on it is reported
 * through the loop's exception handler in the next loop turn, as
 * `Task exception was never retrieved: task <name>`, unless its exception is
 * retrieved first (see the README, "Failures nobody handles").
 */
export class Task<T> extends CoroutineFuture<T> {
  /** @internal The name, or the N of `Task-N`: the string is made when asked for (as in CPython 3.13). */
  _name: string | number;
  // Declared, not initialised: a field a task may never need costs nothing until set.
  /** @internal asyncio's `_num_cancels_requested`. */
  declare _cancelRequests?: number;
  /** @internal The abort controller of a task made from a function. */
  declare readonly _controller?: AbortControllerLike;
  /** @internal The neighbours in the loop's task list; undefined once out of it. */
  declare _prev?: Task<unknown> | null;
  /** @internal */
  declare _next?: Task<unknown> | null;

  /** Use `createTask()`. */
  constructor(coro: Coroutine<T> | TaskFunction<T>, options?: TaskOptions) {
    if (options !== undefined && (options === null || typeof options !== 'object')) {
      throw new TypeError('options must be an object');
    }
    const name = options?.name;
    if (name !== undefined && typeof name !== 'string') throw new TypeError('name must be a string');
    const loop = options?.loop === undefined ? currentLoop() : checkLoop(options.loop);
    let controller: AbortControllerLike | undefined;
    if (typeof coro === 'function' && coro.length === 0 && isGeneratorFunction(coro)) {
      // A generator function that declares no parameter is given no signal:
      // none is made (an AbortController is the costliest part of a task on Node).
      coro = (coro as () => Coroutine<T>)();
    } else if (typeof coro === 'function') {
      controller = createAbortController((exception) => {
        loop.callExceptionHandler({ message: 'Exception in an abort listener', exception });
      });
      // A generator function's body runs only when its generator is stepped:
      // the task runs that generator itself, with no wrapper (each generator
      // level costs XS stack on every resumption).
      coro = isGeneratorFunction(coro) ? coro(controller.signal) as Coroutine<T> : callTaskFunction(coro, controller, loop);
    } else if (!isCoroutine(coro)) {
      throw new TypeError('createTask() needs a coroutine (a generator object) or a function; use ensureFuture() for a PromiseLike');
    } else {
      take(coro);
    }
    super(coro, loop, options?._eager !== true);
    if (controller !== undefined) (this as { _controller?: AbortControllerLike })._controller = controller;
    this._name = name ?? ++state.counter;
    loopState.tasks ??= tasksOf;
    const l = listOf(loop);
    const last = l._lastTask!;
    this._prev = last;
    this._next = null;
    if (last === null) l._firstTask = this as Task<unknown>;
    else last._next = this as Task<unknown>;
    l._lastTask = this as Task<unknown>;
  }

  /** The task's name. */
  getName(): string {
    const n = this._name;
    return typeof n === 'number' ? `Task-${n}` : n;
  }

  /** Renames the task. */
  setName(name: string): void {
    if (typeof name !== 'string') throw new TypeError('name must be a string');
    this._name = name;
  }

  /**
   * Requests cancellation: CancelledError (with `msg`) is thrown into the
   * coroutine where it waits, on its next step; a task made from a function
   * also has its AbortSignal aborted (once: it stays aborted). Each call on a
   * pending task counts in `cancelling()`. False once the task is done.
   */
  override cancel(msg?: string): boolean {
    if (this._state !== PENDING) return super.cancel(msg);
    this._cancelRequests = (this._cancelRequests ?? 0) + 1;
    const c = this._controller;
    if (c !== undefined && !c.signal.aborted) c.abort(new CancelledError(msg));
    return super.cancel(msg);
  }

  /** The number of pending cancellation requests: each `cancel()` adds one, each `uncancel()` removes one. */
  cancelling(): number {
    return this._cancelRequests ?? 0;
  }

  /**
   * Removes one cancellation request and returns how many remain. When none
   * remains, a cancellation not yet delivered is dropped (asyncio 3.13).
   * Called by whoever called `cancel()` and handled it (timeouts, TaskGroup).
   */
  uncancel(): number {
    const n = this._cancelRequests ?? 0;
    if (n === 0) return 0;
    this._cancelRequests = n - 1;
    if (n === 1) this._mustCancel = undefined;
    return n - 1;
  }

  /** A Task's outcome comes from its coroutine: throws an Error, as asyncio does. */
  override setResult(_value: T): never {
    throw new Error('Task does not support setResult()');
  }

  /** A Task's outcome comes from its coroutine: throws an Error, as asyncio does. */
  override setException(_exception: unknown): never {
    throw new Error('Task does not support setException()');
  }

  /** `<Task name state>`, for logs. */
  override toString(): string {
    const s = this._state;
    const what = s === PENDING ? 'pending' : this.cancelled() ? 'cancelled' : 'done';
    return `<Task ${this.getName()} ${what}>`;
  }

  /** @internal The report of an exception nobody retrieved names the task. */
  override _unretrievedMessage(): string {
    return `Task exception was never retrieved: task ${this.getName()}`;
  }

  /** @internal Leaves the set of pending tasks when done. */
  override _complete(s: number, value: unknown, inline: boolean): void {
    unlist(this as Task<unknown>);
    super._complete(s, value, inline);
  }
}

/** Two tasks stepping one generator would interleave its code: asyncio refuses a reused coroutine too. */
function take(coro: object): void {
  if (Object.isExtensible(coro)) {
    // A plain property: V8 adds it inline, where defineProperty is a runtime call (a fifth of a task's creation).
    if ((coro as Marked)[TAKEN] === true) throw new TypeError('coroutine already given to a task');
    (coro as Marked)[TAKEN] = true;
    return;
  }
  // A frozen generator object cannot be marked.
  const taken = state.taken ??= new WeakSet();
  if (taken.has(coro)) throw new TypeError('coroutine already given to a task');
  taken.add(coro);
}

function* callTaskFunction<T>(fn: TaskFunction<T>, controller: AbortControllerLike, loop: Loop): Coroutine<T> {
  return yield* follow<T>(fn(controller.signal), controller, loop, 'a task function');
}

/**
 * Wraps a coroutine, or a function (see TaskFunction), in a Task scheduled on
 * `options.loop` (default: the current task's loop, else the default loop).
 */
export function createTask<T>(coro: Coroutine<T> | TaskFunction<T>, options?: TaskOptions): Task<T> {
  return new Task(coro, options);
}

/**
 * The task whose step is running, or null. Async functions run their code
 * after an `await` in promise jobs, outside any task step: there it is null.
 */
export function currentTask(): Task<unknown> | null {
  return loopState.task as Task<unknown> | null;
}

/** The pending tasks of `loop` (default: the current task's loop, else the default loop). */
export function allTasks(loop?: Loop): Set<Task<unknown>> {
  const l = loop === undefined ? currentLoop() : checkLoop(loop);
  return new Set(tasksOf(l));
}

/**
 * @internal The loop a wait uses when given none: the current task's, else
 * the running loop, else the default loop (see getEventLoop).
 */
export function currentLoop(): Loop {
  return loopState.task?._loop ?? getEventLoop();
}
