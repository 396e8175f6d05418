import { describe, expect, it } from 'vitest';
import { Barrier, BrokenBarrierError, CancelledError } from '../src/index.js';
import type { Coroutine } from '../src/future/coroutine.js';
import { VirtualTimeLoop } from '../src/testing.js';
import { checkBindsDefaultLoopLazily } from './support/acquirable.js';
import { expectCancelledAtOnce, expectTypeErrorForNonSignals } from './support/signals.js';
import { Turns } from './support/turns.js';

// Expected turn logs are what CPython 3.13 asyncio prints for the same
// scenario (tasks made with create_task, one `loop._run_once()` per turn).

const STATES = ['filling', 'draining', 'resetting', 'broken'];

function* party(t: Turns, b: Barrier, name: string): Coroutine<void> {
  try {
    const i = yield* b.wait();
    t.note(`${name} passed i=${i} nW=${b.nWaiting}`);
  } catch (e) {
    if (e instanceof BrokenBarrierError) t.note(`${name} broken ${e.message}`);
    else if (e instanceof CancelledError) t.note(`${name} cancelled`);
    throw e;
  }
}

function state(b: Barrier): string {
  return STATES[b._state]!;
}

describe('Barrier: construction', () => {
  it('exposes parties, and starts filling with nobody waiting', () => {
    const b = new Barrier(3, { loop: new VirtualTimeLoop() });
    expect(b.parties).toBe(3);
    expect(b.nWaiting).toBe(0);
    expect(b.broken).toBe(false);
  });

  it('rejects a non-number with TypeError, and < 1 or a fraction with RangeError', () => {
    for (const p of ['2', null, undefined]) expect(() => new Barrier(p as unknown as number)).toThrow(TypeError);
    for (const p of [0, -1, 1.5, NaN, Infinity]) expect(() => new Barrier(p)).toThrow(RangeError);
    expect(() => new Barrier(0)).toThrow(/>= 1/);
  });

  it('binds to the default loop when first used, with its condition', () => {
    let b: Barrier | undefined;
    checkBindsDefaultLoopLazily(() => (b = new Barrier(1)), (barrier) => barrier.wait());
    expect(b!._cond._lock._loop).toBe(b!._loop);
    expect(b!._loop).not.toBeNull();
  });
});

describe('Barrier: wait', () => {
  it('releases all parties together with distinct indices; the last arrival passes first', () => {
    const t = new Turns();
    const b = new Barrier(3, { loop: t.loop });
    for (const n of ['A', 'B', 'C']) t.spawn(party(t, b, n));
    t.step();
    t.note(`nW=${b.nWaiting} state=${state(b)}`);
    t.idle();
    t.note(`state=${state(b)} count=${b._count}`);
    expect(t.log).toEqual([
      '1:C passed i=2 nW=0', '1:nW=0 state=draining', '2:A passed i=0 nW=0', '2:B passed i=1 nW=0',
      '2:state=filling count=0',
    ]);
  });

  it('counts waiters while filling', () => {
    const loop = new VirtualTimeLoop();
    const b = new Barrier(3, { loop });
    const w1 = b.wait();
    expect(b.nWaiting).toBe(1);
    const w2 = b.wait();
    expect(b.nWaiting).toBe(2);
    const w3 = b.wait();
    expect(w3.result()).toBe(2);
    expect(b.nWaiting).toBe(0);
    loop.runUntilIdle();
    expect([w1.result(), w2.result()]).toEqual([0, 1]);
  });

  it('a one-party barrier passes at once, every time', () => {
    const b = new Barrier(1, { loop: new VirtualTimeLoop() });
    expect(b.wait().result()).toBe(0);
    expect(b.wait().result()).toBe(0);
  });

  it('once a round has drained, the barrier fills again from index 0', () => {
    const t = new Turns();
    const b = new Barrier(2, { loop: t.loop });
    for (const n of ['A', 'B']) t.spawn(party(t, b, n));
    t.step();
    t.note(`nW=${b.nWaiting}`);
    t.step();
    t.note(`state=${state(b)}`);
    t.spawn(party(t, b, 'C'));
    t.idle();
    t.note(`nW=${b.nWaiting} state=${state(b)}`);
    t.spawn(party(t, b, 'D'));
    t.idle();
    expect(t.log).toEqual([
      '1:B passed i=1 nW=0', '1:nW=0', '2:A passed i=0 nW=0', '2:state=filling', '3:nW=1 state=filling',
      '4:D passed i=1 nW=0', '5:C passed i=0 nW=0',
    ]);
  });

  it('an arrival blocked by draining gets in as soon as the last party is out', () => {
    const loop = new VirtualTimeLoop();
    const b = new Barrier(2, { loop });
    const a = b.wait();
    expect(b.wait().result()).toBe(1);
    expect(state(b)).toBe('draining');
    const c = b.wait();
    expect(b._count).toBe(1);
    loop.runUntilIdle();
    expect(a.result()).toBe(0);
    expect(b.nWaiting).toBe(1);
    expect(b.wait().result()).toBe(1);
    loop.runUntilIdle();
    expect(c.result()).toBe(0);
  });
});

