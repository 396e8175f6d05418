import { checkLoop, type Loop } from './loop.js';

/**
 * @internal The loop state every layer reads: the default loop, the loop whose
 * turn is running (set by the loops around each turn), the loops started
 * by a run method that have not stopped yet (most recent last), and how a
 * loop finds its tasks when it closes. Mutable module
 * state lives in this one holder object: a Moddable app that preloads the
 * module changes it at run time (preload allows this: the holder is created
 * by the module body, not frozen). Fields are written directly, without a
 * call: a loop updates `turn` twice per turn.
 */
export const loopState: {
  loop: Loop | null;
  turn: Loop | null;
  /** The task whose step is running (the tasks layer's; kept here, where every layer can read it). */
  task: { readonly _loop: Loop } | null;
  running: Loop[];
  /** The tasks layer's own state (the pending tasks of each loop), set with the first task, for `close()`. */
  tasks: ((loop: Loop) => Iterable<unknown>) | null;
} = { loop: null, turn: null, task: null, running: [], tasks: null };

/**
 * The loop that code running now belongs to (asyncio's `get_event_loop()`
 * inside a coroutine): the loop whose callback is running; else, outside any
 * callback (in a promise job after an `await`, in a host callback), the loop
 * most recently started by `runForever`, `runUntilComplete` or
 * `runUntilCompleteAsync` that is still running; else the default loop set by
 * `setEventLoop`. Throws an Error naming `setEventLoop` when there is none.
 */
export function getEventLoop(): Loop {
  const s = loopState;
  const loop = s.turn ?? s.running[s.running.length - 1] ?? s.loop;
  if (loop === null) {
    throw new Error('anyloop: no event loop is running or set; call setEventLoop(loop) or pass { loop } explicitly');
  }
  return loop;
}

/** Sets (or with `null`, clears) the default loop: the one used when no loop is running. */
export function setEventLoop(loop: Loop | null): void {
  loopState.loop = loop === null ? null : checkLoop(loop);
}

/** @internal Called by a loop's run method when it starts: until `loopStopped`, code outside any callback belongs to it. */
export function loopStarted(loop: Loop): void {
  loopState.running.push(loop);
}

/** @internal Undoes one `loopStarted(loop)`. */
export function loopStopped(loop: Loop): void {
  const running = loopState.running;
  const i = running.lastIndexOf(loop);
  if (i >= 0) running.splice(i, 1);
}
