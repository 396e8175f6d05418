/*
 * The Moddable module "anyloop/native" (manifest.json; native.js declares
 * its functions): the XS loop's hot paths in C. The loop's turn runs for
 * every hand-off between tasks; written in JavaScript it is most of what an
 * anyloop app costs in XS (each bytecode is time, and energy, on the
 * device), while native promises do the same work in XS's own C.
 *
 * Each function here is the same algorithm as the TypeScript it replaces
 * (named above it), on the same JavaScript objects and fields: the
 * TypeScript stays the reference, every other engine runs it, and the
 * simulator runs an app in Node (TypeScript) and in XS (this C) and
 * compares the traces. Nothing here throws but what the JavaScript would.
 */
#include "xs.h"

/* Property names, looked up once per machine (a lookup hashes the name). */
static xsMachine* gIdsOf = NULL;
static xsIdentifier id_ready, id_items, id_head, id_mask, id_length, id_timers, id_heap, id_futures,
	id_when, id_time, id_popDue, id_grow, id_callback, id_args, id_run, id_loopState, id_turn,
	id_turnEnd, id_runTurnEnd, id_callbackFailed, id_Array, id_isArray;

static void anyloopIds(xsMachine* the)
{
	if (gIdsOf == the) return;
	id_ready = xsID("_ready");
	id_items = xsID("_items");
	id_head = xsID("_head");
	id_mask = xsID("_mask");
	id_length = xsID("length");
	id_timers = xsID("_timers");
	id_heap = xsID("_heap");
	id_futures = xsID("_futures");
	id_when = xsID("_when");
	id_time = xsID("time");
	id_popDue = xsID("popDue");
	id_grow = xsID("_grow");
	id_callback = xsID("_callback");
	id_args = xsID("_args");
	id_run = xsID("run");
	id_loopState = xsID("_loopState");
	id_turn = xsID("turn");
	id_turnEnd = xsID("_turnEnd");
	id_runTurnEnd = xsID("_runTurnEnd");
	id_callbackFailed = xsID("_callbackFailed");
	id_Array = xsID("Array");
	id_isArray = xsID("isArray");
	gIdsOf = the;
}

#define anyloopInt(_THIS, _ID) xsToInteger(xsGet(_THIS, _ID))

/*
 * BaseLoop.prototype._runOnce(limit = Infinity) (src/loops/base.ts): one
 * turn. The due timers move to the ready queue, then at most `limit` of the
 * callbacks ready when the turn began run, each wrapped: an exception goes
 * to the loop's `_callbackFailed` and the turn goes on.
 */
