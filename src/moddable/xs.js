// The Moddable module "anyloop/xs" (manifest.json): the XS loop, GPIO and
// interval entry point. See anyloop.js beside it.
export * from "anyloop/dist/xs";
import { XsLoop } from "anyloop/dist/xs";
import { loopState } from "anyloop/dist/contract/default-loop";
import { runOnce } from "anyloop/native";

// XsLoop's turn in C (native.c): the same algorithm as BaseLoop's
// `_runOnce`, at a fraction of its cost in XS. Installed while the module is
// preloaded (no native call), on XsLoop only: other loops keep their own.
if (runOnce !== undefined) {
	Object.defineProperty(XsLoop.prototype, "_runOnce", { value: runOnce, writable: true, configurable: true });
	Object.defineProperty(XsLoop.prototype, "_loopState", { value: loopState });
}

// The task step in C (native.c's xs_anyloop_step): the same algorithm as
// coroutine.ts's step, installed for every task while preloaded.
import { CoroutineFuture } from "anyloop/dist/future/coroutine";
import { step } from "anyloop/native";
if (step !== undefined) CoroutineFuture._useNativeStep(step);