describe('Barrier: reset and abort', () => {
  it('reset breaks the current waiters; the barrier then fills again', () => {
    const t = new Turns();
    const b = new Barrier(3, { loop: t.loop });
    for (const n of ['A', 'B']) t.spawn(party(t, b, n));
    t.idle();
    t.note(`nW=${b.nWaiting}`);
    t.spawn((function* (): Coroutine<void> {
      yield* b.reset();
      t.note(`reset state=${state(b)} nW=${b.nWaiting}`);
    })());
    t.idle();
    t.note(`state=${state(b)} count=${b._count}`);
    for (const n of ['X', 'Y', 'Z']) t.spawn(party(t, b, n));
    t.idle();
    expect(t.log).toEqual([
      '1:nW=2', '2:reset state=resetting nW=0', '3:A broken Abort or reset of barrier',
      '3:B broken Abort or reset of barrier', '3:state=filling count=0', '4:Z passed i=2 nW=0',
      '5:X passed i=0 nW=0', '5:Y passed i=1 nW=0',
    ]);
  });

  it('reset with nobody waiting is done at once and leaves it filling', () => {
    const b = new Barrier(2, { loop: new VirtualTimeLoop() });
    const r = b.reset();
    expect(r.done()).toBe(true);
    expect(r.result()).toBeUndefined();
    expect(state(b)).toBe('filling');
  });

  it('abort breaks waiters and later waits until reset', () => {
    const t = new Turns();
    const b = new Barrier(3, { loop: t.loop });
    t.spawn(party(t, b, 'A'));
    t.idle();
    t.spawn((function* (): Coroutine<void> {
      yield* b.abort();
      t.note(`abort broken=${b.broken}`);
    })());
    t.idle();
    t.spawn(party(t, b, 'B'));
    t.idle();
    t.spawn((function* (): Coroutine<void> {
      yield* b.reset();
      t.note(`reset state=${state(b)} nW=${b.nWaiting}`);
    })());
    t.idle();
    t.note(`broken=${b.broken}`);
    for (const n of ['X', 'Y', 'Z']) t.spawn(party(t, b, n));
    t.idle();
    expect(t.log).toEqual([
      '2:abort broken=true', '3:A broken Abort or reset of barrier', '4:B broken Barrier aborted',
      '5:reset state=filling nW=0', '5:broken=false', '6:Z passed i=2 nW=0', '7:X passed i=0 nW=0',
      '7:Y passed i=1 nW=0',
    ]);
  });

  it('a wait on a broken barrier fails with BrokenBarrierError at once', () => {
    const b = new Barrier(2, { loop: new VirtualTimeLoop() });
    expect(b.abort().done()).toBe(true);
    expect(b.broken).toBe(true);
    expect(b.nWaiting).toBe(0);
    const w = b.wait();
    expect(w.exception()).toBeInstanceOf(BrokenBarrierError);
    expect(b._cond.locked()).toBe(false);
  });

  it('reset and abort wait for the condition lock while it is held', () => {
    const loop = new VirtualTimeLoop();
    const b = new Barrier(2, { loop });
    b._cond.acquire();
    const r = b.abort();
    expect(r.done()).toBe(false);
    expect(b.broken).toBe(false);
    b._cond.release();
    loop.runUntilIdle();
    expect(r.done()).toBe(true);
    expect(b.broken).toBe(true);
  });
});

