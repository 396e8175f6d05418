// The Moddable module "anyloop/native" (manifest.json): the XS loop's hot
// paths in C (native.c beside it). anyloop/xs installs them on XsLoop.
// The simulator provides the same C functions through its own module.

/** XsLoop's `_runOnce(limit)`: one turn (BaseLoop's, in C). */
function runOnce(limit) @ "xs_anyloop_runOnce";

/** A task's step (coroutine.ts's `step`, in C): CoroutineFuture._useNativeStep installs it. */
function step(c, ok, value) @ "xs_anyloop_step";

export { runOnce };

/** XsLoop's `_onHost(timer)`: its host timer fired (the turns of a firing, then `_arm()`). */
function onHost(timer) @ "xs_anyloop_onHost";
/** XsLoop's `_arm()`: re-arms the host timer. */
function arm() @ "xs_anyloop_arm";
/** XsLoop's `time()`: the tick counter, its wraps undone. */
function time() @ "xs_anyloop_time";

export { onHost, arm, time };
// The timers' section of native.c: BaseLoop's hand-off and timer hooks for XsLoop.
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

export { soon, at, expireAt, expireCancel, resultLater, timedDone };
export { step };
