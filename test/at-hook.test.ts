import { describe, expect, it } from 'vitest';
import { createTask, sleep, timeout, TimeoutError, type Coroutine, type TimerHandle } from '../src/index.js';
import { ClosedError, DigitalIn, DigitalOut, XsLoop, interval } from '../src/xs.js';
import { VirtualTimeLoop } from '../src/testing.js';
import { RefusingLoop } from './support/refusing-loop.js';
import { SimBoard } from '../src/sim/board.js';
import { timerFor } from '../src/sim/timer.js';
import { timeFor } from '../src/sim/time.js';
import { digitalFor } from '../src/sim/digital.js';

/** A VirtualTimeLoop that counts the calls of its public callAt. */
class CountingLoop extends VirtualTimeLoop {
  publicCalls = 0;

  override callAt<A extends unknown[]>(when: number, callback: (...args: A) => void, ...args: A): TimerHandle {
    this.publicCalls++;
    return super.callAt(when, callback, ...args);
  }
}

/** The same loop without the hooks (_at, and EntryTimers' _expireAt, an interval's), as a loop author's TimerLoop would be: anyloop falls back on callAt. */
class NoHookLoop extends CountingLoop {
  constructor() {
    super();
    (this as { _at?: unknown })._at = undefined;
    (this as { _expireAt?: unknown })._expireAt = undefined;
  }
}

/** Ticks of a 100 ms interval taken by a task until `until`, with the loop time each was taken at. */
function ticks(loop: VirtualTimeLoop, until: number): string[] {
  const log: string[] = [];
  const ticker = interval(100, { loop });
  createTask(function* (): Coroutine<void> {
    try {
      for (;;) {
        const { time, missed } = yield* ticker.tick();
        log.push(`${time}/${missed}@${loop.time()}`);
      }
    } catch (e) {
      if (!(e instanceof ClosedError)) throw e;
    }
  }, { loop });
  loop.advance(until);
  ticker.close();
  return log;
}

describe("BaseLoop's _at hook: anyloop's own one-argument timers, with no rest array and no checks", () => {
  it('arms an interval, a Timeout and a DigitalIn debounce and a DigitalOut pulse without the public callAt', () => {
    const loop = new CountingLoop();
    expect(ticks(loop, 350)).toEqual(['100/0@100', '200/0@200', '300/0@300']);
    const scoped = createTask(function* (): Coroutine<string> {
      try {
        yield* timeout(null, function* (t) {
          t.reschedule(loop.time() + 10);
          yield* sleep(100);
        }, { loop });
      } catch (e) {
        if (e instanceof TimeoutError) return `timed out at ${loop.time()}`;
        throw e;
      }
      return 'not timed out';
    }, { loop });
    loop.advance(200);
    expect(scoped.result()).toBe('timed out at 360');
    expect(loop.publicCalls).toBe(0);

    const board = new SimBoard();
    const io = digitalFor(board);
    const xs = new (class extends XsLoop {
      publicCalls = 0;
      override callAt<A extends unknown[]>(when: number, callback: (...args: A) => void, ...args: A): TimerHandle {
        this.publicCalls++;
        return super.callAt(when, callback, ...args);
      }
    })({ Timer: timerFor(board), Time: timeFor(board), trace: () => {} });
    xs.runForever();
    const button = new DigitalIn({ pin: 0, mode: io.InputPullUp, edge: 'falling', debounce: 20, io, loop: xs });
    const led = new DigitalOut({ pin: 2, io, loop: xs });
    const press = button.edge();
    board.at(100, () => board.drive(0, 0));
    board.at(101, () => board.drive(0, 1));
    board.at(102, () => board.drive(0, 0));
    board.advance(200);
    expect(press.result()).toEqual({ value: 0, time: 102 });
    const pulse = led.pulse(30);
    expect(led.value).toBe(1);
    board.advance(50);
    expect(pulse.done() && led.value).toBe(0);
    expect(xs.publicCalls).toBe(0);
  });

  it('keeps the public callAt order: equal deadlines run in scheduling order, whichever way they were armed', () => {
    const loop = new VirtualTimeLoop();
    const log: string[] = [];
    loop.callAt(10, () => log.push('public 1'));
    loop._at(10, (o: { name: string }) => log.push(o.name), { name: 'hook 1' });
    loop.callAt(10, () => log.push('public 2'));
    loop._at(5, (o: { name: string }) => log.push(o.name), { name: 'hook at 5' });
    const dropped = loop._at(10, (o: { name: string }) => log.push(o.name), { name: 'cancelled' });
    dropped.cancel();
    expect(loop._timers.size).toBe(4);
    loop.advance(20);
    expect(log).toEqual(['hook at 5', 'public 1', 'hook 1', 'public 2']);
  });

  it('close() cancels what the hook armed, and a closed loop refuses it', () => {
    const loop = new VirtualTimeLoop();
    const log: string[] = [];
    const h = loop._at(10, () => log.push('ran'), {});
    loop.close();
    expect(h.cancelled()).toBe(true);
    expect(() => loop._at(10, () => log.push('late'), {})).toThrow('closed');
    expect(log).toEqual([]);
  });

  it("still calls a subclass's _checkSchedule, which may refuse", () => {
    const loop = new RefusingLoop();
    loop.refuse = true;
    expect(() => loop._at(10, () => {}, {})).toThrow('refused');
  });

  it('a loop without the hook gets the same ticks through its public callAt', () => {
    const loop = new NoHookLoop();
    expect(ticks(loop, 350)).toEqual(['100/0@100', '200/0@200', '300/0@300']);
    // The fourth waits for 400 when the ticker closes.
    expect(loop.publicCalls).toBe(4);
  });
});
