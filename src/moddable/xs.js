// The Moddable module "anyloop/xs" (manifest.json): the XS loop, GPIO and
// interval entry point. See anyloop.js beside it.
export * from "anyloop/dist/xs";
import { XsLoop } from "anyloop/dist/xs";
import { loopState } from "anyloop/dist/contract/default-loop";
import { Handle, TimerHandle } from "anyloop/dist/contract/handle";
import { Future, FutureIterator, PENDING, RESULT, resultUnlessDone, resolvedFuture } from "anyloop/dist/future/future";
import { CoroutineFuture } from "anyloop/dist/future/coroutine";
import { Waiter, WOKEN } from "anyloop/dist/future/waiter";
import { BaseLoop } from "anyloop/dist/loops/base";
import { expire } from "anyloop/dist/loops/timer-heap";
import { FutureWait } from "anyloop/dist/tasks/wait-for";
import { CREATED, ENTERED, EXITED, onTimeout } from "anyloop/dist/tasks/timeout";
import { DigitalIn, settle } from "anyloop/dist/io/digital-in";
import { Event, EventWaiter } from "anyloop/dist/primitives/event";
import { Queue, GetWaiter, NO_WAITERS, wakeUpNext } from "anyloop/dist/primitives/queue";
import { Ring } from "anyloop/dist/future/ring";
import { addWaiter } from "anyloop/dist/primitives/waiters";
import { Interval, TickWaiter } from "anyloop/dist/tasks/interval";
import {
	runOnce, onHost, arm, time,
	soon, at, expireAt, expireCancel, resultLater, timedDone,
	step,
	complete, futureIterator, futureNext, resume, wake, waitNext,
	digitalReadable, portReadable,
	eventWait, queueGet, intervalTick,
	queuePut,
} from "anyloop/native";

// anyloop/native (native.c): the hot paths of XsLoop, of tasks and of
// futures in C, each the same algorithm as the TypeScript it replaces, on
// the same objects. Installed while the module is preloaded (no native call
// then). The C reads what it needs of the TypeScript (constants,
// prototypes, the loop state) from the frozen objects defined here, which
// preload keeps in flash. The simulator's Node engine has no C: there
// everything stays TypeScript, and its traces are compared with XS's.
if (runOnce !== undefined) {
	const install = (target, name, value) =>
		Object.defineProperty(target, name, { value, writable: true, configurable: true });

	// XsLoop's turn, its host firing (the host timer's callback, re-arming,
	// the clock), its hand-offs and its timers; other loops keep BaseLoop's.
	Object.defineProperty(XsLoop.prototype, "_loopState", { value: loopState });
	Object.defineProperty(onHost, "constants", { value: XsLoop._constants });
	Object.defineProperty(arm, "constants", { value: XsLoop._constants });
	Object.defineProperty(XsLoop.prototype, "_timerKit", { value: Object.freeze({
		Handle: Handle.prototype, TimerHandle: TimerHandle.prototype, create: Object.create,
		resultUnlessDone, expire, checkSchedule: BaseLoop.prototype._checkSchedule,
	}) });
	install(XsLoop.prototype, "_runOnce", runOnce);
	install(XsLoop, "_onHost", onHost);
	install(XsLoop.prototype, "_arm", arm);
	install(XsLoop.prototype, "time", time);
	install(XsLoop.prototype, "_soon", soon);
	install(XsLoop.prototype, "_at", at);
	install(XsLoop.prototype, "_expireAt", expireAt);
	install(XsLoop.prototype, "_expireCancel", expireCancel);
	install(XsLoop.prototype, "_resultLater", resultLater);
	install(XsLoop.prototype, "_timedDone", timedDone);

	// The task step, for every task.
	CoroutineFuture._useNativeStep(step);

	// A future's completion, a waiter's wake-up and resumption, `yield* fut`
	// and `yield* waitFor(fut, ms)`'s common steps. FutureWait keeps its
	// TypeScript `next` for the branches the C hands over.
	const futures = Object.freeze({
		PENDING, RESULT, WOKEN, CREATED, ENTERED, EXITED, loopState, resume, onTimeout,
		callbackFailed: "Exception in callback", iteratorPrototype: FutureIterator.prototype,
	});
	for (const prototype of [Future.prototype, FutureIterator.prototype, FutureWait.prototype])
		Object.defineProperty(prototype, "_anyloopFutures", { value: futures });
	install(Future.prototype, "_complete", complete);
	install(Waiter.prototype, "_wake", wake);
	install(Future.prototype, Symbol.iterator, futureIterator);
	install(FutureIterator.prototype, "next", futureNext);
	install(FutureWait.prototype, "_scriptNext", FutureWait.prototype.next);
	install(FutureWait.prototype, "next", waitNext);

	// DigitalIn's interrupt: the port's callback and `_onReadable`, the
	// debounce path in C (the rest stays TypeScript, as `_scriptOnReadable`).
	Object.defineProperty(DigitalIn.prototype, "_anyloopDigital", { value: Object.freeze({ readable: digitalReadable, time, settle }) });
	install(DigitalIn.prototype, "_scriptOnReadable", DigitalIn.prototype._onReadable);
	install(DigitalIn.prototype, "_onReadable", digitalReadable);
	install(DigitalIn, "_portReadable", portReadable);

	// Event.wait, Queue.get and Interval.tick: their common path (a waiter
	// made and listed) in C, and Queue.put's (the item put, a done future); the rest stays TypeScript, as `_scriptWait`,
	// `_scriptGet`, `_scriptTick`. The C makes a waiter's fields in the order
	// this build's constructors do (a probe tells).
	const probe = Object.keys(new EventWaiter(undefined, { getDebug: () => false }));
	const waits = Object.freeze({
		stateFirst: probe[0] === "_state",
		PENDING, getDebug: BaseLoop.prototype.getDebug, addWaiter, NO_WAITERS,
		eventWaiter: EventWaiter.prototype, getWaiter: GetWaiter.prototype, tickWaiter: TickWaiter.prototype,
		_qsize: Queue.prototype._qsize, ringPush: Ring.prototype.push, _setTimer: Interval.prototype._setTimer,
		// Queue.put's
		_putNow: Queue.prototype._putNow, _put: Queue.prototype._put, ringShift: Ring.prototype.shift, wakeUpNext,
		future: Future.prototype, RESULT, resolvedFuture,
	});
	for (const prototype of [Event.prototype, Queue.prototype, Interval.prototype])
		Object.defineProperty(prototype, "_anyloopWaits", { value: waits });
	install(Event.prototype, "_scriptWait", Event.prototype.wait);
	install(Event.prototype, "wait", eventWait);
	install(Queue.prototype, "_scriptGet", Queue.prototype.get);
	install(Queue.prototype, "get", queueGet);
	install(Interval.prototype, "_scriptTick", Interval.prototype.tick);
	install(Interval.prototype, "tick", intervalTick);
	install(Queue.prototype, "_scriptPut", Queue.prototype.put);
	install(Queue.prototype, "put", queuePut);
}
