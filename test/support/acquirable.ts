import { expect, it } from 'vitest';
import fc from 'fast-check';
import { setEventLoop } from '../../src/index.js';
import type { Future } from '../../src/future/future.js';
import type { WaitOptions } from '../../src/future/signal.js';
import { VirtualTimeLoop } from '../../src/testing.js';
import { expectCancelledAtOnce, expectTypeErrorForNonSignals } from './signals.js';

/** What Lock and Semaphore have in common. */
export interface Acquirable {
  acquire(options?: WaitOptions): Future<true>;
  release(): void;
  locked(): boolean;
  _waiters: { length: number } | null;
}

/**
 * Registers the AbortSignal cases every acquire/release primitive shares.
 * `make` returns one with no unit free, so that `acquire()` blocks.
 */
export function abortSignalCases(make: (loop: VirtualTimeLoop) => Acquirable): void {
  it('a signal aborted before a blocking acquire cancels it at once, and it never queues', () => {
    const loop = new VirtualTimeLoop();
    const p = make(loop);
    const w = p.acquire({ signal: AbortSignal.abort(new Error('gone')) });
    expectCancelledAtOnce(w, 'gone');
    expect(p._waiters?.length ?? 0).toBe(0);
    loop.runUntilIdle();
    p.release();
    expect(p.locked()).toBe(false);
  });

  it('an already-aborted signal cancels even an acquire that would not block, and it takes nothing', () => {
    const loop = new VirtualTimeLoop();
    const p = make(loop);
    p.release();
    expect(p.locked()).toBe(false);
    const w = p.acquire({ signal: AbortSignal.abort('not needed') });
    expectCancelledAtOnce(w, 'not needed');
    expect(p.locked()).toBe(false);
    loop.runUntilIdle();
    expect(p.locked()).toBe(false);
    // The one free unit is still there for the next acquire, and it is the only one.
    expect(p.acquire().result()).toBe(true);
    expect(p.locked()).toBe(true);
  });

  it('aborting during the wait cancels just that wait; the next waiter gets the release', () => {
    const loop = new VirtualTimeLoop();
    const p = make(loop);
    const ac = new AbortController();
    const w1 = p.acquire({ signal: ac.signal });
    const w2 = p.acquire();
    loop.runUntilIdle();
    ac.abort();
    p.release();
    loop.runUntilIdle();
    expect(w1.cancelled()).toBe(true);
    expect(w2.result()).toBe(true);
    expect(p._waiters!.length).toBe(0);
  });

  it('aborting after the hand-off, before the waiter ran, passes the release on', () => {
    const loop = new VirtualTimeLoop();
    const p = make(loop);
    const ac = new AbortController();
    const w1 = p.acquire({ signal: ac.signal });
    const w2 = p.acquire();
    p.release();
    ac.abort();
    loop.runUntilIdle();
    expect(w1.cancelled()).toBe(true);
    expect(w2.result()).toBe(true);
    expect(p.locked()).toBe(true);
  });

  it('an abort after the acquire completed changes nothing', () => {
    const loop = new VirtualTimeLoop();
    const p = make(loop);
    p.release();
    const ac = new AbortController();
    const f = p.acquire({ signal: ac.signal });
    ac.abort();
    expect(f.result()).toBe(true);
    expect(p.locked()).toBe(true);
  });

  it('rejects a signal that is not an AbortSignal with TypeError, whether or not the acquire would block', () => {
    const p = make(new VirtualTimeLoop());
    expectTypeErrorForNonSignals((signal) => p.acquire({ signal }));
    p.release();
    expectTypeErrorForNonSignals((signal) => p.acquire({ signal }));
    expect(p.locked()).toBe(false);
    expect(p._waiters?.length ?? 0).toBe(0);
  });
}

type Op = { kind: 'acquire' } | { kind: 'release' } | { kind: 'cancel'; pick: number } | { kind: 'turn' };
const op = fc.oneof(
  fc.constant<Op>({ kind: 'acquire' }),
  fc.constant<Op>({ kind: 'release' }),
  fc.nat(7).map<Op>((pick) => ({ kind: 'cancel', pick })),
  fc.constant<Op>({ kind: 'turn' }),
);

/**
 * Checks, over random interleavings of acquire, release (by a holder), cancel
 * of a pending acquire, and single loop turns, that a primitive with
 * `capacity` units never grants more than it has and never loses one: once
 * the loop is idle, nobody waits while a unit is free. `check` adds the
 * primitive's own bookkeeping checks, given how many units are held.
 */
export function checkNoLostOrDoubleGrant(
  capacities: fc.Arbitrary<number>,
  make: (loop: VirtualTimeLoop, capacity: number) => Acquirable,
  check: (p: Acquirable, capacity: number, held: number) => void = () => {},
): void {
  fc.assert(fc.property(capacities, fc.array(op, { maxLength: 40 }), (capacity, ops) => {
    const loop = new VirtualTimeLoop();
    const p = make(loop, capacity);
    let held = 0;
    const pending: Future<true>[] = [];
    for (const o of ops) {
      if (o.kind === 'acquire') {
        const f = p.acquire();
        if (f.done()) held++;
        else {
          pending.push(f);
          f.addDoneCallback(() => { if (!f.cancelled()) held++; });
        }
      } else if (o.kind === 'release' && held > 0) {
        held--;
        p.release();
      } else if (o.kind === 'cancel' && pending.length > 0) {
        pending[o.pick % pending.length]!.cancel();
      } else if (o.kind === 'turn') {
        loop._runOnce();
      }
      expect(held).toBeLessThanOrEqual(capacity);
    }
    loop.runUntilIdle();
    const waiting = pending.filter((f) => !f.done()).length;
    if (waiting > 0) expect(held).toBe(capacity);
    expect(p.locked()).toBe(held === capacity);
    expect(p._waiters?.length ?? 0).toBe(waiting);
    check(p, capacity, held);
  }), { numRuns: 300 });
}

/** Checks that a primitive binds to the default loop only when `use` first needs one. */
export function checkBindsDefaultLoopLazily<P>(make: () => P, use: (p: P) => Future<unknown>): void {
  setEventLoop(null);
  const p = make();
  expect(() => use(p)).toThrow(/setEventLoop/);
  const loop = new VirtualTimeLoop();
  setEventLoop(loop);
  try {
    expect(use(p).loop).toBe(loop);
  } finally {
    setEventLoop(null);
  }
}
