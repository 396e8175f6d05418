// The Moddable module "anyloop/native" (manifest.json): the XS loop's hot
// paths in C (native.c beside it). anyloop/xs installs them on XsLoop.
// The simulator provides the same C functions through its own module.

/** XsLoop's `_runOnce(limit)`: one turn (BaseLoop's, in C). */
function runOnce(limit) @ "xs_anyloop_runOnce";

/** A task's step (coroutine.ts's `step`, in C): CoroutineFuture._useNativeStep installs it. */
function step(c, ok, value) @ "xs_anyloop_step";

export { runOnce };
export { step };
