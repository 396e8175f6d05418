import { describe, expect, it } from 'vitest';
import { CancelledError, Condition, Future, Lock } from '../src/index.js';
import type { Coroutine } from '../src/future/coroutine.js';
import { VirtualTimeLoop } from '../src/testing.js';
import { expectCancelledAtOnce, expectTypeErrorForNonSignals } from './support/signals.js';
import { Turns } from './support/turns.js';

// Expected turn logs are what CPython 3.13 asyncio prints for the same
// scenario (tasks made with create_task, one `loop._run_once()` per turn).

function* waiter(t: Turns, cond: Condition, name: string): Coroutine<void> {
  yield* cond.acquire();
  t.note(`${name} has lock`);
  try {
    const r = yield* cond.wait();
    t.note(`${name} woke r=${r} locked=${cond.locked()}`);
  } catch (e) {
    if (e instanceof CancelledError) t.note(`${name} cancelled locked=${cond.locked()} msg=${e.message}`);
    throw e;
  } finally {
    cond.release();
  }
}

function* notifier(t: Turns, cond: Condition, n: number, keep = false): Coroutine<void> {
  yield* cond.acquire();
  cond.notify(n);
  t.note(`notify(${n})`);
  if (!keep) cond.release();
}

/** asyncio.sleep(0): `yield` it (not `yield*`) to give up exactly one turn. */
function pass(loop: VirtualTimeLoop): Future<void> {
  const f = new Future<void>({ loop });
  f.setResult(undefined);
  return f;
}

describe('Condition: construction and the lock', () => {
  it('makes its own Lock when given none', () => {
    const loop = new VirtualTimeLoop();
    const cond = new Condition(undefined, { loop });
    expect(cond._lock).toBeInstanceOf(Lock);
    expect(cond.locked()).toBe(false);
    expect(cond.acquire().result()).toBe(true);
    expect(cond.locked()).toBe(true);
    expect(cond._lock.locked()).toBe(true);
    cond.release();
    expect(cond.locked()).toBe(false);
  });

  it('uses a Lock it is given, shared with other users of that lock', () => {
    const loop = new VirtualTimeLoop();
    const lock = new Lock({ loop });
    const cond = new Condition(lock);
    lock.acquire();
    expect(cond.locked()).toBe(true);
    cond.release();
    expect(lock.locked()).toBe(false);
  });

  it('rejects a lock that is not a Lock with TypeError', () => {
    for (const bad of [null, {}, 1, { acquire() {}, release() {}, locked() { return false; } }]) {
      expect(() => new Condition(bad as unknown as Lock)).toThrow(TypeError);
    }
  });

  it('shares one loop with its lock', () => {
    const loop = new VirtualTimeLoop();
    const unbound = new Lock();
    const cond = new Condition(unbound, { loop });
    expect(unbound._loop).toBe(loop);
    expect(cond.acquire().loop).toBe(loop);
    const lock = new Lock({ loop });
    expect(new Condition(lock)._getLoop()).toBe(loop);
    expect(() => new Condition(lock, { loop: new VirtualTimeLoop() })).toThrow(/different loop/);
  });

  it('release() throws an Error when the lock is not held', () => {
    const cond = new Condition(undefined, { loop: new VirtualTimeLoop() });
    expect(() => cond.release()).toThrow(Error);
  });

  it('wait, waitFor and notify throw an Error at once when the lock is not held', () => {
    const cond = new Condition(undefined, { loop: new VirtualTimeLoop() });
    expect(() => cond.wait()).toThrow('cannot wait on un-acquired lock');
    expect(() => cond.waitFor(() => false)).toThrow('cannot wait on un-acquired lock');
    expect(() => cond.notify()).toThrow('cannot notify on un-acquired lock');
    expect(() => cond.notifyAll()).toThrow('cannot notify on un-acquired lock');
    expect(cond._waiters).toEqual([]);
  });

  it('rejects a bad predicate or n with TypeError', () => {
    const cond = new Condition(undefined, { loop: new VirtualTimeLoop() });
    cond.acquire();
    expect(() => cond.waitFor(5 as never)).toThrow(TypeError);
    expect(() => cond.notify('2' as never)).toThrow(TypeError);
    expect(() => cond.notify(NaN)).toThrow(TypeError);
  });
});

