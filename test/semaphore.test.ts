import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BoundedSemaphore, CancelledError, Semaphore } from '../src/index.js';
import type { Coroutine } from '../src/future/coroutine.js';
import { VirtualTimeLoop } from '../src/testing.js';
import { abortSignalCases, checkBindsDefaultLoopLazily, checkNoLostOrDoubleGrant } from './support/acquirable.js';
import { expectCancelledAtOnce, expectTypeErrorForNonSignals } from './support/signals.js';
import { Turns } from './support/turns.js';

// Expected turn logs are what CPython 3.13 asyncio prints for the same
// scenario (tasks made with create_task, one `loop._run_once()` per turn).

function* take(t: Turns, sem: Semaphore, name: string): Coroutine<void> {
  try {
    yield* sem.acquire();
  } catch (e) {
    if (e instanceof CancelledError) t.note(`${name} cancelled`);
    throw e;
  }
  t.note(`${name} acquired v=${sem._value}`);
}

describe('Semaphore: construction', () => {
  it('defaults to one unit', () => {
    const loop = new VirtualTimeLoop();
    const sem = new Semaphore(undefined, { loop });
    expect(sem.locked()).toBe(false);
    expect(sem.acquire().result()).toBe(true);
    expect(sem.locked()).toBe(true);
  });

  it('rejects a non-number value with TypeError', () => {
    for (const v of ['1', null, {}, 1n]) {
      expect(() => new Semaphore(v as unknown as number)).toThrow(TypeError);
      expect(() => new BoundedSemaphore(v as unknown as number)).toThrow(TypeError);
    }
  });

  it('rejects a negative, fractional or non-finite value with RangeError', () => {
    for (const v of [-1, 1.5, NaN, Infinity]) {
      expect(() => new Semaphore(v)).toThrow(RangeError);
      expect(() => new BoundedSemaphore(v)).toThrow(RangeError);
    }
    expect(() => new Semaphore(-1)).toThrow(/>= 0/);
  });

  it('accepts 0: locked from the start', () => {
    const sem = new Semaphore(0, { loop: new VirtualTimeLoop() });
    expect(sem.locked()).toBe(true);
    expect(sem.acquire().done()).toBe(false);
  });

  it('binds to the default loop only when it first needs one', () => {
    checkBindsDefaultLoopLazily(() => {
      const sem = new Semaphore(1);
      expect(sem.locked()).toBe(false);
      return sem;
    }, (sem) => sem.acquire());
  });

  it('rejects options that are not an object', () => {
    expect(() => new Semaphore(1, 5 as never)).toThrow(TypeError);
  });
});

describe('Semaphore: acquire and release', () => {
  it('acquire returns a done future while units are free', () => {
    const sem = new Semaphore(2, { loop: new VirtualTimeLoop() });
    expect(sem.acquire().result()).toBe(true);
    expect(sem.locked()).toBe(false);
    expect(sem.acquire().result()).toBe(true);
    expect(sem.locked()).toBe(true);
    expect(sem._value).toBe(0);
  });

  it('hands units over in FIFO order, each waiter completing in the turn after the release', () => {
    const t = new Turns();
    const sem = new Semaphore(1, { loop: t.loop });
    for (const n of ['A', 'B', 'C']) t.spawn(take(t, sem, n));
    t.idle();
    t.note(`locked=${sem.locked()}`);
    sem.release();
    t.note('release');
    t.idle();
    sem.release();
    t.note('release');
    t.idle();
    t.note(`v=${sem._value} locked=${sem.locked()}`);
    expect(t.log).toEqual([
      '1:A acquired v=0', '1:locked=true', '1:release', '2:B acquired v=0',
      '2:release', '3:C acquired v=0', '3:v=0 locked=true',
    ]);
  });

  it('release without waiters adds a unit; the value may exceed the initial one', () => {
    const sem = new Semaphore(1, { loop: new VirtualTimeLoop() });
    sem.release();
    expect(sem._value).toBe(2);
    expect(sem.acquire().done()).toBe(true);
    expect(sem.acquire().done()).toBe(true);
    expect(sem.locked()).toBe(true);
  });

  it('hands the unit over at release time: the value stays 0 and the waiter holds it', () => {
    const loop = new VirtualTimeLoop();
    const sem = new Semaphore(0, { loop });
    const w = sem.acquire();
    sem.release();
    expect(sem._value).toBe(0);
    expect(w.done()).toBe(false);
    loop.runUntilIdle();
    expect(w.result()).toBe(true);
    expect(sem._value).toBe(0);
  });
});

