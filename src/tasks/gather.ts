import { CancelledError } from '../contract/errors.js';
import { checkLoop, type Loop } from '../contract/loop.js';
import { EXCEPTION, Future } from '../future/future.js';
import { ensureFuture, type Awaitable } from './ensure-future.js';
import { currentLoop } from './task.js';

/** Options of `gather`. */
export interface GatherOptions {
  /** Collect errors (and CancelledErrors) in the results instead of failing at the first one. */
  returnExceptions?: boolean;
  /** The loop of an empty gather; otherwise the children's loop. */
  loop?: Loop;
}

/** The results of `gather` over a tuple of awaitables, in order. */
export type GatherResults<A extends readonly unknown[]> = { -readonly [K in keyof A]: A[K] extends Awaitable<infer T> ? T : never };

/**
 * asyncio's _GatheringFuture: cancelling it cancels every child still
 * pending; then, whatever `returnExceptions` says, it fails with
 * CancelledError once all children are done.
 */
class GatheringFuture<T> extends Future<T> {
  /** @internal */ readonly _children: Future<unknown>[];
  /** @internal */ _cancelRequested = false;

  constructor(children: Future<unknown>[], loop: Loop) {
    super(undefined, loop);
    this._children = children;
  }

  override cancel(msg?: string): boolean {
    if (this.done()) return super.cancel(msg);
    let any = false;
    for (const child of this._children) if (child.cancel(msg)) any = true;
    if (any) this._cancelRequested = true;
    return any;
  }
}

/**
 * asyncio.gather: a Future of the results of `aws`, in input order
 * (coroutines are wrapped in tasks, a repeated awaitable runs once).
 *
 * The first error (a cancelled child counts as CancelledError) fails the
 * Future at once and the other children keep running, unless
 * `returnExceptions`, which puts errors in the results instead. Cancelling
 * the Future cancels the children. As in asyncio, a child's cancellation
 * makes the gather fail with CancelledError without being `cancelled()`.
 */
export function gather<const A extends readonly Awaitable<unknown>[]>(
  aws: A, options?: GatherOptions & { returnExceptions?: false }): Future<GatherResults<A>>;
export function gather(aws: Iterable<Awaitable<unknown>>, options?: GatherOptions): Future<unknown[]>;
export function gather(aws: Iterable<Awaitable<unknown>>, options?: GatherOptions): Future<unknown[]> {
  if (aws === null || typeof (aws as Partial<Iterable<unknown>>)?.[Symbol.iterator] !== 'function') {
    throw new TypeError('gather() needs an iterable of awaitables');
  }
  const returnExceptions = options?.returnExceptions === true;
  let loop = options?.loop === undefined ? undefined : checkLoop(options.loop);
  const children: Future<unknown>[] = [];
  const seen = new Map<unknown, Future<unknown>>();
  const pending: Future<unknown>[] = [];
  const done: Future<unknown>[] = [];
  for (const arg of aws) {
    let fut = seen.get(arg);
    if (fut === undefined) {
      fut = ensureFuture(arg, loop === undefined ? undefined : { loop });
      loop ??= fut._loop;
      seen.set(arg, fut);
      (fut.done() ? done : pending).push(fut);
    }
    children.push(fut);
  }
  const outer = new GatheringFuture<unknown[]>(children, loop ?? currentLoop());
  if (children.length === 0) {
    outer.setResult([]);
    return outer;
  }
  const nfuts = seen.size;
  let nfinished = 0;
  const onChildDone = (fut: Future<unknown>): void => {
    nfinished++;
    if (outer.done()) {
      if (!fut.cancelled()) fut.exception();
      return;
    }
    if (!returnExceptions) {
      if (fut.cancelled()) {
        outer._completeException(fut._cancelledError(), false);
        return;
      }
      // Any thrown value is a failure, null and undefined too.
      if (fut._state === EXCEPTION) {
        outer._completeException(fut.exception(), false);
        return;
      }
    }
    if (nfinished === nfuts) {
      const results = children.map((f) => {
        if (f.cancelled()) return new CancelledError(f._cancelledError().message);
        return f._state === EXCEPTION ? f.exception() : f.result();
      });
      // The gather was cancelled: whatever returnExceptions says, it fails with CancelledError.
      if (outer._cancelRequested) outer._completeException(fut.cancelled() ? fut._cancelledError() : new CancelledError(), false);
      else outer.setResult(results);
    }
  };
  for (const fut of pending) fut.addDoneCallback(onChildDone);
  for (const fut of done) onChildDone(fut);
  return outer;
}
