import { EXCEPTION, Future, RESULT } from '../future/future.js';
import { ensureFuture, type Awaitable } from './ensure-future.js';

/**
 * asyncio.shield: a Future that follows `aw` but whose cancellation does not
 * reach it. A task cancelled while it waits on the shield gets CancelledError;
 * the shielded work goes on. Cancelling `aw` itself cancels the shield.
 * Returns `aw`'s own Future when it is already done.
 */
export function shield<T>(aw: Awaitable<T>): Future<T> {
  const inner = ensureFuture(aw);
  if (inner.done()) return inner;
  const outer = new Future<T>(undefined, inner._loop);
  const onInnerDone = (): void => {
    if (outer.cancelled()) {
      if (!inner.cancelled()) inner.exception();
      return;
    }
    if (inner.cancelled()) {
      outer.cancel();
      return;
    }
    // Any thrown value is a failure, null and undefined too.
    if (inner._state === EXCEPTION) outer._completeException(inner.exception(), false);
    else outer._complete(RESULT, inner.result(), false);
  };
  inner.addDoneCallback(onInnerDone);
  outer.addDoneCallback(() => {
    if (!inner.done()) inner.removeDoneCallback(onInnerDone);
  });
  return outer;
}
