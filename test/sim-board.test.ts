import { describe, expect, it } from 'vitest';
import { SimAbort, SimBoard } from '../src/sim/board.js';
import { timerFor, type HostTimer } from '../src/sim/timer.js';
import { timeFor } from '../src/sim/time.js';
import { Digital, digitalFor } from '../src/sim/digital.js';
import { analogFor } from '../src/sim/analog.js';

function setup(options?: ConstructorParameters<typeof SimBoard>[0]) {
  const board = new SimBoard(options);
  return { board, Timer: timerFor(board), Time: timeFor(board), Digital: digitalFor(board) };
}

describe('SimBoard timer module', () => {
  it('fires an immediate timer on the next pass, then clears it', () => {
    const { board, Timer } = setup();
    const seen: HostTimer[] = [];
    const t = Timer.set((x) => seen.push(x));
    expect(board.timerCount).toBe(1);
    board.step();
    expect(seen).toEqual([t]);
    expect(board.timerCount).toBe(0);
    expect(() => Timer.schedule(t, 10)).toThrow(SyntaxError);
    expect(() => Timer.clear(t)).toThrow('C: xsGetHostData: invalid');
  });

  it('fires one-shots at their time, in creation order for equal times', () => {
    const { board, Timer } = setup();
    const log: string[] = [];
    Timer.set(() => log.push(`b@${board.now}`), 20);
    Timer.set(() => log.push(`a@${board.now}`), 10);
    Timer.set(() => log.push(`c@${board.now}`), 20);
    board.advance(100);
    expect(log).toEqual(['a@10', 'b@20', 'c@20']);
    expect(board.now).toBe(100);
  });

  it('repeats without drift and survives its callback', () => {
    const { board, Timer } = setup();
    const times: number[] = [];
    const t = Timer.repeat(() => times.push(board.now), 30);
    board.advance(100);
    expect(times).toEqual([30, 60, 90]);
    Timer.clear(t);
    board.advance(100);
    expect(times).toEqual([30, 60, 90]);
    expect(board.timerCount).toBe(0);
  });

  it('clears a timer rescheduled as a one-shot from its own callback, but keeps a repeating or unscheduled one', () => {
    const { board, Timer } = setup();
    const oneShot = Timer.repeat((t) => Timer.schedule(t, 50), 10);
    const repeating = Timer.repeat((t) => Timer.schedule(t, 50, 1000), 10);
    const parked = Timer.repeat((t) => Timer.schedule(t), 10);
    board.advance(10);
    expect(() => Timer.schedule(oneShot, 5)).toThrow(SyntaxError);
    expect(() => Timer.schedule(repeating, 5, 5)).not.toThrow();
    expect(() => Timer.schedule(parked, 5, 5)).not.toThrow();
    expect(board.timerCount).toBe(2);
  });

  it('makes a timer created during a pass wait for the next pass', () => {
    const { board, Timer } = setup();
    const log: string[] = [];
    Timer.set(() => {
      log.push('first');
      Timer.set(() => log.push('second'));
    });
    board.step();
    expect(log).toEqual(['first']);
    board.step();
    expect(log).toEqual(['first', 'second']);
  });

  it('unschedules with one argument and reschedules later', () => {
    const { board, Timer } = setup();
    const times: number[] = [];
    const t = Timer.repeat(() => times.push(board.now), 10);
    Timer.schedule(t);
    board.advance(100);
    expect(times).toEqual([]);
    Timer.schedule(t, 5, 20);
    board.advance(50);
    expect(times).toEqual([105, 125, 145]);
  });

  it('ignores non-objects in clear and rejects foreign objects in schedule', () => {
    const { Timer } = setup();
    expect(() => Timer.clear(undefined)).not.toThrow();
    expect(() => Timer.clear(null)).not.toThrow();
    expect(() => Timer.schedule({} as HostTimer, 1)).toThrow('no host object');
    expect(() => Timer.set(42 as never)).toThrow(TypeError);
  });

  it('treats a repeat of 0 ms as a one-shot', () => {
    const { board, Timer } = setup();
    let n = 0;
    const t = Timer.repeat(() => n++, 0);
    board.advance(10);
    expect(n).toBe(1);
    expect(() => Timer.clear(t)).toThrow(SyntaxError);
  });

  it('truncates arguments like xsmcToInteger', () => {
    const { board, Timer } = setup();
    const times: number[] = [];
    Timer.set(() => times.push(board.now), 10.9);
    Timer.set(() => times.push(board.now), Number.NaN);
    board.advance(20);
    expect(times).toEqual([0, 10]);
  });

  it('blocks in delay while interrupts still post messages', () => {
    const { board, Timer, Digital } = setup();
    const log: string[] = [];
    const input = new Digital({ pin: 4, mode: Digital.Input, edge: Digital.Rising, onReadable() { log.push(`readable@${board.now}`); } });
    board.at(5, () => board.drive(4, 1));
    Timer.set(() => {
      Timer.delay(20);
      log.push(`delayed until ${board.now}`);
    });
    board.advance(100);
    expect(log).toEqual(['delayed until 20', 'readable@20']);
    input.close();
  });

  it('reports how long until the next timer with the hour cap of the host', () => {
    const { board } = setup();
    board.step();
    expect(board.now).toBe(3_600_000);
  });
});