void xs_anyloop_runOnce(xsMachine* the)
{
	xsNumberValue limit = -1;
	xsIntegerValue n, head, mask, length;
	anyloopIds(the);
	if (xsToInteger(xsArgc) > 0 && xsTypeOf(xsArg(0)) != xsUndefinedType) limit = xsToNumber(xsArg(0));
	/* 0: the ready queue, 1: its slots, 2: the heap of handles, then the entry, 3: its argument, 4: loopState, 5: the outer turn, 6: the exception */
	xsVars(7);
	xsVar(0) = xsGet(xsThis, id_ready);
	xsVar(1) = xsGet(xsVar(0), id_items);
	xsVar(6) = xsGet(xsThis, id_timers);
	xsVar(2) = xsGet(xsVar(6), id_heap);
	xsVar(3) = xsGet(xsVar(6), id_futures);
	if (anyloopInt(xsVar(2), id_length) > 0 || anyloopInt(xsVar(3), id_length) > 0) {
		/* The clock is read only when a timer could be due (on a device each read is a host call). */
		xsVar(4) = xsCall0(xsThis, id_time);
		xsNumberValue now = xsToNumber(xsVar(4));
		for (;;) {
			/* popDue() called only while a timer may be due: with no sleep waiting the top handle tells. */
			if (anyloopInt(xsVar(3), id_length) == 0) {
				if (anyloopInt(xsVar(2), id_length) == 0) break;
				xsVar(5) = xsGetIndex(xsVar(2), 0);
				if (xsToNumber(xsGet(xsVar(5), id_when)) > now) break;
			}
			xsVar(5) = xsCall1(xsVar(6), id_popDue, xsVar(4));
			if (xsTypeOf(xsVar(5)) == xsUndefinedType) break;
			/* ReadyQueue.push(handle) */
			length = anyloopInt(xsVar(0), id_length);
			if (2 * length > anyloopInt(xsVar(0), id_mask)) xsCall0(xsVar(0), id_grow);
			head = anyloopInt(xsVar(0), id_head);
			mask = anyloopInt(xsVar(0), id_mask);
			xsSetIndex(xsVar(1), (head + 2 * length) & mask, xsVar(5));
			xsSet(xsVar(0), id_length, xsInteger(length + 1));
		}
	}
	n = anyloopInt(xsVar(0), id_length);
	if (limit >= 0 && limit < n) n = (xsIntegerValue)limit;
	/* This loop is the running loop for the turn; a nested turn of another loop gives it back afterwards. */
	xsVar(4) = xsGet(xsThis, id_loopState);
	xsVar(5) = xsGet(xsVar(4), id_turn);
	xsSet(xsVar(4), id_turn, xsThis);
	while (n > 0) {
		n--;
		/* ReadyQueue.shift(), a pair left as it is */
		head = anyloopInt(xsVar(0), id_head);
		xsVar(2) = xsGetIndex(xsVar(1), head);
		/* close() from a callback ran the rest of this turn already: the queue ran out. */
		if (xsTypeOf(xsVar(2)) == xsUndefinedType) break;
		xsVar(3) = xsGetIndex(xsVar(1), head + 1);
		xsSetIndex(xsVar(1), head, xsUndefined);
		xsSetIndex(xsVar(1), head + 1, xsUndefined);
		xsSet(xsVar(0), id_head, xsInteger((head + 2) & anyloopInt(xsVar(0), id_mask)));
		xsSet(xsVar(0), id_length, xsInteger(anyloopInt(xsVar(0), id_length) - 1));
		xsTry {
			if (xsIsCallable(xsVar(2))) {
				/* A pair: anyloop's own callback and its argument. */
				xsCallFunction1(xsVar(2), xsUndefined, xsVar(3));
			}
			else {
				/* A Handle, run as handle.run() runs it: detached, its arguments spread. */
				xsVar(6) = xsGet(xsVar(2), id_callback);
				if (xsTypeOf(xsVar(6)) != xsNullType) {
					xsVar(3) = xsGet(xsVar(2), id_args);
					if (xsTypeOf(xsVar(3)) == xsUndefinedType)
						xsCallFunction0(xsVar(6), xsUndefined);
					else if (xsTypeOf(xsVar(3)) == xsReferenceType && xsTest(xsCall1(xsGet(xsGlobal, id_Array), id_isArray, xsVar(3))))
						xsCall0(xsVar(2), id_run);
					else
						xsCallFunction1(xsVar(6), xsUndefined, xsVar(3));
				}
			}
		}
		xsCatch {
			xsVar(6) = xsException;
			xsCall3(xsThis, id_callbackFailed, xsVar(2), xsVar(3), xsVar(6));
		}
	}
	xsSet(xsVar(4), id_turn, xsVar(5));
	xsVar(6) = xsGet(xsThis, id_turnEnd);
	if (xsTypeOf(xsVar(6)) != xsUndefinedType && anyloopInt(xsVar(6), id_length) > 0)
		xsCall1(xsThis, id_runTurnEnd, xsVar(6));
}

/*
 * The Future layer's hot paths (src/future/future.ts, waiter.ts,
 * src/tasks/wait-for.ts): what every wait of a task runs besides the loop's
 * turn. anyloop/xs installs them as the prototype methods they replace, and
 * defines `_anyloopFutures` on those prototypes: the states (read once per
 * machine) and the JavaScript values the C needs (the loop state, the
 * waiter's resume callback, the timeout's expiry callback, the report's
 * message), frozen. A branch these functions leave to the TypeScript hands
 * over before any side effect: the original method, kept on the prototype.
 */
