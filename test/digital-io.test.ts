import { describe, expect, it } from 'vitest';
import { CancelledError, createTask, type ExceptionContext } from '../src/index.js';
import { ClosedError, DigitalIn, DigitalOut, XsLoop, type EdgeEvent } from '../src/xs.js';
import { SimBoard } from '../src/sim/board.js';
import { timerFor } from '../src/sim/timer.js';
import { timeFor } from '../src/sim/time.js';
import { digitalFor, type Digital } from '../src/sim/digital.js';
import { expectCancelledAtOnce, expectTypeErrorForNonSignals } from './support/signals.js';

/** A running XsLoop on a simulated board whose clock starts at 0. */
function setup() {
  const board = new SimBoard();
  const io = digitalFor(board);
  const errors: ExceptionContext[] = [];
  const loop = new XsLoop({ Timer: timerFor(board), Time: timeFor(board), trace: () => {} });
  loop.setExceptionHandler((_l, ctx) => errors.push(ctx));
  loop.runForever();
  return { board, io, loop, errors };
}

/**
 * The outside world presses a button to ground at `at` and releases it at
 * `at + hold`: each time the contact chatters once per ms for `bounce` ms
 * (an even number) before it settles.
 */
function bouncyPress(board: SimBoard, pin: number, at: number, bounce: number, hold: number): void {
  for (let k = 0; k < bounce; k++) board.at(at + k, () => board.drive(pin, k % 2 === 0 ? 0 : 1));
  board.at(at + bounce, () => board.drive(pin, 0));
  for (let k = 0; k < bounce; k++) board.at(at + hold + k, () => board.drive(pin, k % 2 === 0 ? 1 : 0));
  board.at(at + hold + bounce, () => board.drive(pin, 1));
}