describe('SimBoard time module', () => {
  it('gives ticks as a signed 32-bit integer that wraps', () => {
    const { board, Time } = setup({ start: 2 ** 31 - 5 });
    expect(Time.ticks).toBe(2 ** 31 - 5);
    board.advance(10);
    expect(Time.ticks).toBe(-(2 ** 31) + 5);
    expect(board.now).toBe(2 ** 31 + 5);
    expect(Time.delta(100, 150)).toBe(50);
  });
});

describe('SimBoard run loop', () => {
  it('runs events of the outside world before timers due at the same time', () => {
    const { board, Timer, Digital } = setup();
    const log: string[] = [];
    new Digital({ pin: 5, mode: Digital.Input, edge: Digital.Rising, onReadable() { log.push('gpio'); } });
    Timer.set(() => log.push('timer'), 10);
    board.at(10, () => board.drive(5, 1));
    board.advance(10);
    expect(log).toEqual(['gpio', 'timer']);
  });

  it('aborts when an exception escapes a host callback, and stays aborted', () => {
    const { board, Timer } = setup();
    Timer.set(() => { throw new Error('boom'); });
    expect(() => board.advance(1)).toThrow(SimAbort);
    expect(board.aborted?.where).toBe('a timer callback');
    expect(() => board.advance(1)).toThrow(/boom/);
  });

  it('gives up with a clear error when the host never goes idle', () => {
    const { board, Timer } = setup({ maxPassesPerInstant: 50 });
    Timer.repeat((t) => Timer.schedule(t, 0, 1), 1);
    expect(() => board.advance(1)).toThrow(/never went idle/);
  });

  it('lets passes cost virtual time', () => {
    const { board, Timer } = setup({ passCost: 1 });
    let n = 0;
    Timer.repeat((t) => { n++; Timer.schedule(t, 0, 1); }, 0);
    board.advance(10);
    // One pass per millisecond, at 0, 1, ..., 10: runs include what is due at their end.
    expect(n).toBe(11);
  });

  it('runs promise jobs between passes in the async variant', async () => {
    const { board, Timer } = setup();
    const log: string[] = [];
    Timer.set(() => {
      log.push('timer');
      void Promise.resolve().then(() => log.push('job'));
    }, 5);
    Timer.set(() => log.push('second timer'), 6);
    await board.advanceAsync(10);
    expect(log).toEqual(['timer', 'job', 'second timer']);
  });

  it('calls the current board through the default exports', async () => {
    const board = new SimBoard().install();
    const { default: Timer } = await import('../src/sim/timer.js');
    const { default: Time } = await import('../src/sim/time.js');
    const { default: DefaultDigital } = await import('../src/sim/digital.js');
    let fired = -1;
    Timer.set(() => { fired = Time.ticks; }, 7);
    const led = new DefaultDigital({ pin: 2, mode: DefaultDigital.Output });
    led.write(1);
    board.advance(10);
    expect(fired).toBe(7);
    expect(board.level(2)).toBe(1);
    board.uninstall();
    expect(() => Timer.set(() => {})).toThrow(/no SimBoard is installed/);
  });
});

