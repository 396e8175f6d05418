import { CancelledError } from '../contract/errors.js';
import type { Loop } from '../contract/loop.js';
import { CANCELLED, Future, PENDING, RESULT } from './future.js';

/**
 * A primitive's compound wait that steps itself (Condition's `wait()` and
 * `waitFor()`, Barrier's `wait()`, `reset()` and `abort()`): it runs asyncio's
 * coroutine in the same loop slots as an inline sub-coroutine would, without
 * the coroutine runner. `_awaited` is what it waits on (asyncio's
 * `_fut_waiter`); `cancel()` passes to it, or, when nothing can take it, is
 * thrown in at the next step. Each completion runs inline: it is the
 * awaiting coroutine's own step.
 */
export abstract class StepFuture<T> extends Future<T> {
  /** @internal What the wait waits on, null while it steps. */
  _awaited: Future<unknown> | null = null;
  /** @internal A cancel that nothing awaited could take, with its message: thrown in at the next step. */
  declare _mustCancel?: { msg: string | undefined };
  /** @internal The awaited future's listener is the wait itself (see DoneListener). */
  declare readonly _doneCallback: (w: StepFuture<unknown>) => void;

  // Explicit: XS runs an implicit derived constructor as `super(...args)`.
  constructor(loop: Loop) {
    super(undefined, loop);
  }

  override cancel(msg?: string): boolean {
    if (this._state !== PENDING) return super.cancel(msg);
    const w = this._awaited;
    if (w === null || !w.cancel(msg)) this._mustCancel = { msg };
    return true;
  }

  /**
   * @internal `yield* f`: true when `f` is pending, and its completion will
   * run the next step; false when it is done, and the step goes on at once.
   */
  _await(f: Future<unknown>): boolean {
    if (f._state > 0) return false;
    this._awaited = f;
    f._listen(this);
    return true;
  }

  /** @internal One step, with the outcome of `awaited`: its result (`ok`), or what is thrown in. */
  abstract _step(ok: boolean, value: unknown, awaited: Future<unknown>): void;

  /** @internal Ends with what was thrown: cancelled for a CancelledError, failed otherwise. */
  _fail(e: unknown): void {
    if (e instanceof CancelledError) this._complete(CANCELLED, e, true);
    else this._completeException(e, true);
  }
}

function resumeStep(w: StepFuture<unknown>): void {
  // Completed through the public Future API meanwhile: nothing left to run.
  if (w._state !== PENDING) return;
  const f = w._awaited!;
  w._awaited = null;
  let ok = f._state === RESULT;
  let value = ok ? f._value : f._failure();
  const mc = w._mustCancel;
  if (mc !== undefined) {
    w._mustCancel = undefined;
    if (ok || !(value instanceof CancelledError)) {
      ok = false;
      value = new CancelledError(mc.msg);
    }
  }
  w._step(ok, value, f);
}

Object.defineProperty(StepFuture.prototype, '_doneCallback', { value: resumeStep });
