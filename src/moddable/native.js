// The Moddable module "anyloop/native" (manifest.json): the hot paths of
// XsLoop, of tasks and of futures in C (native.c beside it), each the same
// algorithm as the TypeScript it replaces. anyloop/xs installs them while
// preloaded. The simulator provides the same C functions through its own
// module (its XS engine is built with native.c).

// XsLoop (src/loops/xs/xs-loop.ts, src/loops/base.ts, src/loops/timer-heap.ts)
/** XsLoop's `_runOnce(limit)`: one turn (BaseLoop's, with TimerHeap's `popDue`). */
function runOnce(limit) @ "xs_anyloop_runOnce";
/** XsLoop's `_onHost(timer)`: its host timer fired (the turns of a firing, then `_arm()`). */
function onHost(timer) @ "xs_anyloop_onHost";
/** XsLoop's `_arm()`: re-arms the host timer. */
function arm() @ "xs_anyloop_arm";
/** XsLoop's `time()`: the tick counter, its wraps undone. */
function time() @ "xs_anyloop_time";
/** XsLoop's `_soon(callback, arg)`. */
function soon(callback, arg) @ "xs_anyloop_soon";
/** XsLoop's `_at(when, callback, arg)`. */
function at(when, callback, arg) @ "xs_anyloop_at";
/** XsLoop's `_expireAt(entry)`. */
function expireAt(entry) @ "xs_anyloop_expireAt";
/** XsLoop's `_expireCancel(entry)`. */
function expireCancel(entry) @ "xs_anyloop_expireCancel";
/** XsLoop's `_resultLater(delayMs, fut)`. */
function resultLater(delayMs, fut) @ "xs_anyloop_resultLater";
/** XsLoop's `_timedDone(fut)`. */
function timedDone(fut) @ "xs_anyloop_timedDone";

// Tasks (src/future/coroutine.ts)
/** A task's step (coroutine.ts's `step`): CoroutineFuture._useNativeStep installs it. */
function step(c, ok, value) @ "xs_anyloop_step";

// Futures (src/future/future.ts, waiter.ts, src/tasks/wait-for.ts)
/** Future's `_complete(state, value, inline)`. */
function complete(state, value, inline) @ "xs_anyloop_complete";
/** Future's `[Symbol.iterator]()`. */
function futureIterator() @ "xs_anyloop_futureIterator";
/** FutureIterator's `next()`. */
function futureNext() @ "xs_anyloop_futureNext";
/** `resume(waiter)`, a waiter's loop callback (waiter.ts). */
function resume(waiter) @ "xs_anyloop_resume";
/** Waiter's `_wake()`. */
function wake() @ "xs_anyloop_wake";
/** FutureWait's `next()` (its common paths; the rest goes to its TypeScript `_scriptNext`). */
function waitNext() @ "xs_anyloop_waitNext";

// DigitalIn (src/io/digital-in.ts)
/** DigitalIn's `_onReadable()` (its debounce path; the rest goes to its TypeScript `_scriptOnReadable`). */
function digitalReadable() @ "xs_anyloop_onReadable";
/** The port's `onReadable` (DigitalIn._portReadable): `this.target._onReadable()`. */
function portReadable() @ "xs_anyloop_portReadable";

// The waits that make a waiter (src/primitives/event.ts, queue.ts, src/tasks/interval.ts)
/** Event's `wait(options)` (its common path; the rest goes to its TypeScript `_scriptWait`). */
function eventWait(options) @ "xs_anyloop_eventWait";
/** Queue's `get(options)` (its common path; the rest goes to its TypeScript `_scriptGet`). */
function queueGet(options) @ "xs_anyloop_queueGet";
/** Interval's `tick(options)` (its common path; the rest goes to its TypeScript `_scriptTick`). */
function intervalTick(options) @ "xs_anyloop_intervalTick";
/** Queue's `put(item, options)` (its common path; the rest goes to its TypeScript `_scriptPut`). */
function queuePut(item, options) @ "xs_anyloop_queuePut";

export {
	runOnce, onHost, arm, time, soon, at, expireAt, expireCancel, resultLater, timedDone,
	step,
	complete, futureIterator, futureNext, resume, wake, waitNext,
	digitalReadable, portReadable,
	eventWait, queueGet, intervalTick,
	queuePut,
};