describe('DigitalIn', () => {
  it('resolves edge() with the new level and the loop time', () => {
    const { board, io, loop } = setup();
    const button = new DigitalIn({ pin: 0, mode: io.InputPullUp, edge: 'both', io, loop });
    expect(button.value).toBe(1);
    const first = button.edge();
    board.at(120, () => board.drive(0, 0));
    board.at(180, () => board.drive(0, 1));
    board.advance(150);
    expect(first.result()).toEqual({ value: 0, time: 120 });
    board.advance(100);
    expect(button.edge().result()).toEqual({ value: 1, time: 180 });
  });

  it('turns a bouncing contact into exactly one edge per press and per release with debounce', () => {
    const { board, io, loop } = setup();
    const button = new DigitalIn({ pin: 0, mode: io.InputPullUp, edge: 'both', debounce: 20, io, loop });
    const edges: EdgeEvent[] = [];
    createTask(function* () {
      for (;;) edges.push(yield* button.edge());
    }, { loop });
    bouncyPress(board, 0, 100, 6, 200);
    board.advance(500);
    // The contact settles at 106 (press) and 306 (release).
    expect(edges).toEqual([{ value: 0, time: 106 }, { value: 1, time: 306 }]);
    expect(board.changes.filter((c) => c.pin === 0).length).toBeGreaterThan(10);
  });

  it('with debounce, reads a bouncing contact once it has held still, not on each of its changes', () => {
    const { board, io, loop } = setup();
    let reads = 0;
    // The Digital class with its reads counted: on a device each one is a host call.
    const counted = class extends io {
      override read() {
        reads++;
        return super.read();
      }
    };
    const button = new DigitalIn({ pin: 0, mode: io.InputPullUp, edge: 'both', debounce: 20, io: counted, loop });
    const atStart = reads;
    bouncyPress(board, 0, 100, 6, 200);
    board.advance(500);
    expect(button.value).toBe(1);
    // 7 changes per press and per release: one read each time the level settled.
    expect(reads - atStart).toBe(2);
  });

  it('holds a lone edge waiter as itself, with no list (XS slots); two waiters get the next edges in order', () => {
    const { board, io, loop } = setup();
    const button = new DigitalIn({ pin: 0, mode: io.InputPullUp, edge: 'falling', io, loop });
    const first = button.edge();
    expect(button._edgeWaiters).toBe(first);
    const second = button.edge();
    const list = button._edgeWaiters as unknown[];
    expect(list.length).toBe(2);
    expect(list[0]).toBe(first);
    expect(list[1]).toBe(second);
    for (const at of [10, 30]) {
      board.at(at, () => board.drive(0, 0));
      board.at(at + 10, () => board.drive(0, 1));
    }
    board.advance(50);
    expect([first.result().time, second.result().time]).toEqual([10, 30]);
  });

  it('reports only the chosen edges', () => {
    const { board, io, loop } = setup();
    const falling = new DigitalIn({ pin: 0, mode: io.InputPullUp, edge: 'falling', debounce: 10, io, loop });
    bouncyPress(board, 0, 100, 4, 100);
    bouncyPress(board, 0, 400, 4, 100);
    board.advance(700);
    expect(falling.buffered).toBe(2);
    expect([falling.edge().result(), falling.edge().result()]).toEqual([{ value: 0, time: 104 }, { value: 0, time: 404 }]);
    expect(falling.value).toBe(1);
  });

  it('reports a pulse shorter than the host\'s reaction as the two edges it was', () => {
    const { board, io, loop } = setup();
    const input = new DigitalIn({ pin: 4, mode: io.InputPullDown, edge: 'both', io, loop });
    board.at(50, () => {
      board.drive(4, 1);
      board.drive(4, 0);
    });
    board.advance(60);
    expect([input.edge().result(), input.edge().result()]).toEqual([{ value: 1, time: 50 }, { value: 0, time: 50 }]);
  });

  it('keeps a bounded buffer, dropping the oldest edges and counting them', () => {
    const { board, io, loop } = setup();
    const input = new DigitalIn({ pin: 4, mode: io.InputPullDown, edge: 'both', buffer: 2, io, loop });
    for (let t = 1; t <= 5; t++) board.at(t * 10, () => board.drive(4, t % 2 === 1 ? 1 : 0));
    board.advance(100);
    expect(input.buffered).toBe(2);
    expect(input.overflows).toBe(3);
    expect([input.edge().result(), input.edge().result()]).toEqual([{ value: 0, time: 40 }, { value: 1, time: 50 }]);
  });

  it('iterates edges with for await, and the iteration ends when the pin is closed', async () => {
    const { board, io, loop } = setup();
    const input = new DigitalIn({ pin: 4, mode: io.InputPullDown, edge: 'rising', io, loop });
    const seen: number[] = [];
    const consumer = (async () => {
      for await (const e of input) {
        seen.push(e.time);
        if (seen.length === 2) loop.callSoon(() => input.close());
      }
      return 'ended';
    })();
    for (const t of [10, 30, 50, 70]) board.at(t, () => board.drive(4, 1));
    for (const t of [20, 40, 60, 80]) board.at(t, () => board.drive(4, 0));
    await board.advanceAsync(100);
    expect(await consumer).toBe('ended');
    expect(seen).toEqual([10, 30]);
  });

  it('iterates edges from a generator coroutine', () => {
    const { board, io, loop } = setup();
    const input = new DigitalIn({ pin: 4, mode: io.InputPullDown, edge: 'both', io, loop });
    const task = createTask(function* () {
      const edges = input.edges();
      const got: string[] = [];
      for (;;) {
        const r = yield* edges.next();
        if (r.done) return got;
        got.push(`${r.value.value}@${r.value.time}`);
      }
    }, { loop });
    board.at(10, () => board.drive(4, 1));
    board.at(20, () => board.drive(4, 0));
    board.at(30, () => input.close());
    board.advance(40);
    expect(task.result()).toEqual(['1@10', '0@20']);
  });

  it('waits for a level: at once when the pin is there, else until an edge brings it', () => {
    const { board, io, loop } = setup();
    const button = new DigitalIn({ pin: 0, mode: io.InputPullUp, edge: 'rising', io, loop });
    expect(button.waitFor(1).result()).toEqual({ value: 1, time: 0 });
    const pressed = button.waitFor(0);
    board.at(75, () => board.drive(0, 0));
    board.advance(100);
    expect(pressed.result()).toEqual({ value: 0, time: 75 });
    expect(button.buffered).toBe(0);
    expect(() => button.waitFor(2 as never)).toThrow(RangeError);
  });

  it('an already-aborted signal cancels even an edge() with an edge buffered, which stays for the next edge()', () => {
    const { board, io, loop } = setup();
    const input = new DigitalIn({ pin: 4, mode: io.InputPullDown, edge: 'rising', io, loop });
    board.at(10, () => board.drive(4, 1));
    board.advance(20);
    expect(input.buffered).toBe(1);
    expectCancelledAtOnce(input.edge({ signal: AbortSignal.abort('skip') }), 'skip');
    expectTypeErrorForNonSignals((signal) => input.edge({ signal }));
    board.advance(1);
    expect(input.buffered).toBe(1);
    expect(input.edge().result()).toEqual({ value: 1, time: 10 });
    expect(input._edgeWaiters).toBe(null);
  });

  it('an already-aborted signal cancels even a waitFor(level) the pin is already at; a non-signal is a TypeError', () => {
    const { board, io, loop } = setup();
    const button = new DigitalIn({ pin: 0, mode: io.InputPullUp, edge: 'both', io, loop });
    expectCancelledAtOnce(button.waitFor(1, { signal: AbortSignal.abort(new Error('no')) }), 'no');
    expectTypeErrorForNonSignals((signal) => button.waitFor(1, { signal }));
    expect(() => button.waitFor(2 as never, { signal: AbortSignal.abort() })).toThrow(RangeError);
    board.advance(1);
    expect(button._levelWaiters ?? []).toEqual([]);
    expect(button.buffered).toBe(0);
  });

  it('passes an edge to the next waiter when the woken one is cancelled', () => {
    const { board, io, loop } = setup();
    const input = new DigitalIn({ pin: 4, mode: io.InputPullDown, edge: 'rising', io, loop });
    const a = input.edge(), b = input.edge();
    board.drive(4, 1);
    board.step();
    a.cancel();
    board.advance(5);
    expect(() => a.result()).toThrow(CancelledError);
    expect(b.result()).toEqual({ value: 1, time: 0 });
  });

  it('fails waiters with a ClosedError naming the pin on close, and releases the pin', () => {
    const { board, io, loop } = setup();
    const input = new DigitalIn({ pin: 4, mode: io.Input, edge: 'both', debounce: 5, io, loop });
    const edge = input.edge(), level = input.waitFor(1);
    input.close();
    input.close();
    board.advance(1);
    expect(() => edge.result()).toThrow(ClosedError);
    expect(() => level.result()).toThrow('DigitalIn on pin 4 was closed');
    expect(() => input.edge().result()).toThrow(ClosedError);
    expect(() => input.read()).toThrow(ClosedError);
    expect(input.closed).toBe(true);
    expect(() => new io({ pin: 4, mode: io.Input }).close()).not.toThrow();
    board.drive(4, 1);
    board.advance(10);
    expect(loop._timers.size).toBe(0);
  });

  it('reports a failure in its interrupt handling to the loop instead of letting it reach the host', () => {
    const { board, loop, errors } = setup();
    class Flaky {
      static Input = 0; static Output = 8; static Rising = 1; static Falling = 2;
      private _n = 0;
      private readonly _cb: () => void;
      readonly target: unknown;
      constructor(o: { onReadable: () => void; target: unknown }) { this._cb = o.onReadable; this.target = o.target; }
      read(): number { if (this._n++ > 0) throw new Error('bus error'); return 0; }
      write(): void {}
      close(): void {}
      fire(): void { this._cb.call(this); }
    }
    let port: Flaky | undefined;
    const Io = class extends Flaky {
      constructor(o: { onReadable: () => void; target: unknown }) { super(o); port = this; }
    };
    new DigitalIn({ pin: 4, edge: 'both', io: Io as never, loop });
    board.at(5, () => port!.fire());
    board.advance(10);
    expect(board.aborted).toBe(null);
    expect(errors.map((e) => (e.exception as Error).message)).toEqual(['bus error']);
  });

  it('validates its options', () => {
    const { io, loop } = setup();
    expect(() => new DigitalIn(undefined as never)).toThrow(TypeError);
    expect(() => new DigitalIn({ pin: 4, edge: 'up' as never, io, loop })).toThrow(TypeError);
    expect(() => new DigitalIn({ pin: 4, edge: 'both', debounce: -1, io, loop })).toThrow(RangeError);
    expect(() => new DigitalIn({ pin: 4, edge: 'both', buffer: 0, io, loop })).toThrow(RangeError);
    expect(() => new DigitalIn({ pin: 4, edge: 'both', io: {} as never, loop })).toThrow(/ECMA-419 Digital class/);
    const a = new DigitalIn({ pin: 4, edge: 'both', io, loop });
    expect(() => new DigitalIn({ pin: 4, edge: 'both', io, loop })).toThrow('in use');
    a.close();
  });
});

