import { describe, expect, it } from 'vitest';
import { CancelledError, createTask, type Future } from '../src/index.js';
import { InterruptFlag, XsLoop } from '../src/xs.js';
import { VirtualTimeLoop } from '../src/testing.js';
import { SimBoard } from '../src/sim/board.js';
import { timerFor } from '../src/sim/timer.js';
import { timeFor } from '../src/sim/time.js';
import { digitalFor } from '../src/sim/digital.js';
import { expectCancelledAtOnce, expectTypeErrorForNonSignals } from './support/signals.js';

function results(futures: Future<number>[]): (number | string)[] {
  return futures.map((f) => (!f.done() ? 'pending' : f.cancelled() ? 'cancelled' : f.result()));
}

describe('InterruptFlag', () => {
  it('coalesces sets made before a wait into one wake-up that counts them, and clears', () => {
    const loop = new VirtualTimeLoop();
    const flag = new InterruptFlag({ loop });
    flag.set();
    flag.set();
    flag.set();
    expect(flag.isSet()).toBe(true);
    const w = flag.wait();
    expect(w.done()).toBe(true);
    expect(w.result()).toBe(3);
    expect(flag.isSet()).toBe(false);
    expect(flag.sets).toBe(3);
    const next = flag.wait();
    loop.runUntilIdle();
    expect(next.done()).toBe(false);
  });

  it('wakes one waiter per batch of sets, FIFO', () => {
    const loop = new VirtualTimeLoop();
    const flag = new InterruptFlag({ loop });
    const waits = [flag.wait(), flag.wait(), flag.wait()];
    flag.set();
    flag.set();
    loop.runUntilIdle();
    expect(results(waits)).toEqual([2, 'pending', 'pending']);
    flag.set();
    loop.runUntilIdle();
    expect(results(waits)).toEqual([2, 1, 'pending']);
    flag.set();
    loop.runUntilIdle();
    expect(results(waits)).toEqual([2, 1, 1]);
  });

  it('counts sets that arrive between the wake-up and the waiter\'s step into that wake-up', () => {
    const loop = new VirtualTimeLoop();
    const flag = new InterruptFlag({ loop });
    const a = flag.wait(), b = flag.wait();
    loop.callSoon(() => flag.set());
    flag.set();
    // The second set runs after a's wake-up, before a's step: it joins a's batch.
    loop.runUntilIdle();
    expect(results([a, b])).toEqual([2, 'pending']);
    flag.set();
    loop.runUntilIdle();
    expect(results([a, b])).toEqual([2, 1]);
  });

  it('passes the sets of a waiter woken and then cancelled to the next waiter', () => {
    const loop = new VirtualTimeLoop();
    const flag = new InterruptFlag({ loop });
    const a = flag.wait(), b = flag.wait();
    flag.set();
    a.cancel();
    loop.runUntilIdle();
    expect(results([a, b])).toEqual(['cancelled', 1]);
    expect(flag.isSet()).toBe(false);
  });

  it('leaves the flag set when the only waiter was woken and then cancelled', () => {
    const loop = new VirtualTimeLoop();
    const flag = new InterruptFlag({ loop });
    const a = flag.wait();
    flag.set();
    a.cancel();
    loop.runUntilIdle();
    expect(a.cancelled()).toBe(true);
    expect(flag.isSet()).toBe(true);
    expect(flag.wait().result()).toBe(1);
  });

  it('does not let a newcomer take sets a woken waiter is about to take', () => {
    const loop = new VirtualTimeLoop();
    const flag = new InterruptFlag({ loop });
    const a = flag.wait();
    flag.set();
    const b = flag.wait();
    expect(b.done()).toBe(false);
    loop.runUntilIdle();
    expect(results([a, b])).toEqual([1, 'pending']);
  });

  it('clear() drops untaken sets; a waiter woken for them waits on', () => {
    const loop = new VirtualTimeLoop();
    const flag = new InterruptFlag({ loop });
    const a = flag.wait();
    flag.set();
    flag.clear();
    loop.runUntilIdle();
    expect(results([a])).toEqual(['pending']);
    flag.set();
    loop.runUntilIdle();
    expect(results([a])).toEqual([1]);
  });

  it('cancels a wait through an AbortSignal', () => {
    const loop = new VirtualTimeLoop();
    const flag = new InterruptFlag({ loop });
    const ac = new AbortController();
    const a = flag.wait({ signal: ac.signal });
    ac.abort('stop');
    loop.runUntilIdle();
    expect(() => a.result()).toThrow(CancelledError);
    expect(flag._waiters.length).toBe(0);
  });

  it('an already-aborted signal cancels even a wait on a set flag, and the sets stay for the next wait', () => {
    const loop = new VirtualTimeLoop();
    const flag = new InterruptFlag({ loop });
    const blocked = flag.wait({ signal: AbortSignal.abort('early') });
    expectCancelledAtOnce(blocked, 'early');
    expect(flag._waiters.length).toBe(0);
    flag.set();
    flag.set();
    expectCancelledAtOnce(flag.wait({ signal: AbortSignal.abort(new Error('not now')) }), 'not now');
    expectTypeErrorForNonSignals((signal) => flag.wait({ signal }));
    loop.runUntilIdle();
    expect(flag.isSet()).toBe(true);
    expect(flag.wait().result()).toBe(2);
  });

  it('never throws from set(), even when its loop is closed: the failure goes to the handler', () => {
    const board = new SimBoard();
    const loop = new XsLoop({ Timer: timerFor(board), Time: timeFor(board) });
    const seen: string[] = [];
    loop.setExceptionHandler((_l, ctx) => seen.push(`${ctx.message}: ${(ctx.exception as Error).message}`));
    const flag = new InterruptFlag({ loop });
    flag.wait();
    loop.close();
    expect(() => flag.set()).not.toThrow();
    expect(seen).toEqual(['InterruptFlag.set() could not wake a waiter: XsLoop is closed']);
  });

  it('can be set before it is bound to any loop', () => {
    const flag = new InterruptFlag();
    expect(() => flag.set()).not.toThrow();
    expect(flag.isSet()).toBe(true);
  });

  it('is set from a GPIO interrupt callback, outside the loop, and wakes a task on the XS loop', () => {
    const board = new SimBoard();
    const Digital = digitalFor(board);
    const loop = new XsLoop({ Timer: timerFor(board), Time: timeFor(board) });
    const flag = new InterruptFlag({ loop });
    new Digital({ pin: 0, mode: Digital.InputPullUp, edge: Digital.Falling, onReadable() { flag.set(); } });
    const seen: string[] = [];
    loop.runForever();
    createTask(function* () {
      for (;;) {
        const n = yield* flag.wait();
        seen.push(`${n}@${board.now}`);
      }
    }, { loop });
    board.at(100, () => board.drive(0, 0));
    board.at(101, () => board.drive(0, 1));
    board.at(300, () => board.drive(0, 0));
    board.advance(400);
    expect(seen).toEqual(['1@100', '1@300']);
    expect(board.aborted).toBe(null);
  });
});
