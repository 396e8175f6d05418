import type { Loop } from '../contract/loop.js';
import { Future } from './future.js';

/**
 * An AbortSignal, or anything shaped like one: the JavaScript convention for
 * cancelling a single wait.
 */
export interface AbortSignalLike {
  readonly aborted: boolean;
  readonly reason?: unknown;
  /** Calls `listener` once the signal aborts. */
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  /** Drops a listener added with addEventListener (optional: then the listener stays, and does nothing once its wait is over). */
  removeEventListener?(type: 'abort', listener: () => void): void;
}

/** Options every waiting method accepts. */
export interface WaitOptions {
  /**
   * Aborting it cancels just this wait: the returned Future is cancelled with
   * the reason's message. A signal that is already aborted cancels the wait
   * at once, even one that would not have to wait, and the wait takes
   * nothing (no lock, unit, item, set, edge or tick). Anything but an
   * AbortSignal is a TypeError, whether or not the wait would block.
   */
  signal?: AbortSignalLike | undefined;
}

/**
 * What every wait does first, before it takes anything: throws a TypeError
 * unless `options.signal` is absent or an AbortSignal, and returns a Future
 * already cancelled with the reason's message when the signal is aborted
 * (the DOM's "if signal is aborted, reject"); null when the wait may go on.
 * Waits call it as `options && abortedWait(loop, options)`: a wait without
 * options then costs no call (about 45 computrons each in XS).
 */
export function abortedWait<T>(loop: Loop, options: WaitOptions | undefined): Future<T> | null {
  const signal = options?.signal;
  if (signal === undefined) {
    if (options !== undefined && (typeof options !== 'object' || typeof (options as Partial<AbortSignalLike>).addEventListener === 'function')) {
      // `q.get(signal)` would wait without the signal: refuse it.
      throw new TypeError('options must be an object: { signal }');
    }
    return null;
  }
  checkSignal(signal);
  if (!signal.aborted) return null;
  const fut = new Future<T>({ loop });
  fut.cancel(reasonMessage(signal.reason));
  return fut;
}

/**
 * Ties a wait's `fut` to `options.signal`, which `abortedWait` has checked:
 * an abort cancels it. The listener is removed once the future is done, so a
 * long-lived signal gathers nothing.
 */
export function bindSignal<F extends Future<any>>(fut: F, options: WaitOptions | undefined): F {
  const signal = options?.signal;
  if (signal === undefined || fut.done()) return fut;
  const onAbort = (): void => { fut.cancel(reasonMessage(signal.reason)); };
  if (signal.aborted) {
    // Aborted while the wait was set up (by a condition's predicate, say): no abort event will come.
    onAbort();
    return fut;
  }
  try {
    signal.addEventListener('abort', onAbort, { once: true });
  } catch (e) {
    // The wait is registered already: cancel it, so that it takes nothing.
    fut.cancel();
    throw e;
  }
  if (typeof signal.removeEventListener === 'function') {
    fut.addDoneCallback(() => signal.removeEventListener!('abort', onAbort));
  }
  return fut;
}

/**
 * `bindSignal(start(), options)` for a wait whose start cannot be undone
 * (a condition's wait releases the lock): the abort listener is added first,
 * so that a signal whose addEventListener throws fails the wait before it
 * begins.
 */
export function bindSignalFirst<F extends Future<any>>(options: WaitOptions | undefined, start: () => F): F {
  const signal = options?.signal;
  if (signal === undefined) return start();
  const box: { fut: F | null } = { fut: null };
  const onAbort = (): void => { box.fut?.cancel(reasonMessage(signal.reason)); };
  signal.addEventListener('abort', onAbort, { once: true });
  const remove = typeof signal.removeEventListener === 'function'
    ? () => signal.removeEventListener!('abort', onAbort) : null;
  let fut: F;
  try {
    fut = box.fut = start();
  } catch (e) {
    remove?.();
    throw e;
  }
  if (fut.done()) {
    remove?.();
    return fut;
  }
  // Aborted while the wait was set up (by a condition's predicate, say): the abort event has passed.
  if (signal.aborted) onAbort();
  if (remove !== null) fut.addDoneCallback(remove);
  return fut;
}

/** Throws a TypeError unless `signal` looks like an AbortSignal. */
export function checkSignal(signal: unknown): asserts signal is AbortSignalLike {
  const s = signal as Partial<AbortSignalLike> | null;
  if (s === null || typeof s !== 'object' || typeof s.aborted !== 'boolean' || typeof s.addEventListener !== 'function') {
    throw new TypeError('signal must be an AbortSignal (aborted, reason, addEventListener)');
  }
}

/** The cancel message for an abort reason; never throws, whatever the reason is. */
export function reasonMessage(reason: unknown): string | undefined {
  if (reason === undefined) return undefined;
  try {
    if (reason instanceof Error) return String(reason.message || reason.name);
    return typeof reason === 'string' ? reason : String(reason);
  } catch {
    // No string form (Object.create(null), a throwing toString or getter, a revoked Proxy).
    return undefined;
  }
}
