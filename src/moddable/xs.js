// The Moddable module "anyloop/xs" (manifest.json): the XS loop, GPIO and
// interval entry point. See anyloop.js beside it.
export * from "anyloop/dist/xs";
import { XsLoop } from "anyloop/dist/xs";
import { loopState } from "anyloop/dist/contract/default-loop";
import { runOnce } from "anyloop/native";
import { Future, FutureIterator, PENDING, RESULT } from "anyloop/dist/future/future";
import { Waiter, WOKEN } from "anyloop/dist/future/waiter";
import { FutureWait } from "anyloop/dist/tasks/wait-for";
import { CREATED, ENTERED, EXITED, onTimeout } from "anyloop/dist/tasks/timeout";
import { complete, futureIterator, futureNext, resume, wake, waitNext } from "anyloop/native";

// XsLoop's turn in C (native.c): the same algorithm as BaseLoop's
// `_runOnce`, at a fraction of its cost in XS. Installed while the module is
// preloaded (no native call), on XsLoop only: other loops keep their own.
if (runOnce !== undefined) {
	Object.defineProperty(XsLoop.prototype, "_runOnce", { value: runOnce, writable: true, configurable: true });
	Object.defineProperty(XsLoop.prototype, "_loopState", { value: loopState });
}

// The Future layer's hot paths in C (native.c): a future's completion, a
// waiter's wake-up and resumption, `yield* fut` (its iterator and steps)
// and `yield* waitFor(fut, ms)`'s steps, the same
// algorithms as the TypeScript methods they replace. FutureWait keeps its
// TypeScript `next` for the branches the C hands over. `_anyloopFutures`:
// what the C reads of the TypeScript (the states, the loop state, callbacks;
// `resume`, the waiter's loop callback `_wake` schedules, is the C's too).
if (complete !== undefined) {
	const futures = Object.freeze({
		PENDING, RESULT, WOKEN, CREATED, ENTERED, EXITED, loopState, resume, onTimeout,
		callbackFailed: "Exception in callback", iteratorPrototype: FutureIterator.prototype,
	});
	const install = (prototype, name, value) =>
		Object.defineProperty(prototype, name, { value, writable: true, configurable: true });
	for (const prototype of [Future.prototype, FutureIterator.prototype, FutureWait.prototype])
		Object.defineProperty(prototype, "_anyloopFutures", { value: futures });
	install(Future.prototype, "_complete", complete);
	install(Waiter.prototype, "_wake", wake);
	install(Future.prototype, Symbol.iterator, futureIterator);
	install(FutureIterator.prototype, "next", futureNext);
	install(FutureWait.prototype, "_scriptNext", FutureWait.prototype.next);
	install(FutureWait.prototype, "next", waitNext);
}
