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
