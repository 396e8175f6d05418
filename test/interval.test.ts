import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CancelledError, createTask, sleep, TimerHandle, type Loop } from '../src/index.js';
import { ClosedError, interval, type Tick } from '../src/xs.js';
import { VirtualTimeLoop } from '../src/testing.js';
import { customTimerLoop } from './support/custom-timer-loop.js';
import { expectCancelledAtOnce, expectTypeErrorForNonSignals } from './support/signals.js';

describe('interval', () => {
  it('ticks on a fixed grid whatever the consumer\'s own delays (no drift)', () => {
    const loop = new VirtualTimeLoop();
    const seen: string[] = [];
    const task = createTask(function* () {
      const ticker = interval(100, { loop });
      for (let i = 0; i < 5; i++) {
        const { time, missed } = yield* ticker.tick();
        seen.push(`${time}/${loop.time()}/${missed}`);
        yield* sleep(37);
      }
    }, { loop });
    loop.runUntilComplete(task);
    expect(seen).toEqual(['100/100/0', '200/200/0', '300/300/0', '400/400/0', '500/500/0']);
  });

  it('reads the loop clock once per wake-up, and in tick() only when the consumer did not come straight back (on a device each read is a host call)', () => {
    const loop = new VirtualTimeLoop();
    let reads = 0;
    // The interval's view of the loop, its clock reads counted; the loop itself reads its own.
    const counted = Object.assign(Object.create(loop) as VirtualTimeLoop, {
      time: () => {
        reads++;
        return loop.time();
      },
    });
    const ticker = interval(100, { loop: counted });
    const log: string[] = [];
    const task = createTask(function* () {
      for (let i = 0; i < 5; i++) log.push(`${(yield* ticker.tick()).time}`);
      // Back after a pause of its own (not in the step the tick resumed): tick() reads the clock.
      yield* sleep(0);
      log.push(`${(yield* ticker.tick()).time}`);
    }, { loop: counted });
    const made = reads;
    loop.advance(600);
    expect(task.done()).toBe(true);
    expect(log).toEqual(['100', '200', '300', '400', '500', '600']);
    // The first tick() reads, then one read per wake-up, and the tick() after the pause reads.
    expect(reads - made).toBe(1 + 6 + 1);
  });

  it('skips the ticks a late consumer missed and says how many', () => {
    const loop = new VirtualTimeLoop();
    const ticker = interval(100, { loop });
    const ticks: Tick[] = [];
    const task = createTask(function* () {
      ticks.push(yield* ticker.tick());
      yield* sleep(350);
      ticks.push(yield* ticker.tick());
      ticks.push(yield* ticker.tick());
    }, { loop });
    loop.runUntilComplete(task);
    expect(ticks).toEqual([{ time: 100, missed: 0 }, { time: 400, missed: 2 }, { time: 500, missed: 0 }]);
    expect(ticker.missed).toBe(2);
    expect(loop.time()).toBe(500);
  });

  it('iterates with for await in an async function, and the iteration ends on close', async () => {
    const loop = new VirtualTimeLoop();
    const ticker = interval(50, { loop });
    const times: number[] = [];
    const consumer = (async () => {
      for await (const t of ticker) {
        times.push(t.time);
        if (times.length === 3) loop.callLater(10, () => ticker.close());
      }
      return 'ended';
    })();
    expect(await loop.runUntilCompleteAsync(consumer)).toBe('ended');
    expect(times).toEqual([50, 100, 150]);
    expect(loop._timers.size).toBe(0);
  });

  it('iterates from a generator coroutine through ticks().next()', () => {
    const loop = new VirtualTimeLoop();
    const ticker = interval(20, { loop });
    const task = createTask(function* () {
      const it = ticker.ticks();
      const got: number[] = [];
      for (;;) {
        const r = yield* it.next();
        if (r.done) return got;
        got.push(r.value.time);
        if (got.length === 2) ticker.close();
      }
    }, { loop });
    expect(loop.runUntilComplete(task)).toEqual([20, 40]);
  });

  it('fails a waiting tick with ClosedError on close and refuses ticks afterwards', () => {
    const loop = new VirtualTimeLoop();
    const ticker = interval(100, { loop });
    const t = ticker.tick();
    ticker.close();
    ticker.close();
    loop.runUntilIdle();
    expect(() => t.result()).toThrow(ClosedError);
    expect(() => ticker.tick().result()).toThrow(ClosedError);
    expect(ticker.closed).toBe(true);
    expect(loop._timers.size).toBe(0);
  });

  it('leaves no live timer behind a cancelled tick', () => {
    const loop = new VirtualTimeLoop();
    const ticker = interval(100, { loop });
    const t = ticker.tick();
    expect(loop._timers.size).toBe(1);
    t.cancel();
    loop.runUntilIdle();
    expect(() => t.result()).toThrow(CancelledError);
    expect(loop._timers.size).toBe(0);
    loop.advance(250);
    expect(ticker.tick().result()).toEqual({ time: 200, missed: 1 });
  });

  it('serves several waiters in FIFO order, one deadline each', () => {
    const loop = new VirtualTimeLoop();
    const ticker = interval(100, { loop });
    const a = ticker.tick(), b = ticker.tick();
    loop.advance(100);
    expect(a.result()).toEqual({ time: 100, missed: 0 });
    expect(b.done()).toBe(false);
    const c = ticker.tick();
    loop.advance(100);
    expect(b.result()).toEqual({ time: 200, missed: 0 });
    expect(c.done()).toBe(false);
    loop.advance(100);
    expect(c.result()).toEqual({ time: 300, missed: 0 });
    ticker.close();
  });

  it('hands a deadline to the next waiter when the woken one is cancelled before its step', () => {
    const loop = new VirtualTimeLoop();
    const ticker = interval(100, { loop });
    const a = ticker.tick(), b = ticker.tick();
    loop.callAt(100, () => a.cancel());
    loop.advance(100);
    expect(a.cancelled()).toBe(true);
    expect(b.result()).toEqual({ time: 100, missed: 0 });
  });

  it('holds a lone waiting tick as itself, with no list (XS slots), and lets go of it once it has its tick', () => {
    const loop = new VirtualTimeLoop();
    const ticker = interval(100, { loop });
    const t = ticker.tick();
    expect(ticker._waiters).toBe(t);
    loop.advance(100);
    expect(t.result()).toEqual({ time: 100, missed: 0 });
    expect(ticker._waiters).toBe(null);
  });

  it('an already-aborted signal cancels a tick at once and arms no timer', () => {
    const loop = new VirtualTimeLoop();
    const ticker = interval(100, { loop });
    expectCancelledAtOnce(ticker.tick({ signal: AbortSignal.abort('stop') }), 'stop');
    expect(ticker._waiters).toBe(null);
    expect(loop._timers.size).toBe(0);
  });

  it('an already-aborted signal cancels even a tick that is due: the deadline stays for the next tick', () => {
    const loop = new VirtualTimeLoop();
    const ticker = interval(100, { loop });
    loop.advance(250);
    expectCancelledAtOnce(ticker.tick({ signal: AbortSignal.abort(new Error('late')) }), 'late');
    expectTypeErrorForNonSignals((signal) => ticker.tick({ signal }));
    loop.runUntilIdle();
    expect(ticker.missed).toBe(0);
    expect(ticker.tick().result()).toEqual({ time: 200, missed: 1 });
  });

  it('hands out the deadlines of the floor-and-round formula, for any period and any lateness (its calls left out in XS)', () => {
    fc.assert(fc.property(
      fc.double({ min: 0.01, max: 1000, noNaN: true }), fc.array(fc.double({ min: 0, max: 5000, noNaN: true }), { maxLength: 40 }),
      (period, waits) => {
        const loop = new VirtualTimeLoop();
        const ticker = interval(period, { loop });
        // The formula as first written, with Math.floor and Math.round: what the ticks must stay.
        const start = loop.time();
        let next = start + period;
        for (const wait of waits) {
          loop.advance(wait);
          const now = loop.time();
          if (now < next) continue;
          let latest = start + Math.floor((now - start) / period) * period;
          if (latest < next) latest = next;
          const missed = Math.round((latest - next) / period);
          next = latest + period;
          expect(ticker._take(now)).toEqual({ time: latest, missed });
        }
      },
    ));
  });

  it('validates its period and needs a timer loop', () => {
    const loop = new VirtualTimeLoop();
    expect(() => interval(0, { loop })).toThrow(RangeError);
    expect(() => interval(-5, { loop })).toThrow(RangeError);
    expect(() => interval(Infinity, { loop })).toThrow(RangeError);
    const plain = { callSoon: loop.callSoon.bind(loop), callExceptionHandler() {}, getDebug: () => false } as unknown as Loop;
    expect(() => interval(10, { loop: plain })).toThrow(/needs a TimerLoop/);
  });
});