describe('Barrier: cancellation', () => {
  it('a cancelled waiter leaves the count; arrival indices follow the count, as in asyncio', () => {
    const t = new Turns();
    const b = new Barrier(3, { loop: t.loop });
    const a = t.spawn(party(t, b, 'A'));
    t.spawn(party(t, b, 'B'));
    t.idle();
    t.note(`nW=${b.nWaiting}`);
    a.cancel();
    t.idle();
    t.note(`nW=${b.nWaiting} waiters=${b._cond._waiters.length}`);
    t.spawn(party(t, b, 'C'));
    t.spawn(party(t, b, 'D'));
    t.idle();
    expect(t.log).toEqual([
      '1:nW=2', '2:A cancelled', '3:nW=1 waiters=1', '4:D passed i=2 nW=0', '5:B passed i=1 nW=0',
      '5:C passed i=1 nW=0',
    ]);
    expect(a.cancelled()).toBe(true);
  });

  it('a waiter cancelled after the barrier tripped, before it ran, fails but lets the barrier drain', () => {
    const t = new Turns();
    const b = new Barrier(2, { loop: t.loop });
    const a = t.spawn(party(t, b, 'A'));
    t.idle();
    t.spawn((function* (): Coroutine<void> {
      const i = yield* b.wait();
      t.note(`L passed i=${i}`);
      a.cancel();
      t.note('cancel A');
    })());
    t.idle();
    t.note(`state=${state(b)} count=${b._count}`);
    expect(t.log).toEqual(['2:L passed i=1', '2:cancel A', '3:A cancelled', '3:state=filling count=0']);
  });

  it('a signal aborted before the wait cancels it at once and leaves the barrier empty', () => {
    const loop = new VirtualTimeLoop();
    const b = new Barrier(2, { loop });
    const ac = new AbortController();
    ac.abort('not coming');
    const w = b.wait({ signal: ac.signal });
    expectCancelledAtOnce(w, 'not coming');
    expect(b._cond.locked()).toBe(false);
    loop.runUntilIdle();
    expect(b.nWaiting).toBe(0);
    expect(b._cond._waiters).toEqual([]);
    expect(b._cond.locked()).toBe(false);
  });

  it('an already-aborted signal cancels even the arrival that would trip the barrier: it does not trip', () => {
    const loop = new VirtualTimeLoop();
    const b = new Barrier(2, { loop });
    const first = b.wait();
    expectCancelledAtOnce(b.wait({ signal: AbortSignal.abort(new Error('late')) }), 'late');
    expectTypeErrorForNonSignals((signal) => b.wait({ signal }));
    loop.runUntilIdle();
    expect(first.done()).toBe(false);
    expect(b.nWaiting).toBe(1);
    expect(b.wait().result()).toBe(1);
    loop.runUntilIdle();
    expect(first.result()).toBe(0);
  });

  it('a one-party barrier, which never blocks, still honours an aborted signal and rejects a non-signal', () => {
    const loop = new VirtualTimeLoop();
    const b = new Barrier(1, { loop });
    expect(b.wait().result()).toBe(0);
    expectCancelledAtOnce(b.wait({ signal: AbortSignal.abort('no') }), 'no');
    expectTypeErrorForNonSignals((signal) => b.wait({ signal }));
    expect(b._cond.locked()).toBe(false);
    expect(b.wait().result()).toBe(0);
  });

  it('aborting a signal during the wait cancels just that wait', () => {
    const loop = new VirtualTimeLoop();
    const b = new Barrier(3, { loop });
    const ac = new AbortController();
    const w1 = b.wait({ signal: ac.signal });
    const w2 = b.wait();
    ac.abort();
    loop.runUntilIdle();
    expect(w1.cancelled()).toBe(true);
    expect(w2.done()).toBe(false);
    expect(b.nWaiting).toBe(1);
    const w3 = b.wait();
    expect(b.wait().result()).toBe(2);
    loop.runUntilIdle();
    // Indices follow the count, which the cancelled wait left: w2 and w3 share 1, as in asyncio.
    expect([w2.result(), w3.result()]).toEqual([1, 1]);
    expect(b._cond.locked()).toBe(false);
  });
});
