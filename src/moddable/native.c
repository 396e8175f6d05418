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

/* `Array.isArray(*value)` (a host function: no JavaScript runs). */
static xsBooleanValue anyloopIsArray(xsMachine* the, xsSlot* value)
{
	xsSlot array = xsGet(xsGlobal, id_Array);
	xsSlot result = xsCall1(array, id_isArray, *value);
	return xsTest(result);
}

/* The timers' section, at the end of the file. */
static xsNumberValue anyloopWhenAt(xsMachine* the, xsSlot* heap, xsIntegerValue i);
static xsBooleanValue anyloopEmpty(xsMachine* the, xsSlot* heap);
static xsBooleanValue anyloopPopDue(xsMachine* the, xsSlot* timers, xsSlot* heap, xsSlot* futures, xsNumberValue now,
	xsSlot* top, xsSlot* fut, xsSlot* last);

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
	/* A heap holds objects only: its [0] undefined means it is empty, without reading `length` (a getter call in XS). */
	if (!anyloopEmpty(the, &xsVar(2)) || !anyloopEmpty(the, &xsVar(3))) {
		/* The clock is read only when a timer could be due (on a device each read is a host call). */
		xsNumberValue now = xsToNumber(xsCall0(xsThis, id_time));
		for (;;) {
			/* popDue() only while a timer may be due: with no sleep waiting the top handle tells. */
			if (anyloopEmpty(the, &xsVar(3))) {
				if (anyloopEmpty(the, &xsVar(2))) break;
				if (anyloopWhenAt(the, &xsVar(2), 0) > now) break;
			}
			/* TimerHeap.popDue(now), in C (anyloopPopDue): 1, 4 and 5 its scratch, the handle in 5. */
			if (!anyloopPopDue(the, &xsVar(6), &xsVar(2), &xsVar(3), now, &xsVar(5), &xsVar(4), &xsVar(1))) break;
			/* ReadyQueue.push(handle) */
			length = anyloopInt(xsVar(0), id_length);
			if (2 * length > anyloopInt(xsVar(0), id_mask)) xsCall0(xsVar(0), id_grow);
			head = anyloopInt(xsVar(0), id_head);
			mask = anyloopInt(xsVar(0), id_mask);
			xsVar(1) = xsGet(xsVar(0), id_items);
			xsSetIndex(xsVar(1), (head + 2 * length) & mask, xsVar(5));
			xsSet(xsVar(0), id_length, xsInteger(length + 1));
		}
		xsVar(1) = xsGet(xsVar(0), id_items);
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
		/* Read first: an xs macro nested in another's argument is unsequenced C. */
		mask = anyloopInt(xsVar(0), id_mask);
		xsSet(xsVar(0), id_head, xsInteger((head + 2) & mask));
		length = anyloopInt(xsVar(0), id_length);
		xsSet(xsVar(0), id_length, xsInteger(length - 1));
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
					else if (xsTypeOf(xsVar(3)) == xsReferenceType && anyloopIsArray(the, &xsVar(3)))
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
static xsSlot anyloopNumberSlot(xsMachine* the, xsNumberValue v)
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
	xsSet(xsThis, idh_now, anyloopNumberSlot(the, now));
	return now;
}

