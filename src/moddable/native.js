// The Moddable module "anyloop/native" (manifest.json): the XS loop's hot
// paths in C (native.c beside it). anyloop/xs installs them on XsLoop.
// The simulator provides the same C functions through its own module.

/** XsLoop's `_runOnce(limit)`: one turn (BaseLoop's, in C). */
function runOnce(limit) @ "xs_anyloop_runOnce";

export { runOnce };

/** XsLoop's `_onHost(timer)`: its host timer fired (the turns of a firing, then `_arm()`). */
function onHost(timer) @ "xs_anyloop_onHost";
/** XsLoop's `_arm()`: re-arms the host timer. */
function arm() @ "xs_anyloop_arm";
/** XsLoop's `time()`: the tick counter, its wraps undone. */
function time() @ "xs_anyloop_time";

export { onHost, arm, time };