describe('Semaphore: cancellation races', () => {
  it('a waiter woken and then cancelled gives its unit to the next waiter', () => {
    const t = new Turns();
    const sem = new Semaphore(0, { loop: t.loop });
    const b = t.spawn(take(t, sem, 'B'));
    t.spawn(take(t, sem, 'C'));
    t.idle();
    sem.release();
    b.cancel();
    t.note(`release+cancel v=${sem._value}`);
    t.idle();
    t.note(`v=${sem._value} waiters=${sem._waiters!.length}`);
    expect(t.log).toEqual(['1:release+cancel v=0', '2:B cancelled', '3:C acquired v=0', '3:v=0 waiters=0']);
    expect(b.cancelled()).toBe(true);
  });

  it('the same race on the waiter future itself: cancel() right after release()', () => {
    const loop = new VirtualTimeLoop();
    const sem = new Semaphore(0, { loop });
    const w1 = sem.acquire();
    const w2 = sem.acquire();
    sem.release();
    expect(w1.cancel()).toBe(true);
    loop.runUntilIdle();
    expect(w1.cancelled()).toBe(true);
    expect(w2.result()).toBe(true);
    expect(sem._value).toBe(0);
    expect(sem._waiters!.length).toBe(0);
  });

  it('two woken waiters both cancelled pass both units on, one each', () => {
    const t = new Turns();
    const sem = new Semaphore(0, { loop: t.loop });
    const tasks = ['B', 'C', 'D', 'E'].map((n) => t.spawn(take(t, sem, n)));
    t.idle();
    sem.release();
    sem.release();
    tasks[0]!.cancel();
    tasks[1]!.cancel();
    t.note(`2 release, cancel B C v=${sem._value}`);
    t.idle();
    t.note(`v=${sem._value}`);
    expect(t.log).toEqual([
      '1:2 release, cancel B C v=0', '2:B cancelled', '2:C cancelled',
      '3:D acquired v=0', '3:E acquired v=0', '3:v=0',
    ]);
  });

  it('a waiter cancelled before the release is skipped: the unit goes straight to the next', () => {
    const t = new Turns();
    const sem = new Semaphore(0, { loop: t.loop });
    const b = t.spawn(take(t, sem, 'B'));
    t.spawn(take(t, sem, 'C'));
    t.idle();
    b.cancel();
    sem.release();
    t.note(`cancel B, release v=${sem._value}`);
    t.idle();
    t.note(`v=${sem._value}`);
    expect(t.log).toEqual(['1:cancel B, release v=0', '2:B cancelled', '2:C acquired v=0', '2:v=0']);
  });

  it('cancelling a pending waiter removes it and keeps the value', () => {
    const t = new Turns();
    const sem = new Semaphore(0, { loop: t.loop });
    const b = t.spawn(take(t, sem, 'B'));
    t.spawn(take(t, sem, 'C'));
    t.idle();
    b.cancel();
    t.note('cancel B');
    t.idle();
    t.note(`waiters=${sem._waiters!.length} locked=${sem.locked()}`);
    sem.release();
    t.idle();
    t.note(`v=${sem._value}`);
    expect(t.log).toEqual(['1:cancel B', '2:B cancelled', '2:waiters=1 locked=true', '3:C acquired v=0', '3:v=0']);
  });

  it('a lone pending waiter, once cancelled, no longer makes it locked', () => {
    const t = new Turns();
    const sem = new Semaphore(0, { loop: t.loop });
    const b = t.spawn(take(t, sem, 'B'));
    t.idle();
    b.cancel();
    sem.release();
    t.note(`locked=${sem.locked()} v=${sem._value}`);
    t.spawn(take(t, sem, 'D'));
    t.idle();
    t.note(`v=${sem._value}`);
    expect(t.log).toEqual(['1:locked=false v=1', '2:B cancelled', '2:D acquired v=0', '2:v=0']);
    expect(sem._waiters!.length).toBe(0);
  });

  it('a newcomer never jumps a woken waiter, even with a unit free', () => {
    const t = new Turns();
    const sem = new Semaphore(0, { loop: t.loop });
    t.spawn(take(t, sem, 'B'));
    t.idle();
    t.spawn((function* (): Coroutine<void> {
      sem.release();
      sem.release();
      t.note(`R released twice v=${sem._value} locked=${sem.locked()}`);
      yield* sem.acquire();
      t.note(`R acquired v=${sem._value}`);
    })());
    t.idle();
    t.note(`v=${sem._value}`);
    expect(t.log).toEqual(['2:R released twice v=1 locked=true', '3:B acquired v=0', '4:R acquired v=0', '4:v=0']);
  });

  it('a woken waiter wakes as many queued newcomers as there are free units, in its own turn', () => {
    const t = new Turns();
    const sem = new Semaphore(0, { loop: t.loop });
    const tries = function* (name: string): Coroutine<void> {
      t.note(`${name} tries locked=${sem.locked()}`);
      yield* take(t, sem, name);
    };
    t.spawn(tries('B'));
    t.idle();
    t.spawn((function* (): Coroutine<void> {
      sem.release();
      sem.release();
      sem.release();
      t.note(`R released 3 v=${sem._value}`);
    })());
    t.spawn(tries('C'));
    t.spawn(tries('D'));
    t.idle();
    t.note(`v=${sem._value}`);
    expect(t.log).toEqual([
      '1:B tries locked=true', '2:R released 3 v=2', '2:C tries locked=true', '2:D tries locked=true',
      '3:B acquired v=0', '4:C acquired v=0', '4:D acquired v=0', '4:v=0',
    ]);
  });

  it('cancel() returns false once the waiter has acquired', () => {
    const loop = new VirtualTimeLoop();
    const sem = new Semaphore(0, { loop });
    const w = sem.acquire();
    sem.release();
    loop.runUntilIdle();
    expect(w.cancel()).toBe(false);
    expect(sem._value).toBe(0);
  });

  it('never loses or duplicates a unit under random acquire/release/cancel interleavings', () => {
    checkNoLostOrDoubleGrant(fc.integer({ min: 0, max: 3 }), (loop, n) => new Semaphore(n, { loop }), (sem, n, held) => {
      expect((sem as Semaphore)._value).toBe(n - held);
    });
  });
});