describe('interval: its timer is the interval itself on anyloop\'s loops', () => {
  it('arms no TimerHandle per tick: the loop\'s heap holds the interval, armed while someone waits', () => {
    const loop = new VirtualTimeLoop();
    const ticker = interval(100, { loop });
    const t = ticker.tick();
    expect(loop._timers._heap).toEqual([ticker]);
    expect(loop._timers._heap[0]).not.toBeInstanceOf(TimerHandle);
    loop.advance(100);
    expect(t.result()).toEqual({ time: 100, missed: 0 });
    // Nobody waits: no timer.
    expect(loop._timers.size).toBe(0);
    const u = ticker.tick();
    expect(loop._timers.nextWhen()).toBe(200);
    loop.advance(100);
    expect(u.result()).toEqual({ time: 200, missed: 0 });
  });

  it('a due timer closed before it runs does nothing', () => {
    const loop = new VirtualTimeLoop();
    const ticker = interval(100, { loop });
    // Due with the interval's timer, and scheduled before it: it runs first in the turn that has both.
    loop.callAt(100, () => ticker.close());
    const t = ticker.tick();
    loop.advance(100);
    expect(() => t.result()).toThrow(ClosedError);
    expect(loop._timers.size).toBe(0);
  });

  it('a due timer disarmed and armed again before it runs does nothing: the timer armed again fires, once', () => {
    const loop = new VirtualTimeLoop();
    const ticker = interval(100, { loop });
    const log: string[] = [];
    loop.callAt(100, () => {
      ticker._disarm();
      ticker._arm();
      log.push(`re-armed, in the heap: ${loop._timers.size}`);
      // Queued behind the due timer's expiry: before the timer armed again, which is due in the next turn.
      loop.callSoon(() => log.push('queued after it'));
    });
    const t = ticker.tick();
    // A firing timer wakes the lone waiter: that is what is logged as fired.
    const waiter = t as unknown as { _wake(): boolean };
    const wake = waiter._wake.bind(waiter);
    waiter._wake = () => {
      log.push('fired');
      return wake();
    };
    t.addDoneCallback(() => log.push(`tick ${t.result().time}`));
    loop.advance(100);
    expect(log).toEqual(['re-armed, in the heap: 1', 'queued after it', 'fired', 'tick 100']);
    expect(loop._timers.size).toBe(0);
    loop.advance(100);
    expect(log).toHaveLength(4);
  });

  it('ticks through callAt on a loop without the EntryTimers hook', () => {
    const inner = new VirtualTimeLoop();
    const loop = customTimerLoop(inner);
    const ticker = interval(100, { loop });
    const t = ticker.tick();
    inner.advance(100);
    expect(t.result()).toEqual({ time: 100, missed: 0 });
    const u = ticker.tick();
    ticker.close();
    inner.runUntilIdle();
    expect(() => u.result()).toThrow(ClosedError);
    expect(loop.ats.map((h) => h.when())).toEqual([100, 200]);
    expect(inner._timers.size).toBe(0);
  });
});