#include <math.h>

static xsMachine* gFutureIdsOf = NULL;
static xsIdentifier fid_state, fid_value, fid_callbacks, fid_doneCallback, fid_loop, fid_soon, fid_callSoon,
	fid_notify, fid_callExceptionHandler, fid_message, fid_exception, fid_future, fid_length, fid_Array,
	fid_isArray, fid_Object, fid_is, fid_anyloopFutures, fid_resume, fid_onTimeout, fid_callbackFailed,
	fid_loopState, fid_task, fid_done, fid_result, fid_futureOf, fid_cancelRequests, fid_cancelling, fid_when,
	fid_time, fid_expireAt, fid_expireCancel, fid_disarm, fid_handle, fid_index, fid_scriptNext, fid_valueProp, fid_taskOf, fid_create, fid_iteratorPrototype, fid_resumeStep, fid_callAt;
static xsIntegerValue kPending, kResult, kWoken, kCreated, kEntered, kExited;

/* `of`: an object of a prototype the functions are installed on (a Future, a FutureIterator, a FutureWait). */
static void anyloopFutureIds(xsMachine* the, xsSlot* of)
{
	if (gFutureIdsOf == the) return;
	fid_state = xsID("_state");
	fid_value = xsID("_value");
	fid_callbacks = xsID("_callbacks");
	fid_doneCallback = xsID("_doneCallback");
	fid_loop = xsID("_loop");
	fid_soon = xsID("_soon");
	fid_callSoon = xsID("callSoon");
	fid_notify = xsID("_notify");
	fid_callExceptionHandler = xsID("callExceptionHandler");
	fid_message = xsID("message");
	fid_exception = xsID("exception");
	fid_future = xsID("future");
	fid_length = xsID("length");
	fid_Array = xsID("Array");
	fid_isArray = xsID("isArray");
	fid_Object = xsID("Object");
	fid_is = xsID("is");
	fid_anyloopFutures = xsID("_anyloopFutures");
	fid_resume = xsID("resume");
	fid_onTimeout = xsID("onTimeout");
	fid_callbackFailed = xsID("callbackFailed");
	fid_loopState = xsID("loopState");
	fid_task = xsID("task");
	fid_done = xsID("done");
	fid_result = xsID("result");
	fid_futureOf = xsID("_future");
	fid_cancelRequests = xsID("_cancelRequests");
	fid_cancelling = xsID("_cancelling");
	fid_when = xsID("_when");
	fid_time = xsID("time");
	fid_expireAt = xsID("_expireAt");
	fid_expireCancel = xsID("_expireCancel");
	fid_disarm = xsID("_disarm");
	fid_handle = xsID("_handle");
	fid_index = xsID("_index");
	fid_scriptNext = xsID("_scriptNext");
	fid_valueProp = xsID("value");
	fid_taskOf = xsID("_task");
	fid_create = xsID("create");
	fid_resumeStep = xsID("_resume");
	fid_callAt = xsID("callAt");
	fid_iteratorPrototype = xsID("iteratorPrototype");
	/* Every prototype these functions are installed on has _anyloopFutures. */
	xsResult = xsGet(*of, fid_anyloopFutures);
	kPending = xsToInteger(xsGet(xsResult, xsID("PENDING")));
	kResult = xsToInteger(xsGet(xsResult, xsID("RESULT")));
	kWoken = xsToInteger(xsGet(xsResult, xsID("WOKEN")));
	kCreated = xsToInteger(xsGet(xsResult, xsID("CREATED")));
	kEntered = xsToInteger(xsGet(xsResult, xsID("ENTERED")));
	kExited = xsToInteger(xsGet(xsResult, xsID("EXITED")));
	xsResult = xsUndefined;
	gFutureIdsOf = the;
}

