import { ClosedError } from '../contract/errors.js';
import type { Loop } from '../contract/loop.js';
import { CANCELLED, EXCEPTION, Future, RESULT } from './future.js';
import { checkSignal, type WaitOptions } from './signal.js';

/**
 * Iterates the values a closable source produces (the edges of a pin, the
 * ticks of an interval, the items of a queue) until the source is closed (or
 * shut down), which ends the iteration cleanly instead of throwing.
 *
 * `next()` returns a Future of an IteratorResult, so the same object serves
 * async functions (`for await (const edge of button.edges())`) and generator
 * coroutines (`const r = yield* edges.next(); if (r.done) break;`). The
 * result completes in the same loop slot as the source's wait, and
 * cancelling it cancels that wait. Given `{ signal }`, every wait gets the
 * signal: once it aborts, `next()` fails with CancelledError (a `for await`
 * loop throws it), and a value the wait was woken for but did not take stays
 * in the source.
 */
export class ClosableIterator<T> implements AsyncIterable<T> {
  /** @internal */ readonly _source: (options: WaitOptions | undefined) => Future<T>;
  /** @internal */ readonly _loop: Loop;
  /** @internal What each wait is given. */
  readonly _options: WaitOptions | undefined;
  /** @internal The error class that means the source is closed: the iteration ends. */
  readonly _end: abstract new (...args: never[]) => Error;
  /** @internal Set by return(): the iteration is over. */
  _ended = false;

  constructor(
    source: (options: WaitOptions | undefined) => Future<T>, loop: Loop, options?: WaitOptions,
    end: abstract new (...args: never[]) => Error = ClosedError,
  ) {
    if (options !== undefined) {
      if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
      if (options.signal !== undefined) checkSignal(options.signal);
    }
    this._source = source;
    this._loop = loop;
    this._options = options;
    this._end = end;
  }

  /** The next value, or `{ done: true }` once the source is closed or `return()` was called. */
  next(): Future<IteratorResult<T, undefined>> {
    const out = new NextResult<T>(undefined, this._loop);
    if (this._ended) {
      out._complete(RESULT, DONE, false);
      return out;
    }
    const src = this._source(this._options);
    out._source = src;
    const forward = (f: Future<T>): void => {
      if (out.done()) return;
      if (f.cancelled()) {
        out._complete(CANCELLED, f._value, true);
        return;
      }
      if (f._state !== EXCEPTION) {
        out._complete(RESULT, { done: false, value: f.result() }, true);
        return;
      }
      const e = f.exception();
      if (e instanceof this._end) out._complete(RESULT, DONE, true);
      else out._completeException(e, true);
    };
    if (src.done()) {
      forward(src);
      return out;
    }
    src.addDoneCallback(forward);
    return out;
  }

  /** Ends the iteration (what `break` in `for await` calls). The source stays open. */
  return(): Future<IteratorResult<T, undefined>> {
    this._ended = true;
    const out = new Future<IteratorResult<T, undefined>>(undefined, this._loop);
    out._complete(RESULT, DONE, false);
    return out;
  }

  /** `for await`: the items as Promises (async functions), ending like `next()`. */
  [Symbol.asyncIterator](): AsyncIterator<T, undefined> {
    return {
      next: () => Promise.resolve(this.next()),
      return: () => Promise.resolve(this.return()),
    };
  }
}

/** The Future `next()` returns: cancelling it cancels the source's wait at once. */
class NextResult<T> extends Future<IteratorResult<T, undefined>> {
  /** @internal */ _source: Future<T> | null = null;

  override cancel(msg?: string): boolean {
    if (!super.cancel(msg)) return false;
    this._source?.cancel(msg);
    return true;
  }
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });
