import type { TimerHandle, TimerLoop } from '../../src/index.js';
import type { VirtualTimeLoop } from '../../src/testing.js';

/**
 * A loop author's TimerLoop of its own on top of a VirtualTimeLoop: no
 * BaseLoop, so none of anyloop's optional hooks (`_soon`, `_at`,
 * FutureTimers, EntryTimers). It keeps the handles its `callAt` and
 * `callLater` returned, so a test sees which path a wait took.
 */
export function customTimerLoop(inner: VirtualTimeLoop): TimerLoop & { ats: TimerHandle[]; laters: TimerHandle[] } {
  const ats: TimerHandle[] = [];
  const laters: TimerHandle[] = [];
  return {
    ats,
    laters,
    callSoon: (cb, ...args) => inner.callSoon(cb, ...args),
    callExceptionHandler: (ctx) => inner.callExceptionHandler(ctx),
    getDebug: () => false,
    time: () => inner.time(),
    callAt: (when, cb, ...args) => {
      const h = inner.callAt(when, cb, ...args);
      ats.push(h);
      return h;
    },
    callLater: (ms, cb, ...args) => {
      const h = inner.callLater(ms, cb, ...args);
      laters.push(h);
      return h;
    },
  };
}
