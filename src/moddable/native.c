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
 * The task step (src/future/coroutine.ts, `step`): one step of a
 * CoroutineFuture (a task), as the TypeScript runs it, on the same objects.
 * What it needs from JavaScript comes in `kit`, a frozen object on the
 * function itself (CoroutineFuture._useNativeStep defines it): Future's,
 * Delegation's and CancelledError's prototypes, loopState, the state
 * constants, and the TypeScript for the rare cases. A task with a
 * cancellation pending is handed to the TypeScript step before anything
 * happens; a yielded value whose prototype chain XS cannot walk without
 * JavaScript (a Proxy) or that is no Future or Delegation goes to the
 * TypeScript's `yielded`, which applies `instanceof` as the step does.
 */
static xsMachine* gStepIdsOf = NULL;
static xsIdentifier sid_kit, sid_step, sid_stepThrow, sid_loopState, sid_futureProto, sid_delegationProto,
	sid_cancelledProto, sid_Delegation, sid_yielded, sid_isCancelled, sid_TypeError, sid_Error, sid_PENDING,
	sid_RESULT, sid_CANCELLED, sid_rvalue, sid_waitingOn, sid_mustCancel, sid_state, sid_value, sid_failure, sid_task,
	sid_turn, sid_loop, sid_coro, sid_levelCoro, sid_constructor, sid_next, sid_throw, sid_done, sid_complete,
	sid_completeException, sid_outer, sid_callSoon, sid_soon, sid_retrieved, sid_callbacks, sid_listen,
	sid_cancel, sid_msg;

static void stepIds(xsMachine* the)
{
	if (gStepIdsOf == the) return;
	sid_kit = xsID("kit");
	sid_step = xsID("step");
	sid_stepThrow = xsID("stepThrow");
	sid_loopState = xsID("loopState");
	sid_futureProto = xsID("futureProto");
	sid_delegationProto = xsID("delegationProto");
	sid_cancelledProto = xsID("cancelledProto");
	sid_Delegation = xsID("Delegation");
	sid_yielded = xsID("yielded");
	sid_isCancelled = xsID("isCancelled");
	sid_TypeError = xsID("TypeError");
	sid_Error = xsID("Error");
	sid_PENDING = xsID("PENDING");
	sid_RESULT = xsID("RESULT");
	sid_CANCELLED = xsID("CANCELLED");
	sid_waitingOn = xsID("_waitingOn");
	sid_mustCancel = xsID("_mustCancel");
	sid_state = xsID("_state");
	sid_value = xsID("_value");
	sid_rvalue = xsID("value");
	sid_failure = xsID("_failure");
	sid_task = xsID("task");
	sid_turn = xsID("turn");
	sid_loop = xsID("_loop");
	sid_coro = xsID("_coro");
	sid_levelCoro = xsID("coro");
	sid_constructor = xsID("constructor");
	sid_next = xsID("next");
	sid_throw = xsID("throw");
	sid_done = xsID("done");
	sid_complete = xsID("_complete");
	sid_completeException = xsID("_completeException");
	sid_outer = xsID("outer");
	sid_callSoon = xsID("callSoon");
	sid_soon = xsID("_soon");
	sid_retrieved = xsID("_retrieved");
	sid_callbacks = xsID("_callbacks");
	sid_listen = xsID("_listen");
	sid_cancel = xsID("cancel");
	sid_msg = xsID("msg");
	gStepIdsOf = the;
}

/* `===`: XS's own (xs.h has none). */
extern xsBooleanValue fxIsSameSlot(xsMachine* the, xsSlot* a, xsSlot* b);
#define anyloopSame(_A, _B) fxIsSameSlot(the, &(_A), &(_B))
#define anyloopUndefined(_SLOT) (xsTypeOf(_SLOT) == xsUndefinedType)

/* Strict nesting: an xs.h macro's argument must not push (fxPush's store and its operand are unsequenced). */

/* `e instanceof CancelledError`: XS walks a chain of ordinary objects; anything else (a Proxy) is JavaScript's. */
static xsBooleanValue anyloopIsCancelled(xsMachine* the, xsSlot* kit, xsSlot* e, xsSlot* scratch)
{
	*scratch = xsGet(*kit, sid_cancelledProto);
	if (xsIsInstanceOf(*e, *scratch)) return 1;
	if (xsTypeOf(*e) != xsReferenceType) return 0;
	*scratch = xsCall1(*kit, sid_isCancelled, *e);
	return xsTest(*scratch);
}

/* c._loop.callSoon(kit.stepThrow, c, e) */
static void anyloopStepThrow(xsMachine* the, xsSlot* kit, xsSlot* c, xsSlot* e, xsSlot* scratch, xsSlot* scratch2)
{
	*scratch = xsGet(*c, sid_loop);
	*scratch2 = xsGet(*kit, sid_stepThrow);
	xsCall3(*scratch, sid_callSoon, *scratch2, *c, *e);
}

