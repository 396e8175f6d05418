import type { AbortSignalLike } from '../future/signal.js';

/** What the tasks layer needs of an AbortController. */
export interface AbortControllerLike {
  readonly signal: AbortSignalLike;
  abort(reason?: unknown): void;
}

type Listener = (event: { type: 'abort'; target: AbortSignalLike }) => void;

/**
 * An AbortSignal for hosts without one (XS on a microcontroller has no
 * AbortController): `aborted`, `reason`, `onabort`, `throwIfAborted()` and
 * the 'abort' listeners, each called once. A listener that throws does not
 * stop the others; its error goes to `onError`.
 */
class SmallAbortSignal implements AbortSignalLike {
  aborted = false;
  reason: unknown = undefined;
  onabort: Listener | null = null;
  /** @internal */ _listeners: Listener[] = [];
  /** @internal */ readonly _onError: (error: unknown) => void;

  constructor(onError: (error: unknown) => void) {
    this._onError = onError;
  }

  addEventListener(type: 'abort', listener: Listener): void {
    if (type === 'abort' && !this.aborted && !this._listeners.includes(listener)) this._listeners.push(listener);
  }

  removeEventListener(type: 'abort', listener: Listener): void {
    const i = type === 'abort' ? this._listeners.indexOf(listener) : -1;
    if (i >= 0) this._listeners.splice(i, 1);
  }

  throwIfAborted(): void {
    if (this.aborted) throw this.reason;
  }

  /** @internal */
  _abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const listeners = this._listeners;
    this._listeners = [];
    const event = { type: 'abort' as const, target: this };
    if (this.onabort !== null) listeners.unshift(this.onabort);
    for (const listener of listeners) {
      try {
        listener(event);
      } catch (e) {
        this._onError(e);
      }
    }
  }
}

/**
 * The host's AbortController when it has one, else a small one of ours.
 * `onError` receives what our own listeners throw (the host reports its own).
 */
export function createAbortController(onError: (error: unknown) => void): AbortControllerLike {
  const Host = (globalThis as { AbortController?: new () => AbortControllerLike }).AbortController;
  if (typeof Host === 'function') return new Host();
  const signal = new SmallAbortSignal(onError);
  return { signal, abort: (reason?: unknown) => signal._abort(reason) };
}
