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
 * XsLoop's host firing (src/loops/xs/xs-loop.ts): `_onHost`, the callback of
 * every XsLoop's host timer, which runs the turns of a firing and re-arms;
 * `_arm`, which re-arms; `time()`, the unwrapped tick count. The TypeScript's
 * constants (the symbol the loop hides under on its host timer, the defaults,
 * the clock guard, the failed firing's message) come from XsLoop._constants,
 * which anyloop/xs defines as `constants` on `onHost` and `arm`: nothing of
 * JavaScript's lives in a C static. A C function calling one of the loop's
 * methods calls it through the loop, as the TypeScript does (a subclass's
 * override runs).
 */
#include <math.h>

static xsMachine* gHostIdsOf = NULL;
static xsIdentifier idh_constants, idh_firingFailed, idh_loop, idh_clockGuard, idh_maxCallbacksPerTurn, idh_maxTurnsPerFiring,
	idh_maxTurns, idh_maxPerTurn, idh_armedAt, idh_running, idh_turns, idh_runOnce, idh_ready, idh_length,
	idh_arm, idh_recover, idh_callExceptionHandler, idh_message, idh_exception, idh_host, idh_timers,
	idh_futures, idh_heap, idh_when, idh_nextWhen, idh_now, idh_Time, idh_ticks, idh_time, idh_Timer, idh_schedule;

static void anyloopHostIds(xsMachine* the)
{
	if (gHostIdsOf == the) return;
	idh_constants = xsID("constants");
	idh_firingFailed = xsID("firingFailed");
	idh_loop = xsID("loop");
	idh_clockGuard = xsID("clockGuard");
	idh_maxCallbacksPerTurn = xsID("maxCallbacksPerTurn");
	idh_maxTurnsPerFiring = xsID("maxTurnsPerFiring");
	idh_maxTurns = xsID("_maxTurns");
	idh_maxPerTurn = xsID("_maxPerTurn");
	idh_armedAt = xsID("_armedAt");
	idh_running = xsID("_running");
	idh_turns = xsID("turns");
	idh_runOnce = xsID("_runOnce");
	idh_ready = xsID("_ready");
	idh_length = xsID("length");
	idh_arm = xsID("_arm");
	idh_recover = xsID("_recover");
	idh_callExceptionHandler = xsID("callExceptionHandler");
	idh_message = xsID("message");
	idh_exception = xsID("exception");
	idh_host = xsID("_host");
	idh_timers = xsID("_timers");
	idh_futures = xsID("_futures");
	idh_heap = xsID("_heap");
	idh_when = xsID("_when");
	idh_nextWhen = xsID("nextWhen");
	idh_now = xsID("_now");
	idh_Time = xsID("_Time");
	idh_ticks = xsID("ticks");
	idh_time = xsID("time");
	idh_Timer = xsID("_Timer");
	idh_schedule = xsID("schedule");
	gHostIdsOf = the;
}

/* A number as XS keeps it: an integer slot when it is one. */
static xsSlot anyloopNumber(xsMachine* the, xsNumberValue v)
{
	if (v >= -2147483648.0 && v <= 2147483647.0 && (xsNumberValue)(xsIntegerValue)v == v && !(v == 0 && signbit(v)))
		return xsInteger((xsIntegerValue)v);
	return xsNumber(v);
}

/* JavaScript's `x | 0` (ToInt32): x modulo 2^32, as a signed 32-bit integer. */
static xsNumberValue anyloopInt32(xsNumberValue x)
{
	if (!isfinite(x)) return 0;
	x = fmod(trunc(x), 4294967296.0);
	if (x >= 2147483648.0) x -= 4294967296.0;
	else if (x < -2147483648.0) x += 4294967296.0;
	return x + 0; /* no -0 */
}

/* `this._now += (this._Time.ticks - this._now) | 0`, in xsVar(_V) of the caller's frame. */
static xsNumberValue anyloopTick(xsMachine* the, xsIntegerValue v)
{
	xsNumberValue now, ticks;
	xsVar(v) = xsGet(xsThis, idh_now);
	now = xsToNumber(xsVar(v));
	xsVar(v) = xsGet(xsThis, idh_Time);
	xsVar(v) = xsGet(xsVar(v), idh_ticks);
	ticks = xsToNumber(xsVar(v));
	now += anyloopInt32(ticks - now);
	xsSet(xsThis, idh_now, anyloopNumber(the, now));
	return now;
}

/* XsLoop.prototype.time(): monotonic loop time in ms, the tick counter's wraps undone. */
void xs_anyloop_time(xsMachine* the)
{
	xsNumberValue now;
	anyloopHostIds(the);
	xsVars(1);
	now = anyloopTick(the, 0);
	xsResult = anyloopNumber(the, now);
}

/*
 * XsLoop.prototype._arm(): points the host timer at the next thing to do
 * (now when callbacks are ready, else the earliest deadline, else the clock
 * guard), unless it fires earlier already. Throws what Timer.schedule throws.
 */
void xs_anyloop_arm(xsMachine* the)
{
	xsNumberValue guard, delay, now, at, d;
	anyloopHostIds(the);
	/* 0: the host timer, then Timer, 1: the constants, the ready queue, the timers, 2: the next deadline */
	xsVars(3);
	xsVar(0) = xsGet(xsThis, idh_host);
	if (xsTypeOf(xsVar(0)) == xsNullType) return;
	xsVar(1) = xsGet(xsFunction, idh_constants);
	xsVar(1) = xsGet(xsVar(1), idh_clockGuard);
	guard = xsToNumber(xsVar(1));
	delay = guard;
	xsVar(1) = xsGet(xsThis, idh_running);
	if (xsTest(xsVar(1))) {
		xsVar(1) = xsGet(xsThis, idh_ready);
		xsVar(2) = xsGet(xsVar(1), idh_length);
		if (xsToNumber(xsVar(2)) > 0) {
			delay = 0;
		}
		else {
			xsVar(1) = xsGet(xsThis, idh_timers);
			xsVar(2) = xsGet(xsVar(1), idh_futures);
			xsVar(2) = xsGet(xsVar(2), idh_length);
			if (xsToNumber(xsVar(2)) == 0) {
				/* timers._heap[0]?._when */
				xsVar(2) = xsGet(xsVar(1), idh_heap);
				xsVar(2) = xsGetIndex(xsVar(2), 0);
				if (xsTypeOf(xsVar(2)) != xsUndefinedType && xsTypeOf(xsVar(2)) != xsNullType)
					xsVar(2) = xsGet(xsVar(2), idh_when);
				else
					xsVar(2) = xsUndefined;
			}
			else
				xsVar(2) = xsCall0(xsVar(1), idh_nextWhen);
			if (xsTypeOf(xsVar(2)) != xsUndefinedType) {
				d = xsToNumber(xsVar(2));
				d -= anyloopTick(the, 1);
				if (d < guard) delay = d <= 0 ? 0 : anyloopInt32(d) == d ? d : ceil(d);
			}
		}
	}
	if (delay == guard) {
		xsVar(1) = xsCall0(xsThis, idh_time);
		now = xsToNumber(xsVar(1));
	}
	else {
		xsVar(1) = xsGet(xsThis, idh_now);
		now = xsToNumber(xsVar(1));
	}
	at = now + delay;
	xsVar(1) = xsGet(xsThis, idh_armedAt);
	if (xsToNumber(xsVar(1)) <= at) return;
	xsSet(xsThis, idh_armedAt, anyloopNumber(the, at));
	xsVar(0) = xsGet(xsThis, idh_Timer);
	xsVar(1) = xsGet(xsThis, idh_host);
	xsCall3(xsVar(0), idh_schedule, xsVar(1), anyloopNumber(the, delay), anyloopNumber(the, guard));
}

/*
 * XsLoop._onHost(timer): a host timer fired. Turns of its loop while it
 * runs, back to back while callbacks are ready, at most maxTurnsPerFiring,
 * then `_arm()`. Nothing escapes to the host: a failure of `Timer.schedule`
 * takes a new host timer (`_recover()`), a failed turn goes to the
 * exception handler.
 */
void xs_anyloop_onHost(xsMachine* the)
{
	/* Turns left in this firing, -1 once they are over (read in the catch: volatile across its longjmp). */
	volatile xsNumberValue left;
	anyloopHostIds(the);
	/* 0: the constants, 1: the loop, 2, 3: scratch, then the exception */
	xsVars(4);
	xsVar(0) = xsGet(xsFunction, idh_constants);
	xsVar(2) = xsGet(xsVar(0), idh_loop);
	xsVar(3) = xsToInteger(xsArgc) > 0 ? xsArg(0) : xsUndefined;
	xsVar(1) = xsGetAt(xsVar(3), xsVar(2));
	/* loop._maxTurns ?? MAX_TURNS */
	xsVar(2) = xsGet(xsVar(1), idh_maxTurns);
	if (xsTypeOf(xsVar(2)) == xsUndefinedType || xsTypeOf(xsVar(2)) == xsNullType)
		xsVar(2) = xsGet(xsVar(0), idh_maxTurnsPerFiring);
	left = xsToNumber(xsVar(2));
	xsTry {
		xsSet(xsVar(1), idh_armedAt, xsNumber(INFINITY));
		for (;;) {
			xsVar(2) = xsGet(xsVar(1), idh_running);
			if (!xsTest(xsVar(2))) break;
			xsVar(2) = xsGet(xsVar(1), idh_turns);
			xsSet(xsVar(1), idh_turns, anyloopNumber(the, xsToNumber(xsVar(2)) + 1));
			/* loop._runOnce(loop._maxPerTurn ?? MAX_PER_TURN) */
			xsVar(2) = xsGet(xsVar(1), idh_maxPerTurn);
			if (xsTypeOf(xsVar(2)) == xsUndefinedType || xsTypeOf(xsVar(2)) == xsNullType)
				xsVar(2) = xsGet(xsVar(0), idh_maxCallbacksPerTurn);
			xsCall1(xsVar(1), idh_runOnce, xsVar(2));
			xsVar(2) = xsGet(xsVar(1), idh_ready);
			xsVar(2) = xsGet(xsVar(2), idh_length);
			if (xsToNumber(xsVar(2)) == 0) break;
			left = left - 1;
			if (left == 0) break;
		}
		left = -1;
		xsCall0(xsVar(1), idh_arm);
	}
	xsCatch {
		if (left == -1)
			xsCall0(xsVar(1), idh_recover);
		else {
			xsVar(3) = xsException;
			xsVar(2) = xsNewObject();
			xsVar(0) = xsGet(xsVar(0), idh_firingFailed);
			xsSet(xsVar(2), idh_message, xsVar(0));
			xsSet(xsVar(2), idh_exception, xsVar(3));
			xsCall1(xsVar(1), idh_callExceptionHandler, xsVar(2));
		}
	}
}