describe('Condition: wait and notify', () => {
  it('wait releases the lock, and returns true with the lock held in the turn after notify', () => {
    const t = new Turns();
    const cond = new Condition(undefined, { loop: t.loop });
    t.spawn(waiter(t, cond, 'A'));
    t.idle();
    expect(cond.locked()).toBe(false);
    expect(cond._waiters.length).toBe(1);
    t.spawn(notifier(t, cond, 1));
    t.idle();
    expect(t.log).toEqual(['1:A has lock', '2:notify(1)', '3:A woke r=true locked=true']);
    expect(cond._waiters).toEqual([]);
  });

  it('notify(n) wakes the first n waiters in order; notifyAll wakes the rest', () => {
    const t = new Turns();
    const cond = new Condition(undefined, { loop: t.loop });
    for (const n of ['A', 'B', 'C']) t.spawn(waiter(t, cond, n));
    t.idle();
    t.spawn(notifier(t, cond, 2));
    t.idle();
    t.note(`waiters=${cond._waiters.length}`);
    t.spawn((function* (): Coroutine<void> {
      yield* cond.acquire();
      cond.notifyAll();
      t.note('notifyAll');
      cond.release();
    })());
    t.idle();
    expect(t.log).toEqual([
      '1:A has lock', '1:B has lock', '1:C has lock', '2:notify(2)',
      '3:A woke r=true locked=true', '3:B woke r=true locked=true', '3:waiters=1',
      '4:notifyAll', '5:C woke r=true locked=true',
    ]);
  });

  it('notify with no waiters does nothing; a notified waiter is not notified twice', () => {
    const loop = new VirtualTimeLoop();
    const cond = new Condition(undefined, { loop });
    cond.acquire();
    cond.notify(3);
    const w = cond.wait();
    cond.acquire();
    cond.notify();
    cond.notify();
    expect(cond._waiters.length).toBe(1);
    cond.release();
    loop.runUntilIdle();
    expect(w.result()).toBe(true);
    expect(cond.locked()).toBe(true);
  });

  it('a notified waiter re-acquires the lock only after the notifier and earlier lock waiters release it', () => {
    const t = new Turns();
    const cond = new Condition(undefined, { loop: t.loop });
    t.spawn(waiter(t, cond, 'A'));
    t.idle();
    t.spawn((function* (): Coroutine<void> {
      yield* cond.acquire();
      cond.notify();
      t.note('notify, hold');
      yield pass(t.loop);
      yield pass(t.loop);
      t.note('release');
      cond.release();
    })());
    t.spawn((function* (): Coroutine<void> {
      yield* cond.acquire();
      t.note('other has lock');
      cond.release();
    })());
    t.idle();
    expect(t.log).toEqual(['1:A has lock', '2:notify, hold', '4:release', '5:other has lock', '6:A woke r=true locked=true']);
  });

  it('works on a plain future too: wait() resolves with true', () => {
    const loop = new VirtualTimeLoop();
    const cond = new Condition(undefined, { loop });
    cond.acquire();
    const w = cond.wait();
    expect(w.done()).toBe(false);
    expect(cond.locked()).toBe(false);
    cond.acquire();
    cond.notify();
    cond.release();
    expect(loop.runUntilComplete(w)).toBe(true);
    expect(cond.locked()).toBe(true);
  });
});