describe('DigitalOut', () => {
  it('writes, toggles and remembers its level; the board records each change with its time', () => {
    const { board, io, loop } = setup();
    const led = new DigitalOut({ pin: 2, io, loop });
    loop.callLater(10, () => led.write(1));
    loop.callLater(20, () => expect(led.toggle()).toBe(0));
    loop.callLater(30, () => led.toggle());
    board.advance(40);
    expect(led.value).toBe(1);
    expect(board.changes.map((c) => [c.t, c.level])).toEqual([[0, 0], [10, 1], [20, 0], [30, 1]]);
  });

  it('starts at the given level', () => {
    const { board, io, loop } = setup();
    new DigitalOut({ pin: 2, io, loop, value: 1 });
    expect(board.level(2)).toBe(1);
    expect(() => new DigitalOut({ pin: 5, io, loop, value: 3 as never })).toThrow(RangeError);
  });

  it('pulses: inverts for ms, restores, resolves at the end; a pulse during a pulse extends it', () => {
    const { board, io, loop } = setup();
    const led = new DigitalOut({ pin: 2, io, loop });
    let a: ReturnType<DigitalOut['pulse']> | undefined, b: typeof a;
    loop.callLater(100, () => { a = led.pulse(50); });
    loop.callLater(120, () => { b = led.pulse(50); });
    board.advance(169);
    expect(board.level(2)).toBe(1);
    expect(a!.done()).toBe(false);
    board.advance(1);
    expect(board.level(2)).toBe(0);
    board.advance(1);
    expect(a!.done() && b!.done()).toBe(true);
    expect(board.changes.map((c) => [c.t, c.level])).toEqual([[0, 0], [100, 1], [170, 0]]);
  });

  it('ends a pulse early on write', () => {
    const { board, io, loop } = setup();
    const led = new DigitalOut({ pin: 2, io, loop });
    const p = led.pulse(100);
    loop.callLater(30, () => led.write(0));
    board.advance(200);
    expect(p.done()).toBe(true);
    expect(board.changes.map((c) => [c.t, c.level])).toEqual([[0, 0], [0, 1], [30, 0]]);
    expect(loop._timers.size).toBe(0);
  });

  it('fails pulses with ClosedError on close and refuses writes afterwards', () => {
    const { board, io, loop } = setup();
    const led = new DigitalOut({ pin: 2, io, loop });
    const p = led.pulse(100);
    led.close();
    led.close();
    board.advance(200);
    expect(() => p.result()).toThrow(ClosedError);
    expect(() => led.write(1)).toThrow(ClosedError);
    expect(led.closed).toBe(true);
    expect(() => new io({ pin: 2, mode: io.Output }).close()).not.toThrow();
    expect(() => new DigitalOut({ pin: 2, io, loop }).pulse(-1)).toThrow(RangeError);
  });

  it('drives an open-drain output', () => {
    const { board, io, loop } = setup();
    const line = new DigitalOut({ pin: 21, io, loop, mode: (io as typeof Digital).OutputOpenDrain, value: 1 });
    expect(board.level(21)).toBe(1);
    line.write(0);
    expect(board.level(21)).toBe(0);
  });
});
