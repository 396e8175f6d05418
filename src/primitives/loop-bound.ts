import { getEventLoop } from '../contract/default-loop.js';
import { checkLoop, type Loop } from '../contract/loop.js';
import { resolvedFuture, type Future } from '../future/future.js';

/** Options every primitive's constructor takes. */
export interface PrimitiveOptions {
  /** The loop to bind to; without one, the default loop when first needed. */
  loop?: Loop;
}

/**
 * asyncio's _LoopBoundMixin: a primitive binds to its loop lazily, so it can be
 * created before any loop exists (at module load, even in a preloaded module).
 */
export class LoopBound {
  /** @internal */ _loop: Loop | null;

  constructor(options?: PrimitiveOptions) {
    if (options !== undefined && (options === null || typeof options !== 'object')) {
      throw new TypeError('options must be an object');
    }
    this._loop = options?.loop === undefined ? null : checkLoop(options.loop);
  }

  /** @internal The bound loop, binding to the default loop on first use. */
  _getLoop(): Loop {
    return this._loop ??= getEventLoop();
  }

  /** @internal A Future already done with `value`: what a wait returns when it need not wait. */
  _done<T>(value: T): Future<T> {
    return resolvedFuture(this._getLoop(), value);
  }
}

/** Removes the first occurrence of `item` from `list`; false when absent. */
export function removeItem<T>(list: T[], item: T): boolean {
  const i = list.indexOf(item);
  if (i < 0) return false;
  if (i === 0) list.shift();
  else list.splice(i, 1);
  return true;
}
