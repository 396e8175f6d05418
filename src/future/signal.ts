import type { Future } from './future.js';

/**
 * An AbortSignal, or anything shaped like one: the JavaScript convention for
 * cancelling a single wait.
 */
export interface AbortSignalLike {
  readonly aborted: boolean;
  readonly reason?: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener?(type: 'abort', listener: () => void): void;
}

/** Options every waiting method accepts. */
export interface WaitOptions {
  /** Aborting it cancels just this wait (the returned Future is cancelled with the reason's message). */
  signal?: AbortSignalLike | undefined;
}

/**
 * Ties `fut` to `options.signal`: an abort cancels it. The listener is
 * removed once the future is done, so a long-lived signal gathers nothing.
 */
export function bindSignal<F extends Future<any>>(fut: F, options: WaitOptions | undefined): F {
  const signal = options?.signal;
  if (signal === undefined || fut.done()) return fut;
  checkSignal(signal);
  if (signal.aborted) {
    fut.cancel(reasonMessage(signal.reason));
    return fut;
  }
  const onAbort = (): void => { fut.cancel(reasonMessage(signal.reason)); };
  signal.addEventListener('abort', onAbort, { once: true });
  if (typeof signal.removeEventListener === 'function') {
    fut.addDoneCallback(() => signal.removeEventListener!('abort', onAbort));
  }
  return fut;
}

/** Throws a TypeError unless `signal` looks like an AbortSignal. */
export function checkSignal(signal: unknown): asserts signal is AbortSignalLike {
  const s = signal as Partial<AbortSignalLike> | null;
  if (s === null || typeof s !== 'object' || typeof s.aborted !== 'boolean' || typeof s.addEventListener !== 'function') {
    throw new TypeError('signal must be an AbortSignal (aborted, reason, addEventListener)');
  }
}

/** The cancel message for an abort reason. */
export function reasonMessage(reason: unknown): string | undefined {
  if (reason === undefined) return undefined;
  if (reason instanceof Error) return reason.message || reason.name;
  return typeof reason === 'string' ? reason : String(reason);
}
