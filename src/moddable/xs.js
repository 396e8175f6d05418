// The Moddable module "anyloop/xs" (manifest.json): the XS loop, GPIO and
// interval entry point. See anyloop.js beside it.
export * from "anyloop/dist/xs";
import { XsLoop } from "anyloop/dist/xs";
import { loopState } from "anyloop/dist/contract/default-loop";
import { runOnce, onHost, arm, time } from "anyloop/native";

// XsLoop's turn in C (native.c): the same algorithm as BaseLoop's
// `_runOnce`, at a fraction of its cost in XS. Installed while the module is
// preloaded (no native call), on XsLoop only: other loops keep their own.
if (runOnce !== undefined) {
	Object.defineProperty(XsLoop.prototype, "_runOnce", { value: runOnce, writable: true, configurable: true });
	Object.defineProperty(XsLoop.prototype, "_loopState", { value: loopState });
}

// XsLoop's host firing in C (native.c): its host timer's callback, its
// re-arming and its clock. The C finds the module's constants (the symbol
// of the loop on its host timer among them) on the functions themselves.
if (onHost !== undefined) {
	Object.defineProperty(onHost, "constants", { value: XsLoop._constants });
	Object.defineProperty(arm, "constants", { value: XsLoop._constants });
	Object.defineProperty(XsLoop, "_onHost", { value: onHost, writable: true, configurable: true });
	Object.defineProperty(XsLoop.prototype, "_arm", { value: arm, writable: true, configurable: true });
	Object.defineProperty(XsLoop.prototype, "time", { value: time, writable: true, configurable: true });
}

// XsLoop's hand-offs and timers in C (native.c's timers section): the
// same algorithms as BaseLoop's `_soon`, `_at`, `_expireAt`,
// `_expireCancel`, `_resultLater`, `_timedDone` and TimerHeap's `popDue`
// (in the turn). The C makes the Handles these make, from `_timerKit`
// (frozen: preload keeps it in flash), and calls BaseLoop's
// `_checkSchedule` only when the JavaScript would.
import { soon, at, expireAt, expireCancel, resultLater, timedDone } from "anyloop/native";
import { Handle, TimerHandle } from "anyloop/dist/contract/handle";
import { resultUnlessDone } from "anyloop/dist/future/future";
import { expire } from "anyloop/dist/loops/timer-heap";
import { BaseLoop } from "anyloop/dist/loops/base";

if (soon !== undefined) {
	const method = { writable: true, configurable: true };
	Object.defineProperty(XsLoop.prototype, "_timerKit", { value: Object.freeze({
		Handle: Handle.prototype, TimerHandle: TimerHandle.prototype, create: Object.create,
		resultUnlessDone, expire, checkSchedule: BaseLoop.prototype._checkSchedule,
	}) });
	Object.defineProperty(XsLoop.prototype, "_soon", { value: soon, ...method });
	Object.defineProperty(XsLoop.prototype, "_at", { value: at, ...method });
	Object.defineProperty(XsLoop.prototype, "_expireAt", { value: expireAt, ...method });
	Object.defineProperty(XsLoop.prototype, "_expireCancel", { value: expireCancel, ...method });
	Object.defineProperty(XsLoop.prototype, "_resultLater", { value: resultLater, ...method });
	Object.defineProperty(XsLoop.prototype, "_timedDone", { value: timedDone, ...method });
}
// The task step in C (native.c's xs_anyloop_step): the same algorithm as
// coroutine.ts's step, installed for every task while preloaded.
import { CoroutineFuture } from "anyloop/dist/future/coroutine";
import { step } from "anyloop/native";
if (step !== undefined) CoroutineFuture._useNativeStep(step);
