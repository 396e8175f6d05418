import { checkLoop, type Loop } from './loop.js';

// The one piece of mutable module state: the default loop. A Moddable app
// that preloads this module sets it at run time (preload allows this: the
// holder object is created by the module body, not frozen).
const state: { loop: Loop | null } = { loop: null };

/** The default loop, as set by `setEventLoop`. Throws an Error naming `setEventLoop` when none is set. */
export function getEventLoop(): Loop {
  const loop = state.loop;
  if (loop === null) {
    throw new Error('anyloop: no event loop is set; call setEventLoop(loop) or pass { loop } explicitly');
  }
  return loop;
}

/** Sets (or with `null`, clears) the default loop that primitives bind to when given none. */
export function setEventLoop(loop: Loop | null): void {
  state.loop = loop === null ? null : checkLoop(loop);
}