void xs_anyloop_step(xsMachine* the)
{
	xsIntegerValue argc = xsToInteger(xsArgc);
	/* volatile: read after a longjmp (xsCatch) that may have left them in registers. */
	volatile xsBooleanValue ok, running = 0, delegated = 0, again, finished = 0, failed = 0;
	stepIds(the);
	/* 0: c, 1: value, 2: kit, 3: loopState, 4: the outer task, 5: the outer turn, 6: level, 7: coro, 8: r, 9, 10, 12, 13: scratch, 11: the exception */
	xsVars(14);
	xsVar(0) = argc > 0 ? xsArg(0) : xsUndefined;
	xsVar(2) = xsGet(xsFunction, sid_kit);
	xsVar(9) = xsGet(xsVar(0), sid_mustCancel);
	if (!anyloopUndefined(xsVar(9))) {
		/* A cancellation pending (rare): the TypeScript step, from the start. */
		xsVar(12) = xsGet(xsVar(2), sid_step);
		xsVar(9) = argc > 1 ? xsArg(1) : xsUndefined;
		xsVar(10) = argc > 2 ? xsArg(2) : xsUndefined;
		xsCallFunction3(xsVar(12), xsUndefined, xsVar(0), xsVar(9), xsVar(10));
		return;
	}
	if (argc > 1 && !anyloopUndefined(xsArg(1))) {
		ok = xsTest(xsArg(1));
		xsVar(1) = argc > 2 ? xsArg(2) : xsUndefined;
	}
	else {
		/* The wake-up: the outcome of what the task waited on. */
		xsVar(1) = xsGet(xsVar(0), sid_waitingOn);
		if (anyloopUndefined(xsVar(1)))
			ok = 1;
		else if (xsTypeOf(xsVar(1)) == xsNullType)
			return;
		else {
			xsVar(9) = xsGet(xsVar(1), sid_state);
			xsVar(10) = xsGet(xsVar(2), sid_RESULT);
			ok = anyloopSame(xsVar(9), xsVar(10));
			xsVar(1) = ok ? xsGet(xsVar(1), sid_value) : xsCall0(xsVar(1), sid_failure);
		}
	}
	xsVar(9) = xsGet(xsVar(0), sid_state);
	xsVar(10) = xsGet(xsVar(2), sid_PENDING);
	if (!anyloopSame(xsVar(9), xsVar(10))) return;
	/* The task is the current task, and its loop the running loop, while it steps. */
	xsVar(3) = xsGet(xsVar(2), sid_loopState);
	xsVar(4) = xsGet(xsVar(3), sid_task);
	xsVar(5) = xsGet(xsVar(3), sid_turn);
	xsSet(xsVar(3), sid_task, xsVar(0));
	xsVar(9) = xsGet(xsVar(0), sid_loop);
	xsSet(xsVar(3), sid_turn, xsVar(9));
	xsVar(6) = xsGet(xsVar(0), sid_coro);
	xsTry {
		xsSet(xsVar(0), sid_waitingOn, xsNull);
	}
	xsCatch {
		failed = 1;
		xsVar(11) = xsException;
	}
	again = !failed;
	while (again) {
		again = 0;
		xsTry {
			/* The levels run one at a time (see delegate): a level that ends passes its value or exception to the one below. */
			for (;;) {
				xsVar(9) = xsGet(xsVar(6), sid_constructor);
				xsVar(10) = xsGet(xsVar(2), sid_Delegation);
				xsVar(7) = anyloopSame(xsVar(9), xsVar(10)) ? xsGet(xsVar(6), sid_levelCoro) : xsVar(6);
				delegated = !anyloopSame(xsVar(7), xsVar(6));
				running = 1;
				xsVar(8) = ok ? xsCall1(xsVar(7), sid_next, xsVar(1)) : xsCall1(xsVar(7), sid_throw, xsVar(1));
				running = 0;
				xsVar(9) = xsGet(xsVar(8), sid_done);
				if (xsTest(xsVar(9))) {
					if (delegated) {
						xsVar(6) = xsGet(xsVar(6), sid_outer);
						xsSet(xsVar(0), sid_coro, xsVar(6));
						ok = 1;
						xsVar(1) = xsGet(xsVar(8), sid_rvalue);
						continue;
					}
					xsSet(xsVar(0), sid_coro, xsNull);
					xsVar(9) = xsGet(xsVar(0), sid_mustCancel);
					if (!anyloopUndefined(xsVar(9))) {
						/* Cancelled during its last step: it ends cancelled, as in asyncio. */
						xsSet(xsVar(0), sid_mustCancel, xsUndefined);
						xsVar(10) = xsGet(xsVar(2), sid_CANCELLED);
						xsVar(12) = xsGet(xsVar(9), sid_msg);
					}
					else {
						xsVar(10) = xsGet(xsVar(2), sid_RESULT);
						xsVar(12) = xsGet(xsVar(8), sid_rvalue);
					}
					xsCall3(xsVar(0), sid_complete, xsVar(10), xsVar(12), xsFalse);
					finished = 1;
					break;
				}
				xsVar(1) = xsGet(xsVar(8), sid_rvalue);
				xsVar(9) = xsGet(xsVar(2), sid_futureProto);
				if (xsIsInstanceOf(xsVar(1), xsVar(9))) break;
				xsVar(9) = xsGet(xsVar(2), sid_delegationProto);
				if (!xsIsInstanceOf(xsVar(1), xsVar(9))) {
					/* JavaScript's instanceof, a thenable, or the TypeError: null for a Delegation. */
					xsVar(9) = xsCall2(xsVar(2), sid_yielded, xsVar(1), xsVar(0));
					if (xsTypeOf(xsVar(9)) != xsNullType) {
						xsVar(1) = xsVar(9);
						break;
					}
				}
				xsSet(xsVar(1), sid_outer, xsVar(6));
				xsVar(6) = xsVar(1);
				xsSet(xsVar(0), sid_coro, xsVar(6));
				ok = 1;
				xsVar(1) = xsUndefined;
			}
			if (!finished) {
				if (anyloopSame(xsVar(1), xsVar(0))) {
					xsVar(9) = xsString("a task cannot await itself");
					xsVar(11) = xsNew1(xsVar(2), sid_TypeError, xsVar(9));
					anyloopStepThrow(the, &xsVar(2), &xsVar(0), &xsVar(11), &xsVar(9), &xsVar(10));
				}
				else if (xsVar(9) = xsGet(xsVar(1), sid_loop), xsVar(10) = xsGet(xsVar(0), sid_loop), !anyloopSame(xsVar(9), xsVar(10))) {
					/* asyncio's RuntimeError: the other loop would run this task's step. */
					xsVar(9) = xsString("Task got Future attached to a different loop");
					xsVar(11) = xsNew1(xsVar(2), sid_Error, xsVar(9));
					anyloopStepThrow(the, &xsVar(2), &xsVar(0), &xsVar(11), &xsVar(9), &xsVar(10));
				}
				else {
					xsVar(9) = xsGet(xsVar(1), sid_state);
					if (xsToNumber(xsVar(9)) > 0) {
						/* Already done: woken in a later callback, as addDoneCallback does. */
						xsVar(9) = xsGet(xsVar(0), sid_loop);
						xsVar(10) = xsGet(xsVar(9), sid_soon);
						xsVar(9) = xsGet(xsVar(0), sid_loop);
						if (!anyloopUndefined(xsVar(10)))
							xsCall2(xsVar(9), sid_soon, xsFunction, xsVar(0));
						else
							xsCall2(xsVar(9), sid_callSoon, xsFunction, xsVar(0));
						xsCall0(xsVar(1), sid_retrieved);
					}
					else {
						xsVar(9) = xsGet(xsVar(1), sid_callbacks);
						if (anyloopUndefined(xsVar(9)) || xsTypeOf(xsVar(9)) == xsNullType)
							xsSet(xsVar(1), sid_callbacks, xsVar(0));
						else
							xsCall1(xsVar(1), sid_listen, xsVar(0));
					}
					xsSet(xsVar(0), sid_waitingOn, xsVar(1));
					xsVar(9) = xsGet(xsVar(0), sid_mustCancel);
					if (!anyloopUndefined(xsVar(9))) {
						xsVar(10) = xsGet(xsVar(9), sid_msg);
						xsVar(12) = xsCall1(xsVar(1), sid_cancel, xsVar(10));
						if (xsTest(xsVar(12))) xsSet(xsVar(0), sid_mustCancel, xsUndefined);
					}
				}
			}
		}
		xsCatch {
			xsVar(11) = xsException;
			if (running && delegated) {
				/* A delegated level failed: the level below gets the exception. */
				xsVar(6) = xsGet(xsVar(6), sid_outer);
				xsSet(xsVar(0), sid_coro, xsVar(6));
				ok = 0;
				xsVar(1) = xsVar(11);
				running = 0;
				again = 1;
			}
			else
				failed = 1;
		}
	}
	if (failed) {
		xsTry {
			if (!running) {
				/* Not the coroutine's: thrown into it at its yield, in its next step. */
				anyloopStepThrow(the, &xsVar(2), &xsVar(0), &xsVar(11), &xsVar(9), &xsVar(10));
			}
			else {
				xsSet(xsVar(0), sid_coro, xsNull);
				xsTry {
					if (anyloopIsCancelled(the, &xsVar(2), &xsVar(11), &xsVar(9))) {
						xsVar(10) = xsGet(xsVar(2), sid_CANCELLED);
						xsCall3(xsVar(0), sid_complete, xsVar(10), xsVar(11), xsFalse);
					}
					else
						xsCall2(xsVar(0), sid_completeException, xsVar(11), xsFalse);
				}
				xsCatch {
					xsVar(13) = xsException;
					anyloopStepThrow(the, &xsVar(2), &xsVar(0), &xsVar(13), &xsVar(9), &xsVar(10));
				}
			}
		}
		xsCatch {
			xsVar(11) = xsException;
			xsSet(xsVar(3), sid_task, xsVar(4));
			xsSet(xsVar(3), sid_turn, xsVar(5));
			xsThrow(xsVar(11));
		}
	}
	xsSet(xsVar(3), sid_task, xsVar(4));
	xsSet(xsVar(3), sid_turn, xsVar(5));
}