describe('Condition: cancellation', () => {
  it('a waiter notified and then cancelled passes the notification on', () => {
    const t = new Turns();
    const cond = new Condition(undefined, { loop: t.loop });
    const a = t.spawn(waiter(t, cond, 'A'));
    t.spawn(waiter(t, cond, 'B'));
    t.idle();
    t.spawn((function* (): Coroutine<void> {
      yield* cond.acquire();
      cond.notify(1);
      a.cancel('bye');
      t.note('notify(1)+cancel A');
      cond.release();
    })());
    t.idle();
    t.note(`waiters=${cond._waiters.length} locked=${cond.locked()}`);
    expect(t.log).toEqual([
      '1:A has lock', '1:B has lock', '2:notify(1)+cancel A', '3:A cancelled locked=true msg=bye',
      '4:B woke r=true locked=true', '4:waiters=0 locked=false',
    ]);
    expect(a.cancelled()).toBe(true);
  });

  it('the same race on the wait future itself: cancel() right after notify()', () => {
    const loop = new VirtualTimeLoop();
    const cond = new Condition(undefined, { loop });
    cond.acquire();
    const w1 = cond.wait();
    cond.acquire();
    const w2 = cond.wait();
    cond.acquire();
    cond.notify();
    expect(w1.cancel()).toBe(true);
    cond.release();
    loop.runUntilIdle();
    expect(w1.cancelled()).toBe(true);
    // w1 holds the lock again when it fails; its owner releases it.
    expect(cond.locked()).toBe(true);
    expect(w2.done()).toBe(false);
    cond.release();
    loop.runUntilIdle();
    expect(w2.result()).toBe(true);
    expect(cond._waiters).toEqual([]);
  });

  it('cancelling a pending waiter removes it, re-acquires the lock, and wakes another waiter spuriously', () => {
    const t = new Turns();
    const cond = new Condition(undefined, { loop: t.loop });
    const a = t.spawn(waiter(t, cond, 'A'));
    t.spawn(waiter(t, cond, 'B'));
    t.idle();
    a.cancel();
    t.note('cancel A');
    t.idle();
    t.note(`waiters=${cond._waiters.length} locked=${cond.locked()}`);
    expect(t.log).toEqual([
      '1:A has lock', '1:B has lock', '1:cancel A', '2:A cancelled locked=true msg=',
      '3:B woke r=true locked=true', '3:waiters=0 locked=false',
    ]);
  });

  it('a lone cancelled waiter leaves _waiters empty', () => {
    const loop = new VirtualTimeLoop();
    const cond = new Condition(undefined, { loop });
    cond.acquire();
    const w = cond.wait();
    w.cancel();
    loop.runUntilIdle();
    expect(w.cancelled()).toBe(true);
    expect(cond._waiters).toEqual([]);
    expect(cond.locked()).toBe(true);
  });

  it('cancelled while re-acquiring the lock: retries through every cancel, holds the lock, throws the last CancelledError', () => {
    const t = new Turns();
    const cond = new Condition(undefined, { loop: t.loop });
    const a = t.spawn(waiter(t, cond, 'A'));
    t.idle();
    t.spawn(notifier(t, cond, 1, true));
    t.idle();
    t.note(`lock waiters=${cond._lock._waiters!.length}`);
    a.cancel('c1');
    t.idle();
    t.note(`after cancel lock waiters=${cond._lock._waiters!.length}`);
    a.cancel('c2');
    t.idle();
    t.note('after 2nd cancel');
    cond.release();
    t.note('holder releases');
    t.idle();
    t.note(`locked=${cond.locked()} a.cancelled=${a.cancelled()}`);
    expect(t.log).toEqual([
      '1:A has lock', '2:notify(1)', '3:lock waiters=1', '4:after cancel lock waiters=1', '5:after 2nd cancel',
      '5:holder releases', '6:A cancelled locked=true msg=c2', '6:locked=false a.cancelled=true',
    ]);
  });

  it('an error other than cancellation while re-acquiring is not retried, and passes the notification on', () => {
    const loop = new VirtualTimeLoop();
    const cond = new Condition(undefined, { loop });
    cond.acquire();
    const w1 = cond.wait();
    cond.acquire();
    const w2 = cond.wait();
    cond.acquire();
    const boom = new Error('boom');
    const lock = cond._lock;
    const acquire = lock.acquire;
    lock.acquire = () => {
      lock.acquire = acquire;
      throw boom;
    };
    cond.notify();
    loop.runUntilIdle();
    expect(w1.exception()).toBe(boom);
    // The passed-on notification reached w2, which now waits for the lock.
    expect(cond._waiters).toEqual([]);
    expect(lock._waiters!.length).toBe(1);
    expect(w2.done()).toBe(false);
    cond.release();
    loop.runUntilIdle();
    expect(w2.result()).toBe(true);
  });
});

describe('Condition: waitFor', () => {
  it('waits until the predicate is truthy and resolves with its value', () => {
    const t = new Turns();
    const cond = new Condition(undefined, { loop: t.loop });
    let v = 0;
    t.spawn((function* (): Coroutine<void> {
      yield* cond.acquire();
      t.note('wf start');
      const r = yield* cond.waitFor(() => v >= 2 && v);
      t.note(`wf got ${r}`);
      cond.release();
    })());
    t.idle();
    const bump = function* (): Coroutine<void> {
      yield* cond.acquire();
      v++;
      cond.notifyAll();
      t.note(`bump ${v}`);
      cond.release();
    };
    t.spawn(bump());
    t.idle();
    t.spawn(bump());
    t.idle();
    expect(t.log).toEqual(['1:wf start', '2:bump 1', '4:bump 2', '5:wf got 2']);
  });

  it('resolves at once, without the lock, when the predicate already holds', () => {
    const cond = new Condition(undefined, { loop: new VirtualTimeLoop() });
    const f = cond.waitFor(() => 'ready');
    expect(f.result()).toBe('ready');
  });

  it('a throwing predicate fails the wait with its error, the lock held', () => {
    const loop = new VirtualTimeLoop();
    const cond = new Condition(undefined, { loop });
    const boom = new Error('boom');
    let calls = 0;
    cond.acquire();
    const f = cond.waitFor(() => { if (++calls > 1) throw boom; return false; });
    cond.acquire();
    cond.notify();
    cond.release();
    loop.runUntilIdle();
    expect(f.exception()).toBe(boom);
    expect(cond.locked()).toBe(true);
  });

  it('cancelling it leaves no waiter behind', () => {
    const loop = new VirtualTimeLoop();
    const cond = new Condition(undefined, { loop });
    cond.acquire();
    const f = cond.waitFor(() => false);
    expect(f.cancel()).toBe(true);
    loop.runUntilIdle();
    expect(f.cancelled()).toBe(true);
    expect(cond._waiters).toEqual([]);
    expect(cond.locked()).toBe(true);
  });
});