/* No xs macro is an argument of another that pushes (xsGet, xsSet, xsCall, xsTest): C leaves the order of their stack operations unspecified. */
#define anyloopIsNullish(_SLOT) (xsTypeOf(_SLOT) == xsUndefinedType || xsTypeOf(_SLOT) == xsNullType)
#define anyloopIsNumber(_SLOT) (xsTypeOf(_SLOT) == xsIntegerType || xsTypeOf(_SLOT) == xsNumberType)

/*
 * The end of Future.prototype._notify(listener, inline): `callback(arg)`
 * (callback in xsVar(1), arg in xsVar(2)) scheduled through the loop's
 * `_soon`, else `callSoon`, or, `inline`, run now, a failure reported to the
 * loop's handler. Uses xsVar(3) and xsVar(4).
 */
static void anyloopTell(xsMachine* the, xsBooleanValue inlined)
{
	xsVar(3) = xsGet(xsThis, fid_loop);
	if (!inlined) {
		if (xsTypeOf(xsGet(xsVar(3), fid_soon)) != xsUndefinedType) xsCall2(xsVar(3), fid_soon, xsVar(1), xsVar(2));
		else xsCall2(xsVar(3), fid_callSoon, xsVar(1), xsVar(2));
		return;
	}
	xsTry {
		xsCallFunction1(xsVar(1), xsUndefined, xsVar(2));
	}
	xsCatch {
		xsVar(4) = xsException;
		xsVar(1) = xsNewObject();
		xsVar(2) = xsGet(xsThis, fid_anyloopFutures);
		xsVar(2) = xsGet(xsVar(2), fid_callbackFailed);
		xsSet(xsVar(1), fid_message, xsVar(2));
		xsSet(xsVar(1), fid_exception, xsVar(4));
		xsSet(xsVar(1), fid_future, xsThis);
		xsVar(3) = xsGet(xsThis, fid_loop);
		xsCall1(xsVar(3), fid_callExceptionHandler, xsVar(1));
	}
}

/*
 * Future.prototype._complete(state, value, inline): the future is done; its
 * listeners are told (one function, one DoneListener, an array of them), a
 * promise Reaction through the TypeScript `_notify`, as the TypeScript does.
 */
void xs_anyloop_complete(xsMachine* the)
{
	xsIntegerValue argc = xsToInteger(xsArgc), i;
	xsBooleanValue inlined = argc > 2 && xsTest(xsArg(2));
	anyloopFutureIds(the, &xsThis);
	/* 0: the listeners, 1: a callback, 2: its argument, 3: the loop, 4: an exception */
	xsVars(5);
	xsSet(xsThis, fid_state, argc > 0 ? xsArg(0) : xsUndefined);
	xsSet(xsThis, fid_value, argc > 1 ? xsArg(1) : xsUndefined);
	xsVar(0) = xsGet(xsThis, fid_callbacks);
	if (anyloopIsNullish(xsVar(0))) return;
	xsSet(xsThis, fid_callbacks, xsNull);
	if (xsIsCallable(xsVar(0))) {
		xsVar(1) = xsVar(0);
		xsVar(2) = xsThis;
		anyloopTell(the, inlined);
		return;
	}
	/* The common case, one DoneListener (a task). An array has no _doneCallback. */
	xsVar(1) = xsGet(xsVar(0), fid_doneCallback);
	if (xsTypeOf(xsVar(1)) != xsUndefinedType) {
		xsVar(2) = xsVar(0);
		anyloopTell(the, inlined);
		return;
	}
	xsVar(3) = xsGet(xsGlobal, fid_Array);
	xsVar(3) = xsCall1(xsVar(3), fid_isArray, xsVar(0));
	if (!xsTest(xsVar(3))) {
		xsCall2(xsThis, fid_notify, xsVar(0), xsBoolean(inlined));
		return;
	}
	for (i = 0; i < anyloopInt(xsVar(0), fid_length); i++) {
		/* _notify(listener, inline) */
		xsVar(1) = xsGetIndex(xsVar(0), i);
		if (xsIsCallable(xsVar(1))) {
			xsVar(2) = xsThis;
		}
		else {
			xsVar(2) = xsVar(1);
			xsVar(1) = xsGet(xsVar(2), fid_doneCallback);
			if (xsTypeOf(xsVar(1)) == xsUndefinedType) {
				/* A promise Reaction: the TypeScript settles it. */
				xsCall2(xsThis, fid_notify, xsVar(2), xsBoolean(inlined));
				continue;
			}
		}
		anyloopTell(the, inlined);
	}
}