describe('Semaphore: AbortSignal', () => {
  abortSignalCases((loop) => new Semaphore(0, { loop }));

  it('an already-aborted signal leaves the value as it was, with units free', () => {
    const loop = new VirtualTimeLoop();
    const sem = new Semaphore(3, { loop });
    for (let i = 0; i < 2; i++) expectCancelledAtOnce(sem.acquire({ signal: AbortSignal.abort('no') }), 'no');
    expectTypeErrorForNonSignals((signal) => sem.acquire({ signal }));
    loop.runUntilIdle();
    expect(sem._value).toBe(3);
    expect(sem._waiters).toBe(null);
  });
});

describe('BoundedSemaphore: AbortSignal', () => {
  abortSignalCases((loop) => {
    const sem = new BoundedSemaphore(1, { loop });
    sem.acquire();
    return sem;
  });
});

describe('BoundedSemaphore', () => {
  it('throws a RangeError when released above its initial value', () => {
    const sem = new BoundedSemaphore(2, { loop: new VirtualTimeLoop() });
    sem.acquire();
    sem.acquire();
    sem.release();
    sem.release();
    expect(() => sem.release()).toThrow(RangeError);
    expect(() => sem.release()).toThrow(/released too many times.*initial value is 2/);
    expect(sem._value).toBe(2);
  });

  it('counts a unit handed to a woken waiter as taken', () => {
    const t = new Turns();
    const sem = new BoundedSemaphore(1, { loop: t.loop });
    expect(sem.acquire().done()).toBe(true);
    t.spawn(take(t, sem, 'B'));
    t.idle();
    sem.release();
    t.note(`released v=${sem._value}`);
    sem.release();
    t.note('second ok');
    t.idle();
    expect(t.log).toEqual(['1:released v=0', '1:second ok', '2:B acquired v=1']);
    expect(() => sem.release()).toThrow(RangeError);
  });

  it('is a Semaphore', () => {
    expect(new BoundedSemaphore(1, { loop: new VirtualTimeLoop() })).toBeInstanceOf(Semaphore);
  });
});