describe('Condition: AbortSignal', () => {
  it('a signal aborted before the wait cancels it at once, and the lock is never released', () => {
    const loop = new VirtualTimeLoop();
    const cond = new Condition(undefined, { loop });
    const ac = new AbortController();
    ac.abort('early');
    cond.acquire();
    const other = cond.acquire();
    const w = cond.wait({ signal: ac.signal });
    expectCancelledAtOnce(w, 'early');
    loop.runUntilIdle();
    // Had the wait released the lock, the other acquire would hold it by now.
    expect(other.done()).toBe(false);
    expect(cond._waiters).toEqual([]);
    expect(cond.locked()).toBe(true);
  });

  it('wait() without the lock is an Error even with an aborted signal; a non-signal is a TypeError', () => {
    const cond = new Condition(undefined, { loop: new VirtualTimeLoop() });
    expect(() => cond.wait({ signal: AbortSignal.abort() })).toThrow(/un-acquired lock/);
    cond.acquire();
    expectTypeErrorForNonSignals((signal) => cond.wait({ signal }));
    expect(cond._waiters).toEqual([]);
    expect(cond.locked()).toBe(true);
  });

  it('acquire() goes through the lock: an already-aborted signal takes no free lock', () => {
    const loop = new VirtualTimeLoop();
    const cond = new Condition(undefined, { loop });
    expectCancelledAtOnce(cond.acquire({ signal: AbortSignal.abort('no') }), 'no');
    expectTypeErrorForNonSignals((signal) => cond.acquire({ signal }));
    loop.runUntilIdle();
    expect(cond.locked()).toBe(false);
  });

  it('an already-aborted signal cancels even a waitFor whose predicate holds, without calling it', () => {
    const loop = new VirtualTimeLoop();
    const cond = new Condition(undefined, { loop });
    cond.acquire();
    let calls = 0;
    const f = cond.waitFor(() => ++calls, { signal: AbortSignal.abort('skip') });
    expectCancelledAtOnce(f, 'skip');
    expect(calls).toBe(0);
    expectTypeErrorForNonSignals((signal) => cond.waitFor(() => ++calls, { signal }));
    expect(calls).toBe(0);
    loop.runUntilIdle();
    expect(cond.locked()).toBe(true);
    expect(cond._waiters).toEqual([]);
  });

  it('a predicate that aborts the signal before waitFor waits cancels the wait (no abort event comes later)', () => {
    const loop = new VirtualTimeLoop();
    const cond = new Condition(undefined, { loop });
    cond.acquire();
    const ac = new AbortController();
    const f = cond.waitFor(() => { ac.abort('from the predicate'); return false; }, { signal: ac.signal });
    loop.runUntilIdle();
    expect(f.cancelled()).toBe(true);
    expect(() => f.result()).toThrow('from the predicate');
    expect(cond._waiters).toEqual([]);
    expect(cond.locked()).toBe(true);
  });

  it('aborting during the wait cancels just that wait; the other waiter stays', () => {
    const loop = new VirtualTimeLoop();
    const cond = new Condition(undefined, { loop });
    const ac = new AbortController();
    cond.acquire();
    const w1 = cond.wait({ signal: ac.signal });
    cond.acquire();
    const w2 = cond.wait();
    loop.runUntilIdle();
    ac.abort();
    loop.runUntilIdle();
    expect(w1.cancelled()).toBe(true);
    cond.release();
    // The cancel woke w2 spuriously (asyncio passes a possible notification on).
    loop.runUntilIdle();
    expect(w2.result()).toBe(true);
    expect(cond._waiters).toEqual([]);
  });

  it('waitFor takes a signal too', () => {
    const loop = new VirtualTimeLoop();
    const cond = new Condition(undefined, { loop });
    const ac = new AbortController();
    cond.acquire();
    const f = cond.waitFor(() => false, { signal: ac.signal });
    loop.runUntilIdle();
    ac.abort();
    loop.runUntilIdle();
    expect(f.cancelled()).toBe(true);
    expect(cond._waiters).toEqual([]);
  });
});
