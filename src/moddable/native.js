// The Moddable module "anyloop/native" (manifest.json): the XS loop's hot
// paths in C (native.c beside it). anyloop/xs installs them on XsLoop.
// The simulator provides the same C functions through its own module.

/** XsLoop's `_runOnce(limit)`: one turn (BaseLoop's, in C). */
function runOnce(limit) @ "xs_anyloop_runOnce";

export { runOnce };

/**
 * Future's `_complete(state, value, inline)` and `[Symbol.iterator]()`, FutureIterator's `next()`, Waiter's `_wake()`,
 * FutureWait's `next()`, and `resume(waiter)`, the waiter's loop callback (waiter.ts): anyloop/xs installs them.
 */
function complete(state, value, inline) @ "xs_anyloop_complete";
function futureIterator() @ "xs_anyloop_futureIterator";
function futureNext() @ "xs_anyloop_futureNext";
function resume(waiter) @ "xs_anyloop_resume";
function wake() @ "xs_anyloop_wake";
function waitNext() @ "xs_anyloop_waitNext";

export { complete, futureIterator, futureNext, resume, wake, waitNext };