/* XsLoop.prototype.time(): monotonic loop time in ms, the tick counter's wraps undone. */
void xs_anyloop_time(xsMachine* the)
{
	xsNumberValue now;
	anyloopHostIds(the);
	xsVars(1);
	now = anyloopTick(the, 0);
	xsResult = anyloopNumberSlot(the, now);
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
	xsSet(xsThis, idh_armedAt, anyloopNumberSlot(the, at));
	xsVar(0) = xsGet(xsThis, idh_Timer);
	xsVar(1) = xsGet(xsThis, idh_host);
	xsCall3(xsVar(0), idh_schedule, xsVar(1), anyloopNumberSlot(the, delay), anyloopNumberSlot(the, guard));
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
			xsSet(xsVar(1), idh_turns, anyloopNumberSlot(the, xsToNumber(xsVar(2)) + 1));
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

/*
 * The loop's timers and hand-offs (src/loops/base.ts, timer-heap.ts): the
 * two heaps of TimerHeap worked on in place, as its functions do, and
 * XsLoop's `_soon`, `_at`, `_expireAt` and `_expireCancel`. What they need
 * of the JavaScript (the Handle prototypes, the callbacks of due futures and
 * entries, BaseLoop's `_checkSchedule`) anyloop/xs puts in XsLoop.prototype's
 * `_timerKit`. Objects off both heaps (popped, made) live in xsVar slots;
 * those still in a heap are reachable, and read through C locals.
 */
static xsMachine* gTimerIdsOf = NULL;
static xsIdentifier id_seq, id_index, id_owner, id_state, id_done, id_closed, id_checkSchedule, id_hostWake,
	id_timerKit, id_Handle, id_TimerHandle, id_create, id_resultUnlessDone, id_expire, id_baseCheckSchedule,
	id_when2, id_heap2, id_futures2, id_timers2, id_ready2, id_items2, id_head2, id_mask2, id_length2, id_grow2,
	id_callback2, id_args2, id_pop, id_time2, id_sweep;

static void anyloopTimerIds(xsMachine* the)
{
	if (gTimerIdsOf == the) return;
	id_seq = xsID("_seq");
	id_index = xsID("_index");
	id_owner = xsID("_owner");
	id_state = xsID("_state");
	id_done = xsID("_done");
	id_closed = xsID("_closed");
	id_checkSchedule = xsID("_checkSchedule");
	id_hostWake = xsID("_hostWake");
	id_timerKit = xsID("_timerKit");
	id_Handle = xsID("Handle");
	id_TimerHandle = xsID("TimerHandle");
	id_create = xsID("create");
	id_resultUnlessDone = xsID("resultUnlessDone");
	id_expire = xsID("expire");
	id_baseCheckSchedule = xsID("checkSchedule");
	id_when2 = xsID("_when");
	id_heap2 = xsID("_heap");
	id_futures2 = xsID("_futures");
	id_timers2 = xsID("_timers");
	id_ready2 = xsID("_ready");
	id_items2 = xsID("_items");
	id_head2 = xsID("_head");
	id_mask2 = xsID("_mask");
	id_length2 = xsID("length");
	id_grow2 = xsID("_grow");
	id_callback2 = xsID("_callback");
	id_pop = xsID("pop");
	id_time2 = xsID("time");
	id_sweep = xsID("_sweep");
	id_args2 = xsID("_args");
	gTimerIdsOf = the;
}

/* A number field, read in a call of its own: two xsToNumber in one expression would share the machine's scratch slot. */
static xsNumberValue anyloopNumber(xsMachine* the, xsSlot obj, xsIdentifier id)
{
	return xsToNumber(xsGet(obj, id));
}

/* `a === b` for objects (false when either is not one). */
static xsBooleanValue anyloopSame(xsMachine* the, xsSlot a, xsSlot b)
{
	void* ra = xsToReference(a);
	return ra != NULL && ra == (void*)xsToReference(b);
}

/* `fut._state !== PENDING` (PENDING is 0). */
static xsBooleanValue anyloopDone(xsMachine* the, xsSlot fut)
{
	xsSlot state = xsGet(fut, id_state);
	xsType type = xsTypeOf(state);
	return !((type == xsIntegerType || type == xsNumberType) && xsToNumber(state) == 0);
}

/* `obj[id]++` (delta 1) or `obj[id]--` (-1): returns the old value; an integer stays one, as in XS. */
static xsSlot anyloopStep(xsMachine* the, xsSlot obj, xsIdentifier id, xsIntegerValue delta)
{
	xsSlot old = xsGet(obj, id);
	xsIntegerValue n;
	xsNumberValue d;
	if (xsTypeOf(old) == xsIntegerType && (n = xsToInteger(old)) < 0x7FFFFFFF && n > -0x7FFFFFFF)
		xsSet(obj, id, xsInteger(n + delta));
	else {
		d = xsToNumber(old);
		xsSet(obj, id, xsNumber(d + delta));
	}
	return old;
}

static xsNumberValue anyloopWhenAt(xsMachine* the, xsSlot* heap, xsIntegerValue i)
{
	xsSlot item = xsGetIndex(*heap, i);
	return anyloopNumber(the, item, id_when2);
}

/* less(a, b): deadline, then scheduling order. */
static xsBooleanValue anyloopLess(xsMachine* the, xsSlot a, xsSlot b)
{
	xsNumberValue aw = anyloopNumber(the, a, id_when2), bw = anyloopNumber(the, b, id_when2);
	return aw < bw || (aw == bw && anyloopNumber(the, a, id_seq) < anyloopNumber(the, b, id_seq));
}

/*
 * The heaps hold objects only, so an index past the end reads undefined: the
 * C tests that instead of reading `length`, an accessor that XS calls (and
 * meters) as it calls a getter written in JavaScript.
 */
static xsBooleanValue anyloopEmpty(xsMachine* the, xsSlot* heap)
{
	xsSlot item = xsGetIndex(*heap, 0);
	return xsTypeOf(item) == xsUndefinedType;
}

/* `heap.pop()`, into *to: one call, where reading and setting `length` would be two. */
static void anyloopPop(xsMachine* the, xsSlot* heap, xsSlot* to)
{
	*to = xsCall0(*heap, id_pop);
}

/* siftUp(heap, i, item): places *item at i or above, moving larger parents down; returns its place. */
static xsIntegerValue anyloopSiftUp(xsMachine* the, xsSlot* heap, xsIntegerValue i, xsSlot* item)
{
	while (i > 0) {
		xsIntegerValue parent = (i - 1) >> 1;
		xsSlot p = xsGetIndex(*heap, parent);
		xsNumberValue iw = anyloopNumber(the, *item, id_when2), pw = anyloopNumber(the, p, id_when2);
		if (iw > pw || (iw == pw && anyloopNumber(the, *item, id_seq) > anyloopNumber(the, p, id_seq))) break;
		xsSetIndex(*heap, i, p);
		xsSet(p, id_index, xsInteger(i));
		i = parent;
	}
	xsSetIndex(*heap, i, *item);
	xsSet(*item, id_index, xsInteger(i));
	return i;
}

/* siftDown(heap, i, item): places *item at i or below, moving smaller children up. */
static void anyloopSiftDown(xsMachine* the, xsSlot* heap, xsIntegerValue i, xsSlot* item)
{
	for (;;) {
		xsIntegerValue child = 2 * i + 1;
		xsSlot c = xsGetIndex(*heap, child), r;
		/* `child >= heap.length` */
		if (xsTypeOf(c) == xsUndefinedType) break;
		r = xsGetIndex(*heap, child + 1);
		if (xsTypeOf(r) != xsUndefinedType) {
			if (anyloopLess(the, r, c)) {
				child++;
				c = r;
			}
		}
		if (anyloopLess(the, *item, c)) break;
		xsSetIndex(*heap, i, c);
		xsSet(c, id_index, xsInteger(i));
		i = child;
	}
	xsSetIndex(*heap, i, *item);
	xsSet(*item, id_index, xsInteger(i));
}

/* remove(heap, h): takes *h out of the heap, the last one (into *last) moved into its place. */
static void anyloopRemove(xsMachine* the, xsSlot* heap, xsSlot* h, xsSlot* last)
{
	xsIntegerValue i;
	anyloopPop(the, heap, last);
	if (anyloopSame(the, *last, *h)) return;
	i = xsToInteger(xsGet(*h, id_index));
	if (i > 0) {
		xsSlot p = xsGetIndex(*heap, (i - 1) >> 1);
		if (anyloopLess(the, *last, p)) {
			anyloopSiftUp(the, heap, i, last);
			return;
		}
	}
	anyloopSiftDown(the, heap, i, last);
}

/* sink(heap, i, fut): siftDown for the futures, which keep no place. */
static void anyloopSink(xsMachine* the, xsSlot* heap, xsIntegerValue i, xsSlot* fut)
{
	xsIntegerValue child;
	for (child = 2 * i + 1; ; child = 2 * i + 1) {
		xsSlot c = xsGetIndex(*heap, child), r;
		/* `child >= heap.length` */
		if (xsTypeOf(c) == xsUndefinedType) break;
		r = xsGetIndex(*heap, child + 1);
		if (xsTypeOf(r) != xsUndefinedType) {
			if (anyloopLess(the, r, c)) {
				child++;
				c = r;
			}
		}
		if (!anyloopLess(the, c, *fut)) break;
		xsSetIndex(*heap, i, c);
		i = child;
	}
	xsSetIndex(*heap, i, *fut);
}

/* popTop(heap): takes the top out of a heap of futures (the last one in *last). */
static void anyloopPopTop(xsMachine* the, xsSlot* heap, xsSlot* last)
{
	anyloopPop(the, heap, last);
	if (!anyloopEmpty(the, heap)) anyloopSink(the, heap, 0, last);
}

/* `new Handle(callback, NO_ARGS, arg)` into *to: the object the constructor makes, its fields in its order. */
static void anyloopHandle(xsMachine* the, xsIdentifier callback, xsSlot* arg, xsSlot* to)
{
	xsSlot kit = xsGet(xsThis, id_timerKit);
	xsSlot value = xsGet(kit, id_Handle);
	*to = xsCall1(kit, id_create, value);
	value = xsGet(kit, callback);
	xsSet(*to, id_callback2, value);
	if (xsTypeOf(*arg) != xsUndefinedType) xsSet(*to, id_args2, *arg);
}

/*
 * TimerHeap.prototype.popDue(now), with _liveFuture(): removes the earliest
 * timer if it is due at `now`, and puts the handle to run for it in *top;
 * false when none is due. *fut and *last are scratch.
 */
static xsBooleanValue anyloopPopDue(xsMachine* the, xsSlot* timers, xsSlot* heap, xsSlot* futures, xsNumberValue now,
	xsSlot* top, xsSlot* fut, xsSlot* last)
{
	anyloopTimerIds(the);
	*top = xsGetIndex(*heap, 0);
	*fut = xsGetIndex(*futures, 0);
	if (xsTypeOf(*fut) != xsUndefinedType) {
		/* _liveFuture(): the done futures before the earliest live one dropped. */
		while (xsTypeOf(*fut) != xsUndefinedType && anyloopDone(the, *fut)) {
			anyloopPopTop(the, futures, last);
			/* Set: a done future in the heap was counted by _futureDone. */
			anyloopStep(the, *timers, id_done, -1);
			*fut = xsGetIndex(*futures, 0);
		}
		if (xsTypeOf(*fut) != xsUndefinedType && (xsTypeOf(*top) == xsUndefinedType || anyloopLess(the, *fut, *top))) {
			if (anyloopNumber(the, *fut, id_when2) > now) return 0;
			anyloopPopTop(the, futures, last);
			xsSet(*fut, id_seq, xsInteger(-1));
			anyloopHandle(the, id_resultUnlessDone, fut, top);
			return 1;
		}
	}
	if (xsTypeOf(*top) == xsUndefinedType || anyloopNumber(the, *top, id_when2) > now) return 0;
	/* The top out: the last one sinks from the root. */
	anyloopPop(the, heap, last);
	if (!anyloopSame(the, *last, *top)) anyloopSiftDown(the, heap, 0, last);
	/* Told apart by a field only handles have. */
	if (xsTypeOf(xsGet(*top, id_owner)) != xsUndefinedType) {
		xsSet(*top, id_owner, xsNull);
		return 1;
	}
	xsSet(*top, id_index, xsInteger(-1));
	*fut = *top;
	anyloopHandle(the, id_expire, fut, top);
	return 1;
}

/*
 * `if (this._closed === true || this._checkSchedule !== baseCheckSchedule) this._checkSchedule();`:
 * BaseLoop's own is called only when the loop is closed (it throws then) or a subclass overrides it.
 */
static void anyloopCheckSchedule(xsMachine* the)
{
	xsSlot value = xsGet(xsThis, id_closed);
	xsSlot kit;
	if (xsTypeOf(value) != xsBooleanType || !xsTest(value)) {
		value = xsGet(xsThis, id_checkSchedule);
		kit = xsGet(xsThis, id_timerKit);
		if (anyloopSame(the, value, xsGet(kit, id_baseCheckSchedule))) return;
	}
	xsCall0(xsThis, id_checkSchedule);
}

#define anyloopArg(_I) (xsToInteger(xsArgc) > (_I) ? xsArg(_I) : xsUndefined)

/* BaseLoop.prototype._soon(callback, arg): the pair at the back of the ready queue. */
void xs_anyloop_soon(xsMachine* the)
{
	xsIntegerValue length, mask;
	anyloopTimerIds(the);
	anyloopCheckSchedule(the);
	/* 0: the ready queue, 1: its slots */
	xsVars(2);
	xsVar(0) = xsGet(xsThis, id_ready2);
	length = anyloopInt(xsVar(0), id_length2);
	if (2 * length > anyloopInt(xsVar(0), id_mask2)) xsCall0(xsVar(0), id_grow2);
	mask = anyloopInt(xsVar(0), id_mask2);
	length = (anyloopInt(xsVar(0), id_head2) + 2 * length) & mask;
	xsVar(1) = xsGet(xsVar(0), id_items2);
	xsSetIndex(xsVar(1), length, anyloopArg(0));
	xsSetIndex(xsVar(1), length + 1, anyloopArg(1));
	length = anyloopInt(xsVar(0), id_length2) + 1;
	xsSet(xsVar(0), id_length2, xsInteger(length));
	if (length == 1) xsCall0(xsThis, id_hostWake);
}

/* BaseLoop.prototype._at(when, callback, arg): `new TimerHandle(when, seq, callback, NO_ARGS, arg)` pushed on the heap. */
void xs_anyloop_at(xsMachine* the)
{
	anyloopTimerIds(the);
	anyloopCheckSchedule(the);
	/* 0: the timer heap, 1: its handles, 2: the handle, 3: a value */
	xsVars(4);
	xsVar(0) = xsGet(xsThis, id_timers2);
	xsVar(3) = xsGet(xsThis, id_timerKit);
	xsVar(1) = xsGet(xsVar(3), id_TimerHandle);
	xsVar(2) = xsCall1(xsVar(3), id_create, xsVar(1));
	/* The fields in the order the constructors set them: Handle's, then TimerHandle's. */
	xsVar(3) = anyloopArg(1);
	xsSet(xsVar(2), id_callback2, xsVar(3));
	xsVar(3) = anyloopArg(2);
	if (xsTypeOf(xsVar(3)) != xsUndefinedType) xsSet(xsVar(2), id_args2, xsVar(3));
	xsSet(xsVar(2), id_owner, xsNull);
	xsSet(xsVar(2), id_index, xsInteger(-1));
	xsVar(3) = anyloopArg(0);
	xsSet(xsVar(2), id_when2, xsVar(3));
	xsVar(3) = anyloopStep(the, xsVar(0), id_seq, 1);
	xsSet(xsVar(2), id_seq, xsVar(3));
	/* TimerHeap.push(h) */
	xsSet(xsVar(2), id_owner, xsVar(0));
	xsVar(1) = xsGet(xsVar(0), id_heap2);
	if (anyloopSiftUp(the, &xsVar(1), anyloopInt(xsVar(1), id_length2), &xsVar(2)) == 0) xsCall0(xsThis, id_hostWake);
	xsResult = xsVar(2);
}

/* BaseLoop.prototype._expireAt(entry): the heap holds the entry itself. */
void xs_anyloop_expireAt(xsMachine* the)
{
	anyloopTimerIds(the);
	anyloopCheckSchedule(the);
	/* 0: the timer heap, then its handles, 1: the entry */
	xsVars(2);
	xsVar(0) = xsGet(xsThis, id_timers2);
	xsVar(1) = anyloopArg(0);
	xsVar(0) = anyloopStep(the, xsVar(0), id_seq, 1);
	xsSet(xsVar(1), id_seq, xsVar(0));
	xsVar(0) = xsGet(xsThis, id_timers2);
	xsVar(0) = xsGet(xsVar(0), id_heap2);
	/* The earliest of its heap (all live): the host may need arming for it. */
	if (anyloopSiftUp(the, &xsVar(0), anyloopInt(xsVar(0), id_length2), &xsVar(1)) == 0) xsCall0(xsThis, id_hostWake);
}

/* BaseLoop.prototype._expireCancel(entry): the entry leaves the heap. */
void xs_anyloop_expireCancel(xsMachine* the)
{
	anyloopTimerIds(the);
	/* 0: the heap, 1: the entry, 2: the last one */
	xsVars(3);
	xsVar(0) = xsGet(xsThis, id_timers2);
	xsVar(0) = xsGet(xsVar(0), id_heap2);
	xsVar(1) = anyloopArg(0);
	anyloopRemove(the, &xsVar(0), &xsVar(1), &xsVar(2));
	xsSet(xsVar(1), id_index, xsInteger(-1));
}

/* rise(heap, i, fut): siftUp for the futures, which keep no place; returns where *fut went. */
static xsIntegerValue anyloopRise(xsMachine* the, xsSlot* heap, xsIntegerValue i, xsSlot* fut)
{
	while (i > 0) {
		xsIntegerValue parent = (i - 1) >> 1;
		xsSlot p = xsGetIndex(*heap, parent);
		xsNumberValue fw = anyloopNumber(the, *fut, id_when2), pw = anyloopNumber(the, p, id_when2);
		if (fw > pw || (fw == pw && anyloopNumber(the, *fut, id_seq) > anyloopNumber(the, p, id_seq))) break;
		xsSetIndex(*heap, i, p);
		i = parent;
	}
	xsSetIndex(*heap, i, *fut);
	return i;
}

/* BaseLoop.prototype._resultLater(delayMs, fut): the heap of futures holds the sleep itself, with TimerHeap.pushFuture's work in place. */
void xs_anyloop_resultLater(xsMachine* the)
{
	xsIntegerValue i;
	anyloopTimerIds(the);
	anyloopCheckSchedule(the);
	/* 0: the time, then the heap of futures, 1: the future, 2: the timer heap */
	xsVars(3);
	xsVar(1) = anyloopArg(1);
	xsVar(0) = xsCall0(xsThis, id_time2);
	xsVar(2) = anyloopArg(0);
	/* `this.time() + delayMs`: an integer while the sum is one, as XS adds. */
	if (xsTypeOf(xsVar(0)) == xsIntegerType && xsTypeOf(xsVar(2)) == xsIntegerType) {
		xsNumberValue sum = (xsNumberValue)xsToInteger(xsVar(0));
		sum += (xsNumberValue)xsToInteger(xsVar(2));
		if (sum >= -2147483648.0 && sum <= 2147483647.0) xsSet(xsVar(1), id_when2, xsInteger((xsIntegerValue)sum));
		else xsSet(xsVar(1), id_when2, xsNumber(sum));
	}
	else {
		xsNumberValue sum = xsToNumber(xsVar(0));
		sum += xsToNumber(xsVar(2));
		xsSet(xsVar(1), id_when2, xsNumber(sum));
	}
	xsVar(2) = xsGet(xsThis, id_timers2);
	xsVar(0) = anyloopStep(the, xsVar(2), id_seq, 1);
	xsSet(xsVar(1), id_seq, xsVar(0));
	xsVar(0) = xsGet(xsVar(2), id_futures2);
	i = anyloopRise(the, &xsVar(0), anyloopInt(xsVar(0), id_length2), &xsVar(1));
	/* The earliest, or behind only futures done before their deadline: the host may need arming for it. */
	if (i == 0) xsCall0(xsThis, id_hostWake);
	else {
		xsVar(1) = xsGetIndex(xsVar(0), 0);
		if (anyloopDone(the, xsVar(1))) xsCall0(xsThis, id_hostWake);
	}
}

/* BaseLoop.prototype._timedDone(fut), TimerHeap's _futureDone(): counted, and swept out with the others once they are more than half. */
void xs_anyloop_timedDone(xsMachine* the)
{
	xsNumberValue done;
	xsIntegerValue n;
	anyloopTimerIds(the);
	/* 0: the timer heap, then a value */
	xsVars(2);
	xsVar(0) = xsGet(xsThis, id_timers2);
	xsVar(1) = xsGet(xsVar(0), id_done);
	/* `(this._done ?? 0) + 1` */
	if (xsTypeOf(xsVar(1)) == xsUndefinedType || xsTypeOf(xsVar(1)) == xsNullType) xsVar(1) = xsInteger(0);
	if (xsTypeOf(xsVar(1)) == xsIntegerType && (n = xsToInteger(xsVar(1))) < 0x7FFFFFFF)
		xsVar(1) = xsInteger(n + 1);
	else {
		done = xsToNumber(xsVar(1));
		xsVar(1) = xsNumber(done + 1);
	}
	xsSet(xsVar(0), id_done, xsVar(1));
	done = xsToNumber(xsVar(1));
	xsVar(1) = xsGet(xsVar(0), id_futures2);
	if (done * 2 > anyloopNumber(the, xsVar(1), id_length2)) xsCall0(xsVar(0), id_sweep);
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
#include <string.h>

/*
 * `a === b` through xs.h alone (XS's own comparison is internal): the step
 * compares states (numbers) and levels and constructors (objects).
 */
static xsBooleanValue anyloopStrictEqual(xsMachine* the, xsSlot* a, xsSlot* b)
{
	xsType ta = xsTypeOf(*a), tb = xsTypeOf(*b);
	xsNumberValue na, nb;
	xsBooleanValue ba, bb;
	xsStringValue sa, sb;
	void *ra, *rb;
	if ((ta == xsIntegerType || ta == xsNumberType) && (tb == xsIntegerType || tb == xsNumberType)) {
		na = xsToNumber(*a);
		nb = xsToNumber(*b);
		return na == nb;
	}
	if (ta != tb) return 0;
	switch (ta) {
	case xsUndefinedType:
	case xsNullType:
		return 1;
	case xsBooleanType:
		ba = xsTest(*a);
		bb = xsTest(*b);
		return ba == bb;
	case xsReferenceType:
		/* One macro per statement: each goes through the machine's one scratch slot. */
		ra = xsToReference(*a);
		rb = xsToReference(*b);
		return ra == rb;
	case xsStringType:
	case xsStringXType:
		sa = xsToString(*a);
		sb = xsToString(*b);
		return strcmp(sa, sb) == 0;
	default:
		/* A symbol or a bigint: no level, state or constructor is one. */
		return 0;
	}
}
#define anyloopSame(_A, _B) anyloopStrictEqual(the, &(_A), &(_B))
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

/*
 * DigitalIn's interrupt (src/io/digital-in.ts): the port's `onReadable`
 * (`this.target._onReadable()`) and `DigitalIn.prototype._onReadable`, its
 * debounce path: a bouncing contact interrupts at every change, and each
 * one only notes the time and keeps the debounce timer. anyloop/xs defines
 * `_anyloopDigital` on DigitalIn.prototype: the C method (to tell it is the
 * one installed), XsLoop's C `time` (the clock the C reads itself) and the
 * debounce timer's callback `settle`, frozen. The other paths (no
 * debounce, another loop's clock) hand over to the TypeScript, kept as
 * `_scriptOnReadable`, before any side effect.
 */
static xsMachine* gDigitalIdsOf = NULL;
static xsIdentifier did_target, did_onReadable, did_anyloopDigital, did_readable, did_closed, did_loop, did_debounce,
	did_time, did_lastChange, did_timer, did_at, did_callAt, did_settle, did_scriptOnReadable, did_readableFailed;

static void anyloopDigitalIds(xsMachine* the)
{
	if (gDigitalIdsOf == the) return;
	did_target = xsID("target");
	did_onReadable = xsID("_onReadable");
	did_anyloopDigital = xsID("_anyloopDigital");
	did_readable = xsID("readable");
	did_closed = xsID("_closed");
	did_loop = xsID("_loop");
	did_debounce = xsID("_debounce");
	did_time = xsID("time");
	did_lastChange = xsID("_lastChange");
	did_timer = xsID("_timer");
	did_at = xsID("_at");
	did_callAt = xsID("callAt");
	did_settle = xsID("settle");
	did_scriptOnReadable = xsID("_scriptOnReadable");
	did_readableFailed = xsID("_readableFailed");
	gDigitalIdsOf = the;
}

/*
 * `d._onReadable()` for the DigitalIn in xsVar(0), its `_anyloopDigital` in
 * xsVar(1); uses xsVar(2) to xsVar(5). A closed input returns; a debounce on
 * XsLoop's clock is done here; the rest is the TypeScript's.
 */
static void anyloopReadable(xsMachine* the)
{
	xsNumberValue debounce, now;
	xsVar(2) = xsGet(xsVar(0), did_closed);
	if (xsTest(xsVar(2))) return;
	xsVar(2) = xsGet(xsVar(0), did_loop);
	xsVar(3) = xsGet(xsVar(0), did_debounce);
	xsVar(4) = xsGet(xsVar(2), did_time);
	xsVar(5) = xsGet(xsVar(1), did_time);
	/* Reads only so far (the TypeScript's fields): the other paths are the TypeScript's, from the start. */
	if (!anyloopIsNumber(xsVar(3)) || !(xsToNumber(xsVar(3)) > 0) || !anyloopSame(xsVar(4), xsVar(5))) {
		xsCall0(xsVar(0), did_scriptOnReadable);
		return;
	}
	debounce = xsToNumber(xsVar(3));
	xsTry {
		/* The level is read once it has held still (settle): a bouncing contact costs no read per change. */
		xsVar(3) = xsCallFunction0(xsVar(4), xsVar(2));
		now = xsToNumber(xsVar(3));
		xsSet(xsVar(0), did_lastChange, xsVar(3));
		xsVar(4) = xsGet(xsVar(0), did_timer);
		if (anyloopIsNullish(xsVar(4))) {
			xsVar(4) = xsGet(xsVar(2), did_at);
			xsVar(5) = xsGet(xsVar(1), did_settle);
			xsVar(3) = anyloopNumberSlot(the, now + debounce);
			if (!anyloopUndefined(xsVar(4)))
				xsVar(4) = xsCall3(xsVar(2), did_at, xsVar(3), xsVar(5), xsVar(0));
			else
				xsVar(4) = xsCall3(xsVar(2), did_callAt, xsVar(3), xsVar(5), xsVar(0));
			xsSet(xsVar(0), did_timer, xsVar(4));
		}
	}
	xsCatch {
		xsVar(3) = xsException;
		xsCall1(xsVar(0), did_readableFailed, xsVar(3));
	}
}

/* DigitalIn.prototype._onReadable() */
void xs_anyloop_onReadable(xsMachine* the)
{
	anyloopDigitalIds(the);
	xsVars(6);
	xsVar(0) = xsThis;
	xsVar(1) = xsGet(xsThis, did_anyloopDigital);
	anyloopReadable(the);
}

/* The port's onReadable (`this` the port): `this.target._onReadable()`, the C one run in place. */
void xs_anyloop_portReadable(xsMachine* the)
{
	anyloopDigitalIds(the);
	xsVars(6);
	xsVar(0) = xsGet(xsThis, did_target);
	xsVar(2) = xsGet(xsVar(0), did_onReadable);
	if (xsTypeOf(xsVar(0)) == xsReferenceType) {
		xsVar(1) = xsGet(xsVar(0), did_anyloopDigital);
		if (xsTypeOf(xsVar(1)) == xsReferenceType) {
			xsVar(3) = xsGet(xsVar(1), did_readable);
			if (anyloopSame(xsVar(2), xsVar(3))) {
				anyloopReadable(the);
				return;
			}
		}
	}
	xsCallFunction0(xsVar(2), xsVar(0));
}

/*
 * The waits that make a waiter (src/primitives/event.ts, queue.ts,
 * src/tasks/interval.ts): `Event.prototype.wait`, `Queue.prototype.get`
 * and `Interval.prototype.tick`, their common path: no options, the
 * primitive's loop bound, nothing there to take, so a waiter is made and
 * listed (the interval's timer armed). The waiter is the object its class
 * constructor makes (`_state`, `_loop`, `_owner`, in that order, on its
 * prototype), made in C when the loop's `getDebug` is BaseLoop's and off
 * (asked without a call). anyloop/xs defines `_anyloopWaits` on the three
 * prototypes: the waiter prototypes, the TypeScript's helpers and the
 * methods whose default the C does in place (`Queue._qsize`, `Ring.push`,
 * `Interval._setTimer`), frozen. Any other path hands over to the
 * TypeScript, kept as `_scriptWait`, `_scriptGet`, `_scriptTick`, before any
 * side effect.
 */
static xsMachine* gWaitIdsOf = NULL;
static xsIdentifier wid_anyloopWaits, wid_loop, wid_getDebug, wid_debug, wid_Object, wid_create, wid_state, wid_owner,
	wid_PENDING, wid_waiters, wid_addWaiter, wid_value, wid_scriptWait, wid_eventWaiter, wid_qsize, wid_ring, wid_length,
	wid_isShutdown, wid_getters, wid_NO_WAITERS, wid_push, wid_ringPush, wid_items, wid_head, wid_grow, wid_getWaiter,
	wid_scriptGet, wid_closed, wid_now, wid_next, wid_tickWaiter, wid_when, wid_setTimer, wid_expireAt, wid_scriptTick, wid_stateFirst;

static void anyloopWaitIds(xsMachine* the)
{
	if (gWaitIdsOf == the) return;
	wid_anyloopWaits = xsID("_anyloopWaits");
	wid_loop = xsID("_loop");
	wid_getDebug = xsID("getDebug");
	wid_debug = xsID("_debug");
	wid_Object = xsID("Object");
	wid_create = xsID("create");
	wid_state = xsID("_state");
	wid_owner = xsID("_owner");
	wid_PENDING = xsID("PENDING");
	wid_waiters = xsID("_waiters");
	wid_addWaiter = xsID("addWaiter");
	wid_value = xsID("_value");
	wid_scriptWait = xsID("_scriptWait");
	wid_eventWaiter = xsID("eventWaiter");
	wid_qsize = xsID("_qsize");
	wid_ring = xsID("_ring");
	wid_length = xsID("length");
	wid_isShutdown = xsID("_isShutdown");
	wid_getters = xsID("_getters");
	wid_NO_WAITERS = xsID("NO_WAITERS");
	wid_push = xsID("push");
	wid_ringPush = xsID("ringPush");
	wid_items = xsID("_items");
	wid_head = xsID("_head");
	wid_grow = xsID("_grow");
	wid_getWaiter = xsID("getWaiter");
	wid_scriptGet = xsID("_scriptGet");
	wid_closed = xsID("_closed");
	wid_now = xsID("_now");
	wid_next = xsID("_next");
	wid_tickWaiter = xsID("tickWaiter");
	wid_when = xsID("_when");
	wid_setTimer = xsID("_setTimer");
	wid_expireAt = xsID("_expireAt");
	wid_scriptTick = xsID("_scriptTick");
	wid_stateFirst = xsID("stateFirst");
	gWaitIdsOf = the;
}

/* `options` given (not undefined): the TypeScript's path. */
#define anyloopWaitOptions() (xsToInteger(xsArgc) > 0 && xsTypeOf(xsArg(0)) != xsUndefinedType)

/*
 * True when the loop in xsVar(1) runs BaseLoop's `getDebug` and its debug
 * mode is off: a waiter made then is `new W(owner, loop)` without the
 * call. xsVar(0) holds `_anyloopWaits`; uses xsVar(3) and xsVar(4).
 */
static xsBooleanValue anyloopPlainWaiter(xsMachine* the)
{
	if (xsTypeOf(xsVar(1)) != xsReferenceType) return 0;
	xsVar(3) = xsGet(xsVar(1), wid_getDebug);
	xsVar(4) = xsGet(xsVar(0), wid_getDebug);
	if (!anyloopSame(xsVar(3), xsVar(4))) return 0;
	xsVar(3) = xsGet(xsVar(1), wid_debug);
	return !(xsTypeOf(xsVar(3)) == xsBooleanType && xsTest(xsVar(3)));
}

/*
 * `new W(xsThis, loop)` for the waiter prototype in xsVar(2) and the loop in
 * xsVar(1), into xsVar(2); uses xsVar(3) and xsVar(4). Its fields in the
 * build's order (`stateFirst`): a build that defines class fields defines
 * the declared `_loop` before `_state`.
 */
/*
 * Ring's push(value) in place (src/future/ring.ts), for a ring whose push is
 * Ring's own; `*items` is a slot for the ring's array. The array's length
 * is read once while it stays (it is a getter call in XS).
 */
static void anyloopRingPush(xsMachine* the, xsSlot* ring, xsSlot* items, xsSlot* value)
{
	xsIntegerValue length, capacity, head;
	length = anyloopInt(*ring, wid_length);
	*items = xsGet(*ring, wid_items);
	capacity = anyloopInt(*items, wid_length);
	if (length == capacity) {
		xsCall0(*ring, wid_grow);
		*items = xsGet(*ring, wid_items);
		capacity = anyloopInt(*items, wid_length);
	}
	head = anyloopInt(*ring, wid_head);
	xsSetIndex(*items, (head + length) & (capacity - 1), *value);
	xsSet(*ring, wid_length, xsInteger(length + 1));
}

/*
 * A pending Future's fields on a new object of the prototype in xsVar(2),
 * in the order the constructor sets them (xsVar(0): the kit, xsVar(1): the
 * loop; xsVar(3) and xsVar(4) are scratch).
 */
static void anyloopMakeFuture(xsMachine* the)
{
	xsVar(3) = xsGet(xsGlobal, wid_Object);
	xsVar(2) = xsCall1(xsVar(3), wid_create, xsVar(2));
	xsVar(4) = xsGet(xsVar(0), wid_stateFirst);
	xsVar(3) = xsGet(xsVar(0), wid_PENDING);
	if (xsTest(xsVar(4))) {
		xsSet(xsVar(2), wid_state, xsVar(3));
		xsSet(xsVar(2), wid_loop, xsVar(1));
	}
	else {
		xsSet(xsVar(2), wid_loop, xsVar(1));
		xsSet(xsVar(2), wid_state, xsVar(3));
	}
}

/* A waiter of this primitive (its prototype in xsVar(2)): a pending Future and its owner. */
static void anyloopMakeWaiter(xsMachine* the)
{
	anyloopMakeFuture(the);
	xsSet(xsVar(2), wid_owner, xsThis);
}

/* `this._waiters = waiters === null ? w : addWaiter(waiters, w)` for the waiter in xsVar(2); uses xsVar(3) and xsVar(4). */
static void anyloopListWaiter(xsMachine* the)
{
	xsVar(3) = xsGet(xsThis, wid_waiters);
	if (xsTypeOf(xsVar(3)) == xsNullType)
		xsSet(xsThis, wid_waiters, xsVar(2));
	else {
		xsVar(4) = xsGet(xsVar(0), wid_addWaiter);
		xsVar(3) = xsCallFunction2(xsVar(4), xsUndefined, xsVar(3), xsVar(2));
		xsSet(xsThis, wid_waiters, xsVar(3));
	}
}

/* Event.prototype.wait(options) */
void xs_anyloop_eventWait(xsMachine* the)
{
	anyloopWaitIds(the);
	/* 0: _anyloopWaits, 1: the loop, 2: the waiter, 3 and 4: scratch */
	xsVars(5);
	if (anyloopWaitOptions()) goto script;
	xsVar(0) = xsGet(xsThis, wid_anyloopWaits);
	xsVar(1) = xsGet(xsThis, wid_loop);
	if (!anyloopPlainWaiter(the)) goto script;
	xsVar(3) = xsGet(xsThis, wid_value);
	if (xsTest(xsVar(3))) goto script;
	xsVar(2) = xsGet(xsVar(0), wid_eventWaiter);
	anyloopMakeWaiter(the);
	anyloopListWaiter(the);
	xsResult = xsVar(2);
	return;
script:
	if (xsToInteger(xsArgc) > 0) xsResult = xsCall1(xsThis, wid_scriptWait, xsArg(0));
	else xsResult = xsCall0(xsThis, wid_scriptWait);
}

/* Queue.prototype.get(options) */
void xs_anyloop_queueGet(xsMachine* the)
{
	anyloopWaitIds(the);
	/* 0: _anyloopWaits, 1: the loop, then the getters, 2: the waiter, 3 and 4: scratch, 5: the ring's items */
	xsVars(6);
	if (anyloopWaitOptions()) goto script;
	xsVar(0) = xsGet(xsThis, wid_anyloopWaits);
	xsVar(1) = xsGet(xsThis, wid_loop);
	if (!anyloopPlainWaiter(the)) goto script;
	/* this._qsize() !== 0, the default storage's read in place: an item there is the TypeScript's */
	xsVar(3) = xsGet(xsThis, wid_qsize);
	xsVar(4) = xsGet(xsVar(0), wid_qsize);
	if (!anyloopSame(xsVar(3), xsVar(4))) goto script;
	xsVar(3) = xsGet(xsThis, wid_ring);
	xsVar(3) = xsGet(xsVar(3), wid_length);
	if (!anyloopIsNumber(xsVar(3)) || xsToNumber(xsVar(3)) != 0) goto script;
	xsVar(3) = xsGet(xsThis, wid_isShutdown);
	if (xsTest(xsVar(3))) goto script;
	/* The first getter makes the Ring: the TypeScript's. Ring.push is done in place (its default). */
	xsVar(5) = xsGet(xsThis, wid_getters);
	xsVar(3) = xsGet(xsVar(0), wid_NO_WAITERS);
	if (anyloopSame(xsVar(5), xsVar(3))) goto script;
	xsVar(3) = xsGet(xsVar(5), wid_push);
	xsVar(4) = xsGet(xsVar(0), wid_ringPush);
	if (!anyloopSame(xsVar(3), xsVar(4))) goto script;
	xsVar(2) = xsGet(xsVar(0), wid_getWaiter);
	anyloopMakeWaiter(the);
	/* this._getters.push(w) */
	xsVar(1) = xsVar(5);
	anyloopRingPush(the, &xsVar(1), &xsVar(5), &xsVar(2));
	xsResult = xsVar(2);
	return;
script:
	if (xsToInteger(xsArgc) > 0) xsResult = xsCall1(xsThis, wid_scriptGet, xsArg(0));
	else xsResult = xsCall0(xsThis, wid_scriptGet);
}

/* Interval.prototype.tick(options) */
void xs_anyloop_intervalTick(xsMachine* the)
{
	xsNumberValue now, next;
	anyloopWaitIds(the);
	/* 0: _anyloopWaits, 1: the loop, 2: the waiter, 3 and 4: scratch */
	xsVars(5);
	if (anyloopWaitOptions()) goto script;
	xsVar(3) = xsGet(xsThis, wid_closed);
	if (xsTest(xsVar(3))) goto script;
	/* The loop time a tick was just taken at (set while its consumer's step runs): else the TypeScript reads the clock. */
	xsVar(3) = xsGet(xsThis, wid_now);
	xsVar(4) = xsGet(xsThis, wid_next);
	if (!anyloopIsNumber(xsVar(3)) || !anyloopIsNumber(xsVar(4))) goto script;
	/* One conversion per statement: xsToNumber goes through the machine's scratch slot. */
	now = xsToNumber(xsVar(3));
	next = xsToNumber(xsVar(4));
	if (!(now < next)) goto script;
	xsVar(0) = xsGet(xsThis, wid_anyloopWaits);
	xsVar(1) = xsGet(xsThis, wid_loop);
	if (!anyloopPlainWaiter(the)) goto script;
	xsVar(2) = xsGet(xsVar(0), wid_tickWaiter);
	anyloopMakeWaiter(the);
	anyloopListWaiter(the);
	xsVar(3) = xsGet(xsThis, wid_when);
	if (xsTypeOf(xsVar(3)) == xsNullType) {
		/* _setTimer(), its default on a loop with the EntryTimers hook, in place */
		xsVar(3) = xsGet(xsThis, wid_setTimer);
		xsVar(4) = xsGet(xsVar(0), wid_setTimer);
		if (anyloopSame(xsVar(3), xsVar(4))) xsVar(3) = xsGet(xsVar(1), wid_expireAt);
		else xsVar(3) = xsUndefined;
		if (!anyloopUndefined(xsVar(3))) {
			xsVar(3) = xsGet(xsThis, wid_next);
			xsSet(xsThis, wid_when, xsVar(3));
			xsCall1(xsVar(1), wid_expireAt, xsThis);
		}
		else
			xsCall0(xsThis, wid_setTimer);
	}
	xsResult = xsVar(2);
	return;
script:
	if (xsToInteger(xsArgc) > 0) xsResult = xsCall1(xsThis, wid_scriptTick, xsArg(0));
	else xsResult = xsCall0(xsThis, wid_scriptTick);
}

/*
 * Queue.prototype.put(item, options) (src/primitives/queue.ts), its common
 * path: no options, the loop bound, room for the item in the default
 * storage (`_qsize`, `_putNow`, `_put` and the Ring's `push` and `shift`
 * the TypeScript's own, told by `_anyloopWaits`): the item is put, a
 * waiting getter woken, and a done Future returned (`resolvedFuture`, made
 * in C as the waiters are). Any other path hands over to the TypeScript,
 * kept as `_scriptPut`, before any side effect.
 */
static xsIdentifier wid_maxsize, wid_putNow, wid_put, wid_unfinishedTasks, wid_shift, wid_ringShift, wid_wake,
	wid_wakeUpNext, wid_future, wid_RESULT, wid_valueOf, wid_resolvedFuture, wid_failed, wid_scriptPut;
static xsMachine* gPutIdsOf = NULL;

static void anyloopPutIds(xsMachine* the)
{
	anyloopWaitIds(the);
	if (gPutIdsOf == the) return;
	wid_maxsize = xsID("_maxsize");
	wid_putNow = xsID("_putNow");
	wid_put = xsID("_put");
	wid_unfinishedTasks = xsID("_unfinishedTasks");
	wid_shift = xsID("shift");
	wid_ringShift = xsID("ringShift");
	wid_wake = xsID("_wake");
	wid_wakeUpNext = xsID("wakeUpNext");
	wid_future = xsID("future");
	wid_RESULT = xsID("RESULT");
	wid_valueOf = xsID("_value");
	wid_resolvedFuture = xsID("resolvedFuture");
	wid_failed = xsID("_failed");
	wid_scriptPut = xsID("_scriptPut");
	gPutIdsOf = the;
}

/* True when `this[id]` is `_anyloopWaits[id]` (in xsVar(0)); uses xsVar(3) and xsVar(4). */
static xsBooleanValue anyloopDefault(xsMachine* the, xsSlot* of, xsIdentifier id, xsIdentifier kitId)
{
	xsVar(3) = xsGet(*of, id);
	xsVar(4) = xsGet(xsVar(0), kitId);
	return anyloopSame(xsVar(3), xsVar(4));
}

void xs_anyloop_queuePut(xsMachine* the)
{
	xsIntegerValue argc = xsToInteger(xsArgc), length, head, capacity;
	xsNumberValue maxsize;
	volatile xsBooleanValue failed = 0;
	anyloopPutIds(the);
	/* 0: _anyloopWaits, 1: the loop, 2: the ring, then the getters, then the future, 3 and 4: scratch, 5: the ring's items, then a getter, 6: the item */
	xsVars(7);
	if (argc > 1 && xsTypeOf(xsArg(1)) != xsUndefinedType) goto script;
	xsVar(0) = xsGet(xsThis, wid_anyloopWaits);
	xsVar(1) = xsGet(xsThis, wid_loop);
	if (xsTypeOf(xsVar(1)) != xsReferenceType) goto script;
	xsVar(3) = xsGet(xsThis, wid_isShutdown);
	if (xsTest(xsVar(3))) goto script;
	if (!anyloopDefault(the, &xsThis, wid_qsize, wid_qsize)) goto script;
	if (!anyloopDefault(the, &xsThis, wid_putNow, wid_putNow)) goto script;
	if (!anyloopDefault(the, &xsThis, wid_put, wid_put)) goto script;
	xsVar(2) = xsGet(xsThis, wid_ring);
	if (!anyloopDefault(the, &xsVar(2), wid_push, wid_ringPush)) goto script;
	/* this._maxsize === 0 || this._qsize() < this._maxsize */
	xsVar(3) = xsGet(xsThis, wid_maxsize);
	xsVar(4) = xsGet(xsVar(2), wid_length);
	if (!anyloopIsNumber(xsVar(3)) || !anyloopIsNumber(xsVar(4))) goto script;
	maxsize = xsToNumber(xsVar(3));
	if (!(maxsize == 0 || xsToNumber(xsVar(4)) < maxsize)) goto script;
	xsVar(6) = argc > 0 ? xsArg(0) : xsUndefined;
	xsTry {
		/* _putNow(item): _put(item), the ring's push in place */
		anyloopRingPush(the, &xsVar(2), &xsVar(5), &xsVar(6));
		xsVar(3) = xsGet(xsThis, wid_unfinishedTasks);
		xsVar(3) = anyloopNumberSlot(the, xsToNumber(xsVar(3)) + 1);
		xsSet(xsThis, wid_unfinishedTasks, xsVar(3));
		/* wakeUpNext's first round: the first getter, woken unless it was woken or cancelled already */
		xsVar(2) = xsGet(xsThis, wid_getters);
		if (anyloopInt(xsVar(2), wid_length) > 0) {
			if (anyloopDefault(the, &xsVar(2), wid_shift, wid_ringShift)) {
				length = anyloopInt(xsVar(2), wid_length);
				xsVar(3) = xsGet(xsVar(2), wid_items);
				head = anyloopInt(xsVar(2), wid_head);
				xsVar(5) = xsGetIndex(xsVar(3), head);
				xsSetIndex(xsVar(3), head, xsUndefined);
				capacity = anyloopInt(xsVar(3), wid_length);
				xsSet(xsVar(2), wid_head, xsInteger((head + 1) & (capacity - 1)));
				xsSet(xsVar(2), wid_length, xsInteger(length - 1));
			}
			else
				xsVar(5) = xsCall0(xsVar(2), wid_shift);
			xsVar(3) = xsCall0(xsVar(5), wid_wake);
			if (!xsTest(xsVar(3))) {
				xsVar(4) = xsGet(xsVar(0), wid_wakeUpNext);
				xsCallFunction1(xsVar(4), xsUndefined, xsVar(2));
			}
		}
	}
	xsCatch {
		failed = 1;
		xsVar(6) = xsException;
	}
	if (failed) {
		xsResult = xsCall1(xsThis, wid_failed, xsVar(6));
		return;
	}
	/* resolvedFuture(loop, undefined), made in C while the loop's debug mode is off (asked without a call) */
	if (!anyloopPlainWaiter(the)) {
		xsVar(4) = xsGet(xsVar(0), wid_resolvedFuture);
		xsResult = xsCallFunction2(xsVar(4), xsUndefined, xsVar(1), xsUndefined);
		return;
	}
	xsVar(2) = xsGet(xsVar(0), wid_future);
	anyloopMakeFuture(the);
	xsVar(3) = xsGet(xsVar(0), wid_RESULT);
	xsSet(xsVar(2), wid_state, xsVar(3));
	xsSet(xsVar(2), wid_valueOf, xsUndefined);
	xsResult = xsVar(2);
	return;
script:
	if (argc > 1) xsResult = xsCall2(xsThis, wid_scriptPut, xsArg(0), xsArg(1));
	else if (argc > 0) xsResult = xsCall1(xsThis, wid_scriptPut, xsArg(0));
	else xsResult = xsCall0(xsThis, wid_scriptPut);
}
