import { isTimerLoop, type Loop, type TimerLoop } from '../contract/loop.js';

/** Throws a TypeError unless `loop` has the timer capability that `what` needs. */
export function requireTimerLoop(loop: Loop, what: string): TimerLoop {
  if (!isTimerLoop(loop)) {
    throw new TypeError(`${what} needs a TimerLoop (time(), callAt(), callLater()); this loop has no timers`);
  }
  return loop;
}

/** Throws a TypeError unless `ms` is a number (not NaN) or, where allowed, null. */
export function checkDelay(ms: unknown, what: string, nullable: boolean): number | null {
  if (ms === null && nullable) return null;
  if (typeof ms !== 'number' || Number.isNaN(ms)) {
    const got = ms === null ? 'null' : typeof ms === 'number' ? 'NaN' : typeof ms;
    throw new TypeError(`${what} must be a number${nullable ? ' or null' : ''}, got ${got}`);
  }
  return ms;
}