/*
 * FutureIterator.prototype.next() (src/future/future.ts): `yield* fut`
 * yields the iterator while the future is pending, then its result.
 */
void xs_anyloop_futureNext(xsMachine* the)
{
	xsIntegerValue s;
	anyloopFutureIds(the, &xsThis);
	xsVars(2);
	xsVar(0) = xsGet(xsThis, fid_futureOf);
	s = xsToInteger(xsGet(xsVar(0), fid_state));
	if (s > 0) {
		if (s == kResult) xsVar(1) = xsGet(xsVar(0), fid_value);
		else xsVar(1) = xsCall0(xsVar(0), fid_result);
		xsSet(xsThis, fid_valueProp, xsVar(1));
		xsSet(xsThis, fid_done, xsTrue);
	}
	xsResult = xsThis;
}

/*
 * Future.prototype[Symbol.iterator]() (src/future/future.ts): the
 * FutureIterator `yield* fut` drives, `new FutureIterator(this)`: the same
 * ordinary object, its fields in the constructor's order.
 */
void xs_anyloop_futureIterator(xsMachine* the)
{
	anyloopFutureIds(the, &xsThis);
	xsVars(2);
	xsVar(0) = xsGet(xsGlobal, fid_Object);
	xsVar(1) = xsGet(xsThis, fid_anyloopFutures);
	xsVar(1) = xsGet(xsVar(1), fid_iteratorPrototype);
	xsResult = xsCall1(xsVar(0), fid_create, xsVar(1));
	xsSet(xsResult, fid_futureOf, xsThis);
	xsSet(xsResult, fid_done, xsFalse);
	xsSet(xsResult, fid_valueProp, xsThis);
}

/*
 * Waiter.prototype._wake() (src/future/waiter.ts): asyncio's
 * `fut.set_result()`; the waiter resumes through the loop.
 */
void xs_anyloop_wake(xsMachine* the)
{
	anyloopFutureIds(the, &xsThis);
	xsVars(2);
	if (xsToInteger(xsGet(xsThis, fid_state)) != kPending) {
		xsResult = xsFalse;
		return;
	}
	xsSet(xsThis, fid_state, xsInteger(kWoken));
	xsVar(0) = xsGet(xsThis, fid_loop);
	xsVar(1) = xsGet(xsThis, fid_anyloopFutures);
	xsVar(1) = xsGet(xsVar(1), fid_resume);
	if (xsTypeOf(xsGet(xsVar(0), fid_soon)) != xsUndefinedType) xsCall2(xsVar(0), fid_soon, xsVar(1), xsThis);
	else xsCall2(xsVar(0), fid_callSoon, xsVar(1), xsThis);
	xsResult = xsTrue;
}

/*
 * resume(w) (src/future/waiter.ts): the loop callback of a woken or
 * cancelled waiter, which `_wake` schedules. A waiter that finished since
 * has nothing left to do.
 */
void xs_anyloop_resume(xsMachine* the)
{
	anyloopFutureIds(the, &xsArg(0));
	if (xsToInteger(xsGet(xsArg(0), fid_state)) < kPending) xsCall0(xsArg(0), fid_resumeStep);
}

/*
 * FutureWait.prototype.next() (src/tasks/wait-for.ts), its two common
 * paths: entering with the future pending (on a loop with the EntryTimers
 * hook when there is a limit), and leaving with its result. The rest (no
 * task, a future done at once, a failure, an expiry) is the TypeScript's.
 */
