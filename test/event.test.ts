import { describe, expect, it } from 'vitest';
import { CancelledError, Event } from '../src/index.js';
import type { Coroutine } from '../src/future/coroutine.js';
import { VirtualTimeLoop } from '../src/testing.js';
import { checkBindsDefaultLoopLazily } from './support/acquirable.js';
import { expectCancelledAtOnce, expectTypeErrorForNonSignals } from './support/signals.js';
import { Turns } from './support/turns.js';
import { waiting } from './support/tasks.js';

// Expected turn logs are what CPython 3.13 asyncio prints for the same
// scenario (tasks made with create_task, one `loop._run_once()` per turn).

function* waiter(t: Turns, ev: Event, name: string): Coroutine<void> {
  try {
    const r = yield* ev.wait();
    t.note(`${name} woke r=${r}`);
  } catch (e) {
    if (e instanceof CancelledError) t.note(`${name} cancelled`);
    throw e;
  }
}

describe('Event', () => {
  it('starts clear; set and clear flip the flag', () => {
    const ev = new Event({ loop: new VirtualTimeLoop() });
    expect(ev.isSet()).toBe(false);
    ev.set();
    expect(ev.isSet()).toBe(true);
    ev.clear();
    expect(ev.isSet()).toBe(false);
  });

  it('wait on a set event is done at once', () => {
    const ev = new Event({ loop: new VirtualTimeLoop() });
    ev.set();
    const w = ev.wait();
    expect(w.done()).toBe(true);
    expect(w.result()).toBe(true);
  });

  it('binds to the default loop only when it first waits', () => {
    checkBindsDefaultLoopLazily(() => {
      const ev = new Event();
      ev.set();
      ev.clear();
      return ev;
    }, (ev) => ev.wait());
  });

  it('set wakes every waiter in the next turn; clear right after does not undo it; a woken-then-cancelled waiter fails', () => {
    const t = new Turns();
    const ev = new Event({ loop: t.loop });
    const tasks = ['A', 'B', 'C'].map((n) => t.spawn(waiter(t, ev, n)));
    t.idle();
    ev.set();
    tasks[1]!.cancel();
    ev.clear();
    t.note('set, cancel B, clear');
    t.idle();
    t.note(`waiters=${waiting(ev)}`);
    t.spawn(waiter(t, ev, 'D'));
    t.idle();
    t.note(`waiters=${waiting(ev)}`);
    ev.set();
    ev.set();
    t.idle();
    t.spawn(waiter(t, ev, 'E'));
    t.idle();
    expect(t.log).toEqual([
      '1:set, cancel B, clear', '2:A woke r=true', '2:B cancelled', '2:C woke r=true', '2:waiters=0',
      '3:waiters=1', '4:D woke r=true', '5:E woke r=true',
    ]);
  });

  it('a second set() wakes nobody twice', () => {
    const loop = new VirtualTimeLoop();
    const ev = new Event({ loop });
    const w = ev.wait();
    let calls = 0;
    w.addDoneCallback(() => calls++);
    ev.set();
    ev.set();
    loop.runUntilIdle();
    ev.clear();
    ev.set();
    loop.runUntilIdle();
    expect(calls).toBe(1);
  });

  it('cancelling a pending waiter removes it; the others still wake', () => {
    const t = new Turns();
    const ev = new Event({ loop: t.loop });
    const tasks = ['A', 'B'].map((n) => t.spawn(waiter(t, ev, n)));
    t.idle();
    tasks[0]!.cancel();
    t.idle();
    t.note(`waiters=${waiting(ev)}`);
    ev.set();
    t.idle();
    expect(t.log).toEqual(['2:A cancelled', '2:waiters=1', '3:B woke r=true']);
  });

  it('holds a lone waiter as itself, with no list (XS slots), and makes a list for a second, waking both in order', () => {
    const loop = new VirtualTimeLoop();
    const ev = new Event({ loop });
    const order: string[] = [];
    const a = ev.wait();
    expect(ev._waiters).toBe(a);
    a.cancel();
    loop.runUntilIdle();
    expect(ev._waiters).toBe(null);
    const b = ev.wait();
    const c = ev.wait();
    b.addDoneCallback(() => order.push('b'));
    c.addDoneCallback(() => order.push('c'));
    expect(Array.isArray(ev._waiters)).toBe(true);
    expect(String(ev)).toBe('<Event [unset, waiters:2]>');
    ev.set();
    loop.runUntilIdle();
    expect(order).toEqual(['b', 'c']);
    expect(ev._waiters).toBe(null);
  });

  it('cancelling the wait future itself removes it from _waiters', () => {
    const loop = new VirtualTimeLoop();
    const ev = new Event({ loop });
    const w = ev.wait();
    expect(w.cancel('stop')).toBe(true);
    loop.runUntilIdle();
    expect(w.cancelled()).toBe(true);
    expect(() => w.result()).toThrow('stop');
    expect(waiting(ev)).toBe(0);
  });

  it('a signal aborted before the wait cancels it at once; one aborted during the wait cancels just that wait', () => {
    const loop = new VirtualTimeLoop();
    const ev = new Event({ loop });
    const early = new AbortController();
    early.abort('too late');
    const w0 = ev.wait({ signal: early.signal });
    expectCancelledAtOnce(w0, 'too late');
    const during = new AbortController();
    const w1 = ev.wait({ signal: during.signal });
    const w2 = ev.wait();
    loop.runUntilIdle();
    during.abort('enough');
    loop.runUntilIdle();
    expect(w1.cancelled()).toBe(true);
    expect(() => w1.result()).toThrow('enough');
    // toBe, not toEqual: vitest would iterate the futures (they are iterable for yield*).
    expect(waiting(ev)).toBe(1);
    expect((ev._waiters as unknown[])[0]).toBe(w2);
    ev.set();
    loop.runUntilIdle();
    expect(w2.result()).toBe(true);
    expect(waiting(ev)).toBe(0);
  });

  it('an already-aborted signal cancels even a wait on a set event, which stays set', () => {
    const loop = new VirtualTimeLoop();
    const ev = new Event({ loop });
    ev.set();
    expectCancelledAtOnce(ev.wait({ signal: AbortSignal.abort(new Error('stop')) }), 'stop');
    loop.runUntilIdle();
    expect(ev.isSet()).toBe(true);
    expect(waiting(ev)).toBe(0);
  });

  it('a signal that is not an AbortSignal is a TypeError, whether or not the wait would block', () => {
    const ev = new Event({ loop: new VirtualTimeLoop() });
    expectTypeErrorForNonSignals((signal) => ev.wait({ signal }));
    expect(waiting(ev)).toBe(0);
    ev.set();
    expectTypeErrorForNonSignals((signal) => ev.wait({ signal }));
  });

  it('works with await from an async function', async () => {
    const loop = new VirtualTimeLoop();
    const ev = new Event({ loop });
    const p = (async () => { await ev.wait(); return loop.time(); })();
    loop.callLater(25, () => ev.set());
    expect(await loop.runUntilCompleteAsync(p)).toBe(25);
  });
});