describe('SimBoard digital module', () => {
  it('validates options like the ESP32 driver', () => {
    const { Digital } = setup();
    expect(() => new Digital({ pin: undefined as never, mode: Digital.Input })).toThrow('invalid');
    expect(() => new Digital({ pin: 20, mode: Digital.Input })).toThrow(RangeError);
    expect(() => new Digital({ pin: 4, mode: 5 })).toThrow('invalid mode');
    expect(() => new Digital({ pin: 4, mode: Digital.Output, edge: Digital.Rising, onReadable() {} })).toThrow('invalid mode');
    expect(() => new Digital({ pin: 4, mode: Digital.Input, onReadable() {} })).toThrow('invalid edges');
    expect(() => new Digital({ pin: 35, mode: Digital.Output })).toThrow('invalid mode');
    const a = new Digital({ pin: 4, mode: Digital.Input });
    expect(() => new Digital({ pin: 4, mode: Digital.Input })).toThrow('in use');
    a.close();
    expect(() => new Digital({ pin: 4, mode: Digital.Input }).close()).not.toThrow();
  });

  it('records output levels with their times, starting low', () => {
    const { board, Digital, Timer } = setup();
    const led = new Digital({ pin: 2, mode: Digital.Output });
    Timer.set(() => led.write(1), 10);
    Timer.set(() => led.write(true), 15);
    Timer.set(() => led.write(0), 20);
    board.advance(30);
    expect(board.changes).toEqual([
      { t: 0, pin: 2, level: 0, by: 'app' },
      { t: 10, pin: 2, level: 1, by: 'app' },
      { t: 20, pin: 2, level: 0, by: 'app' },
    ]);
    expect(() => led.read()).toThrow('unimplemented');
    expect(() => board.drive(2, 1)).toThrow(/output of the app/);
  });

  it('reads inputs with their pull resistor until the outside world drives them', () => {
    const { board, Digital } = setup();
    const up = new Digital({ pin: 0, mode: Digital.InputPullUp });
    const down = new Digital({ pin: 4, mode: Digital.InputPullDown });
    expect([up.read(), down.read()]).toEqual([1, 0]);
    board.drive(0, 0);
    expect(up.read()).toBe(0);
    board.release(0);
    expect(up.read()).toBe(1);
    expect(() => up.write(1)).toThrow('unimplemented');
  });

  it('coalesces edges into one onReadable with this = the instance and the pin mask, no count', () => {
    const { board, Digital } = setup();
    const calls: { self: unknown; mask: number; level: number; t: number }[] = [];
    const button = new Digital({
      pin: 0, mode: Digital.InputPullUp, edge: Digital.Rising | Digital.Falling,
      onReadable(this: Digital, mask: number) { calls.push({ self: this, mask, level: this.read(), t: board.now }); },
    });
    board.drive(0, 0);
    board.drive(0, 1);
    board.drive(0, 0);
    expect(board.pendingMessages).toBe(1);
    board.advance(1);
    expect(calls).toEqual([{ self: button, mask: 1, level: 0, t: 0 }]);
  });

  it('only interrupts on the selected edges', () => {
    const { board, Digital } = setup();
    let n = 0;
    new Digital({ pin: 33, mode: Digital.InputPullUp, edge: Digital.Falling, onReadable() { n++; } });
    board.at(1, () => board.drive(33, 0));
    board.at(2, () => board.drive(33, 1));
    board.at(3, () => board.drive(33, 0));
    board.advance(5);
    expect(n).toBe(2);
  });

  it('drops a pending notification on close, and refuses use after close', () => {
    const { board, Digital } = setup();
    let n = 0;
    const d = new Digital({ pin: 4, mode: Digital.Input, edge: Digital.Rising, onReadable() { n++; } });
    board.drive(4, 1);
    d.close();
    d.close();
    board.advance(1);
    expect(n).toBe(0);
    expect(() => d.read()).toThrow(SyntaxError);
  });

  it('loses notifications to a full queue, as the device does', () => {
    const { board, Digital } = setup({ queueLength: 1 });
    let a = 0, b = 0;
    new Digital({ pin: 4, mode: Digital.Input, edge: Digital.Rising, onReadable() { a++; } });
    new Digital({ pin: 5, mode: Digital.Input, edge: Digital.Rising, onReadable() { b++; } });
    board.drive(4, 1);
    board.drive(5, 1);
    board.advance(1);
    expect([a, b, board.droppedMessages]).toEqual([1, 0, 1]);
    board.drive(5, 0);
    board.drive(5, 1);
    board.advance(1);
    expect(b).toBe(0);
  });

  it('is an ECMA-419 class with the mode and edge constants', () => {
    expect([Digital.Input, Digital.InputPullUp, Digital.InputPullDown, Digital.InputPullUpDown]).toEqual([0, 1, 2, 3]);
    expect([Digital.Output, Digital.OutputOpenDrain, Digital.Rising, Digital.Falling]).toEqual([8, 9, 1, 2]);
    const { Digital: D } = setup();
    const target = {};
    const d = new D({ pin: 4, mode: D.Input, target });
    expect(d.target).toBe(target);
    expect(d.format).toBe('number');
  });
});

describe('SimBoard analog module', () => {
  it('reads ADC1 pins at 10 bits and refuses other pins', () => {
    const board = new SimBoard();
    const Analog = analogFor(board);
    expect(() => new Analog({ pin: 4 })).toThrow('not analog pin');
    const a = new Analog({ pin: 34 });
    expect(() => new Analog({ pin: 34 })).toThrow('in use');
    expect(a.resolution).toBe(10);
    board.setAnalog(34, 512);
    expect(a.read()).toBe(512);
    board.setAnalog(34, 5000);
    expect(a.read()).toBe(1023);
    expect(board.analogChanges.map((c) => c.value)).toEqual([512, 5000]);
    a.close();
    expect(() => a.read()).toThrow('closed');
    expect(board.changes).toEqual([]);
  });
});