void xs_anyloop_waitNext(xsMachine* the)
{
	xsIntegerValue state;
	xsBooleanValue timed;
	xsNumberValue now, when;
	anyloopFutureIds(the, &xsThis);
	/* 0: the future, 1: its loop, 2: the task, 3: the limit, 4: a temporary */
	xsVars(5);
	state = xsToInteger(xsGet(xsThis, fid_state));
	xsVar(0) = xsGet(xsThis, fid_futureOf);
	xsVar(1) = xsGet(xsVar(0), fid_loop);
	if (state == kCreated) {
		xsVar(2) = xsGet(xsThis, fid_anyloopFutures);
		xsVar(2) = xsGet(xsVar(2), fid_loopState);
		xsVar(2) = xsGet(xsVar(2), fid_task);
		if (xsTypeOf(xsVar(2)) != xsReferenceType) goto script;
		xsVar(4) = xsGet(xsGlobal, fid_Object);
		xsVar(3) = xsGet(xsVar(2), fid_loop);
		xsVar(3) = xsCall2(xsVar(4), fid_is, xsVar(3), xsVar(1));
		if (!xsTest(xsVar(3))) goto script;
		if (xsToInteger(xsGet(xsVar(0), fid_state)) > 0) goto script;
		xsVar(3) = xsGet(xsThis, fid_when);
		timed = xsTypeOf(xsVar(3)) != xsNullType && !(anyloopIsNumber(xsVar(3)) && xsToNumber(xsVar(3)) == INFINITY);
		/* A limit is a number (waitFor checked it); a loop without the hook takes callAt: the TypeScript's. */
		if (timed && (!anyloopIsNumber(xsVar(3)) || !xsIsCallable(xsGet(xsVar(1), fid_expireAt)))) goto script;
		xsSet(xsThis, fid_state, xsInteger(kEntered));
		xsSet(xsThis, fid_taskOf, xsVar(2));
		/* task.cancelling(), read in place */
		xsVar(4) = xsGet(xsVar(2), fid_cancelRequests);
		if (xsTypeOf(xsVar(4)) != xsUndefinedType && !(anyloopIsNumber(xsVar(4)) && xsToNumber(xsVar(4)) == 0))
			xsSet(xsThis, fid_cancelling, xsVar(4));
		if (timed) {
			now = xsToNumber(xsCall0(xsVar(1), fid_time));
			when = now + xsToNumber(xsVar(3));
			xsSet(xsThis, fid_when, xsNumber(when));
			if (when > now) xsCall1(xsVar(1), fid_expireAt, xsThis);
			else {
				/* the task (stored) gives its slot to the handle */
				xsVar(4) = xsGet(xsThis, fid_anyloopFutures);
				xsVar(4) = xsGet(xsVar(4), fid_onTimeout);
				if (when <= now) xsVar(2) = xsCall2(xsVar(1), fid_callSoon, xsVar(4), xsThis);
				else xsVar(2) = xsCall3(xsVar(1), fid_callAt, xsNumber(when), xsVar(4), xsThis);
				xsSet(xsThis, fid_handle, xsVar(2));
			}
		}
		xsSet(xsThis, fid_done, xsFalse);
		xsSet(xsThis, fid_valueProp, xsVar(0));
		xsResult = xsThis;
		return;
	}
	if (state == kEntered && xsToInteger(xsGet(xsVar(0), fid_state)) == kResult) {
		/* The common end: the timer goes, nothing expired. */
		xsVar(4) = xsGet(xsThis, fid_index);
		if (anyloopIsNumber(xsVar(4)) && xsToNumber(xsVar(4)) >= 0) xsCall1(xsVar(1), fid_expireCancel, xsThis);
		else xsCall0(xsThis, fid_disarm);
		xsSet(xsThis, fid_state, xsInteger(kExited));
		xsSet(xsThis, fid_done, xsTrue);
		xsVar(4) = xsGet(xsVar(0), fid_value);
		xsSet(xsThis, fid_valueProp, xsVar(4));
		xsResult = xsThis;
		return;
	}
script:
	xsResult = xsCall0(xsThis, fid_scriptNext);
}
