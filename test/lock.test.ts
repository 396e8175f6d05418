import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CancelledError, Lock } from '../src/index.js';
import type { Coroutine } from '../src/future/coroutine.js';
import { VirtualTimeLoop } from '../src/testing.js';
import { abortSignalCases, checkBindsDefaultLoopLazily, checkNoLostOrDoubleGrant } from './support/acquirable.js';
import { Turns } from './support/turns.js';

// Expected turn logs are what CPython 3.13 asyncio prints for the same
// scenario (tasks made with create_task, one `loop._run_once()` per turn).

function* taker(t: Turns, lock: Lock, name: string): Coroutine<void> {
  t.note(`${name} tries locked=${lock.locked()}`);
  try {
    yield* lock.acquire();
  } catch (e) {
    if (e instanceof CancelledError) t.note(`${name} cancelled locked=${lock.locked()}`);
    throw e;
  }
  t.note(`${name} acquired`);
}

describe('Lock: construction', () => {
  it('starts unlocked; acquire on a free lock is done at once', () => {
    const lock = new Lock({ loop: new VirtualTimeLoop() });
    expect(lock.locked()).toBe(false);
    const f = lock.acquire();
    expect(f.done()).toBe(true);
    expect(f.result()).toBe(true);
    expect(lock.locked()).toBe(true);
  });

  it('binds to the default loop only when first used', () => {
    checkBindsDefaultLoopLazily(() => new Lock(), (lock) => lock.acquire());
  });

  it('rejects a loop without the contract, or options that are not an object, with TypeError', () => {
    expect(() => new Lock({ loop: {} as never })).toThrow(TypeError);
    expect(() => new Lock('x' as never)).toThrow(TypeError);
  });

  it('release() on an unlocked lock throws an Error', () => {
    const lock = new Lock({ loop: new VirtualTimeLoop() });
    expect(() => lock.release()).toThrow('Lock is not acquired.');
  });
});

describe('Lock: hand-off', () => {
  it('hands the lock over in FIFO order, each waiter taking it in the turn after the release', () => {
    const t = new Turns();
    const lock = new Lock({ loop: t.loop });
    for (const n of ['A', 'B', 'C']) t.spawn(taker(t, lock, n));
    t.idle();
    lock.release();
    t.note('release');
    t.idle();
    lock.release();
    t.note('release');
    t.idle();
    t.note(`locked=${lock.locked()}`);
    expect(t.log).toEqual([
      '1:A tries locked=false', '1:A acquired', '1:B tries locked=true', '1:C tries locked=true', '1:release',
      '2:B acquired', '2:release', '3:C acquired', '3:locked=true',
    ]);
  });

  it('a newcomer never jumps a woken waiter, though the lock looks free', () => {
    const t = new Turns();
    const lock = new Lock({ loop: t.loop });
    for (const n of ['A', 'B']) t.spawn(taker(t, lock, n));
    t.idle();
    t.spawn((function* (): Coroutine<void> {
      lock.release();
      t.note('R released');
    })());
    const n = t.spawn(taker(t, lock, 'N'));
    t.idle();
    expect(t.log).toEqual(['1:A tries locked=false', '1:A acquired', '1:B tries locked=true', '2:R released',
      '2:N tries locked=false', '3:B acquired']);
    expect(n.done()).toBe(false);
    expect(lock._waiters!.length).toBe(1);
  });
});

describe('Lock: cancellation races', () => {
  it('a waiter woken and then cancelled passes the lock to the next waiter', () => {
    const t = new Turns();
    const lock = new Lock({ loop: t.loop });
    const tasks = ['A', 'B', 'C'].map((n) => t.spawn(taker(t, lock, n)));
    t.idle();
    lock.release();
    tasks[1]!.cancel();
    t.note('release+cancel B');
    t.idle();
    t.note(`locked=${lock.locked()} waiters=${lock._waiters!.length}`);
    expect(t.log).toEqual([
      '1:A tries locked=false', '1:A acquired', '1:B tries locked=true', '1:C tries locked=true',
      '1:release+cancel B', '2:B cancelled locked=false', '3:C acquired', '3:locked=true waiters=0',
    ]);
  });

  it('the same race on the waiter future itself: cancel() right after release()', () => {
    const loop = new VirtualTimeLoop();
    const lock = new Lock({ loop });
    lock.acquire();
    const w1 = lock.acquire();
    const w2 = lock.acquire();
    lock.release();
    expect(w1.cancel('late')).toBe(true);
    loop.runUntilIdle();
    expect(w1.cancelled()).toBe(true);
    expect(() => w1.result()).toThrow('late');
    expect(w2.result()).toBe(true);
    expect(lock.locked()).toBe(true);
    expect(lock._waiters!.length).toBe(0);
  });

  it('a cancelled pending waiter is removed; a newcomer then takes the free lock at once', () => {
    const t = new Turns();
    const lock = new Lock({ loop: t.loop });
    const tasks = ['A', 'B'].map((n) => t.spawn(taker(t, lock, n)));
    t.idle();
    tasks[1]!.cancel();
    lock.release();
    t.note(`cancel B + release locked=${lock.locked()}`);
    t.spawn(taker(t, lock, 'N'));
    t.idle();
    t.note(`waiters=${lock._waiters!.length}`);
    expect(t.log).toEqual([
      '1:A tries locked=false', '1:A acquired', '1:B tries locked=true', '1:cancel B + release locked=false',
      '2:B cancelled locked=false', '2:N tries locked=false', '2:N acquired', '2:waiters=0',
    ]);
  });

  it('never grants the lock twice nor loses it under random acquire/release/cancel interleavings', () => {
    checkNoLostOrDoubleGrant(fc.constant(1), (loop) => new Lock({ loop }));
  });
});

describe('Lock: AbortSignal', () => {
  abortSignalCases((loop) => {
    const lock = new Lock({ loop });
    lock.acquire();
    return lock;
  });
});
