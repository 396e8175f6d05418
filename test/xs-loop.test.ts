import { describe, expect, it } from 'vitest';
import { createTask, sleep, type ExceptionContext, type Handle } from '../src/index.js';
import { DigitalIn, InterruptFlag, XsLoop, type XsLoopOptions } from '../src/xs.js';
import { SimBoard, type SimBoardOptions } from '../src/sim/board.js';
import { timerFor, type TimerModule } from '../src/sim/timer.js';
import { timeFor } from '../src/sim/time.js';
import { digitalFor } from '../src/sim/digital.js';
import { loopState } from '../src/contract/default-loop.js';

/** A board, an XsLoop on it, and counters of what the loop asks of the host. */
function setup(options: Partial<XsLoopOptions> = {}, boardOptions?: SimBoardOptions) {
  const board = new SimBoard(boardOptions);
  const Timer = timerFor(board);
  const calls = { set: 0, schedule: 0, clear: 0, ticks: 0 };
  const CountingTimer: TimerModule = {
    set: (...a: Parameters<TimerModule['set']>) => { calls.set++; return Timer.set(...a); },
    repeat: (...a: Parameters<TimerModule['repeat']>) => Timer.repeat(...a),
    schedule: (...a: Parameters<TimerModule['schedule']>) => { calls.schedule++; Timer.schedule(...a); },
    clear: (t) => { calls.clear++; Timer.clear(t); },
    delay: (ms) => Timer.delay(ms),
  };
  const time = timeFor(board);
  const Time = { get ticks() { calls.ticks++; return time.ticks; } };
  const printed: string[] = [];
  const loop = new XsLoop({ Timer: CountingTimer, Time, trace: (s) => printed.push(s), ...options });
  return { board, loop, calls, printed, Digital: digitalFor(board) };
}

describe('XsLoop', () => {
  it('runs nothing until runForever, then runs callbacks FIFO with their arguments', () => {
    const { board, loop } = setup();
    const log: string[] = [];
    loop.callSoon((a: string, b: number) => log.push(`${a}${b}`), 'x', 1);
    loop.callSoon(() => log.push('y'));
    board.advance(10);
    expect(log).toEqual([]);
    loop.runForever();
    expect(loop.isRunning()).toBe(true);
    board.advance(0);
    expect(log).toEqual(['x1', 'y']);
  });

  it('runs callbacks scheduled during a turn in a later turn of the same firing, with no host call in between', () => {
    const { board, loop, calls } = setup();
    const log: string[] = [];
    loop.runForever();
    loop.callSoon(() => {
      log.push(`a${loop.turns}`);
      loop.callSoon(() => log.push(`c${loop.turns}`));
    });
    loop.callSoon(() => log.push(`b${loop.turns}`));
    const schedules = calls.schedule, passes = board.turns;
    board.step();
    expect(log).toEqual(['a1', 'b1', 'c2']);
    // `turns` counts turns, not firings: two turns, one pass of the host, and one re-arming (to the clock guard) after both.
    expect(loop.turns).toBe(2);
    expect(board.turns - passes).toBe(1);
    expect(calls.schedule - schedules).toBe(1);
  });

  it('gives the host a pass between turns with maxTurnsPerFiring: 1', () => {
    const { board, loop } = setup({ maxTurnsPerFiring: 1 });
    const log: string[] = [];
    loop.runForever();
    loop.callSoon(() => {
      log.push('a');
      loop.callSoon(() => log.push('c'));
    });
    loop.callSoon(() => log.push('b'));
    board.step();
    expect(log).toEqual(['a', 'b']);
    board.step();
    expect(log).toEqual(['a', 'b', 'c']);
    expect(loop.turns).toBe(2);
  });

  it('runs at most maxTurnsPerFiring turns per firing, then lets the host deliver GPIO before the next firing', () => {
    const { board, loop, Digital } = setup({ maxTurnsPerFiring: 3 });
    const log: string[] = [];
    new Digital({ pin: 4, mode: Digital.Input, edge: Digital.Rising, onReadable() { log.push(`gpio after ${loop.turns}`); } });
    loop.runForever();
    // A ready-queue ping-pong that would never end by itself.
    let left = 10;
    const ping = (): void => {
      if (left-- > 0) loop.callSoon(ping);
      if (loop.turns === 2) board.drive(4, 1);
    };
    loop.callSoon(ping);
    board.step();
    expect(loop.turns).toBe(3);
    board.step();
    expect(log).toEqual(['gpio after 3']);
    expect(loop.turns).toBe(6);
    board.advance(0);
    expect(loop.turns).toBe(11);
  });

  it('moves a timer that comes due between the turns of a firing into the next turn, after the callbacks already ready', () => {
    const { board, loop } = setup();
    const log: string[] = [];
    loop.runForever();
    loop.callSoon(() => {
      log.push(`a${loop.turns}`);
      loop.callLater(0, () => log.push(`timer${loop.turns}`));
      loop.callSoon(() => {
        log.push(`b${loop.turns}`);
        loop.callSoon(() => log.push(`c${loop.turns}`));
      });
    });
    board.step();
    // asyncio's order: due timers join the ready queue behind what is already there.
    expect(log).toEqual(['a1', 'b2', 'timer2', 'c3']);
  });

  it('runs a timer that comes due on the host clock while a ready-queue ping-pong goes on, within the same firing', () => {
    const board = new SimBoard();
    // A clock that moves 1 ms at each read, as a device's does while JavaScript runs.
    let ms = 0;
    const loop = new XsLoop({ Timer: timerFor(board), Time: { get ticks() { return ms++; } } });
    const log: string[] = [];
    loop.runForever();
    loop.callLater(3, () => log.push(`timer in turn ${loop.turns}`));
    let left = 20;
    const ping = (): void => {
      log.push(`ping ${loop.turns}`);
      if (--left > 0) loop.callSoon(ping);
    };
    loop.callSoon(ping);
    const passes = board.turns;
    board.step();
    expect(board.turns - passes).toBe(1);
    expect(loop.turns).toBe(8);
    // Due at 5 ms: the second turn's read of the clock (4 reads before it: construction, runForever, callLater and its arming).
    expect(log.slice(0, 4)).toEqual(['ping 1', 'ping 2', 'timer in turn 2', 'ping 3']);
  });

  it('sets the running turn for each turn of a firing and clears it between turns and after the firing', () => {
    const { board, loop } = setup();
    const seen: string[] = [];
    const turn = (): string => (loopState.turn === loop ? 'loop' : String(loopState.turn));
    loop.runForever();
    loop.callSoon(() => {
      seen.push(`turn 1: ${turn()}`);
      loop._atTurnEnd(() => seen.push(`end of turn 1: ${turn()}`), null);
      loop.callSoon(() => seen.push(`turn 2: ${turn()}`));
    });
    board.step();
    expect(seen).toEqual(['turn 1: loop', 'end of turn 1: null', 'turn 2: loop']);
    expect(loopState.turn).toBe(null);
  });

  it('goes on with the next turn of the firing after an exception in a callback, and re-arms the host timer after it', () => {
    const { board, loop, printed } = setup();
    const log: string[] = [];
    loop.runForever();
    loop.callSoon(() => {
      loop.callSoon(() => log.push(`next turn ${loop.turns}`));
      throw new Error('bad callback');
    });
    loop.callLater(50, () => log.push(`timer at ${board.now}`));
    board.step();
    expect(log).toEqual(['next turn 2']);
    expect(printed.length).toBe(1);
    board.advance(100);
    expect(log).toEqual(['next turn 2', 'timer at 50']);
    expect(board.aborted).toBe(null);
  });

  it('ends the firing when a callback stops and closes the loop: nothing more runs, the host timer is let go', () => {
    const { board, loop } = setup();
    const log: string[] = [];
    loop.runForever();
    loop.callSoon(() => {
      loop.callSoon(() => log.push('next turn'));
      loop.stop();
      loop.close();
    });
    const queued = loop.callSoon(() => log.push('same turn'));
    board.advance(10);
    expect(log).toEqual([]);
    expect(queued.cancelled()).toBe(true);
    expect(loop.turns).toBe(1);
    expect(board.timerCount).toBe(0);
    expect(board.aborted).toBe(null);
  });

  it('fires timers in deadline order, equal deadlines in scheduling order, at their loop time', () => {
    const { board, loop } = setup();
    const log: string[] = [];
    loop.runForever();
    const t0 = loop.time();
    loop.callLater(30, () => log.push(`c@${loop.time() - t0}`));
    loop.callLater(10, () => log.push(`a@${loop.time() - t0}`));
    loop.callAt(t0 + 30, () => log.push(`d@${loop.time() - t0}`));
    loop.callLater(20, () => log.push(`b@${loop.time() - t0}`));
    const cancelled = loop.callLater(15, () => log.push('never'));
    cancelled.cancel();
    board.advance(100);
    expect(log).toEqual(['a@10', 'b@20', 'c@30', 'd@30']);
  });

  it('keeps ONE host timer for its whole life, whatever it schedules', () => {
    const { board, loop, calls } = setup();
    loop.runForever();
    expect(board.timerCount).toBe(1);
    let finished = 0;
    for (let i = 0; i < 50; i++) {
      createTask(function* () {
        for (let k = 0; k < 5; k++) yield* sleep(1 + ((i * 7 + k) % 13));
        finished++;
      }, { loop });
      loop.callSoon(() => {});
      loop.callLater(i, () => {});
    }
    let max = 0;
    for (let t = 0; t < 200; t++) {
      board.advance(1);
      max = Math.max(max, board.timerCount);
    }
    expect(finished).toBe(50);
    expect(max).toBe(1);
    expect(board.timersCreated).toBe(1);
    expect(calls.set).toBe(1);
    expect(calls.clear).toBe(0);
  });

  it('re-arms the host timer to 0 ms only while callbacks are ready, and to the deadline otherwise', () => {
    const { board, loop } = setup();
    loop.runForever();
    let fired = -1;
    loop.callLater(250, () => { fired = board.now; });
    const passes = board.turns;
    board.advance(1000);
    expect(fired).toBe(250);
    // One turn, for the timer; no wake-up in between.
    expect(loop.turns).toBe(1);
    expect(board.turns - passes).toBeLessThan(5);
  });

  it('reads the host\'s tick counter once per turn while timers wait, and once more to arm for the next deadline', () => {
    const { board, loop, calls } = setup({ maxTurnsPerFiring: 4 });
    loop.runForever();
    loop.callLater(1000, () => {});
    let left = 10;
    const again = (): void => {
      if (--left > 0) loop.callSoon(again);
    };
    loop.callSoon(again);
    const ticks = calls.ticks;
    board.advance(0);
    // Three firings (4 + 4 + 2 turns): one read per turn (which timers are
    // due), none to arm at 0 ms, one when nothing is ready (how long the host may sleep).
    expect(loop.turns).toBe(10);
    expect(calls.ticks - ticks).toBe(10 + 1);
  });

  it('re-arms the host timer once after a turn, however many timers its callbacks set, earliest last', () => {
    const { board, loop, calls } = setup();
    loop.runForever();
    const fired: number[] = [];
    loop.callSoon(() => {
      for (let ms = 100; ms > 0; ms -= 10) loop.callLater(ms, () => fired.push(board.now));
    });
    const schedules = calls.schedule;
    board.step();
    expect(loop.turns).toBe(1);
    expect(calls.schedule - schedules).toBe(1);
    board.advance(100);
    expect(fired).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
  });

  it('bounds the callbacks of one turn and the turns of one firing, and lets the host deliver GPIO messages between firings', () => {
    const { board, loop, Digital } = setup({ maxCallbacksPerTurn: 10, maxTurnsPerFiring: 2 });
    const log: string[] = [];
    new Digital({ pin: 4, mode: Digital.Input, edge: Digital.Rising, onReadable() { log.push('gpio'); } });
    loop.runForever();
    for (let i = 0; i < 45; i++) loop.callSoon(() => log.push(`cb${i}`));
    board.step();
    expect(log.length).toBe(20);
    expect(loop.turns).toBe(2);
    board.drive(4, 1);
    board.step();
    // The host fires its timer (two turns of 10), then delivers the GPIO message, before the last turn.
    expect(log.slice(20)).toEqual([...Array.from({ length: 20 }, (_, i) => `cb${i + 20}`), 'gpio']);
    board.step();
    expect(log.length).toBe(46);
    expect(loop.turns).toBe(5);
  });

  it('does not let a task looping on sleep(0) starve an interrupt', () => {
    const { board, loop, Digital } = setup();
    const flag = new InterruptFlag({ loop });
    const button = new Digital({ pin: 0, mode: Digital.InputPullUp, edge: Digital.Falling, onReadable() { flag.set(); } });
    let spins = 0, spinsAtPress = -1, spinsAtWake = -1;
    loop.runForever();
    createTask(function* () {
      for (;;) {
        spins++;
        if (spins === 100) {
          spinsAtPress = spins;
          board.drive(0, 0);
        }
        yield* sleep(0, undefined, { loop });
      }
    }, { loop });
    createTask(function* () {
      yield* flag.wait();
      spinsAtWake = spins;
    }, { loop });
    for (let i = 0; i < 300 && spinsAtWake < 0; i++) board.step();
    expect(spinsAtPress).toBe(100);
    // Within the firing's bound of 8 turns, then a turn for the flag's waiter.
    expect(spinsAtWake - spinsAtPress).toBeLessThanOrEqual(8 + 1);
    expect(button.read()).toBe(0);
  });

  it('delivers a DigitalIn edge to its waiter within maxTurnsPerFiring turns of a task looping on sleep(0)', () => {
    const { board, loop, Digital } = setup({ maxTurnsPerFiring: 4 });
    const button = new DigitalIn({ pin: 0, mode: Digital.InputPullUp, edge: 'falling', io: Digital, loop });
    let spins = 0, spinsAtPress = -1, spinsAtWake = -1;
    loop.runForever();
    createTask(function* () {
      for (;;) {
        spins++;
        if (spins === 10) {
          spinsAtPress = spins;
          board.drive(0, 0);
        }
        yield* sleep(0, undefined, { loop });
      }
    }, { loop });
    createTask(function* () {
      yield* button.edge();
      spinsAtWake = spins;
    }, { loop });
    for (let i = 0; i < 50 && spinsAtWake < 0; i++) board.step();
    // The rest of the firing (at most 4 turns), the host's pass (onReadable), then a turn for the edge's waiter.
    expect(spinsAtWake - spinsAtPress).toBeGreaterThan(0);
    expect(spinsAtWake - spinsAtPress).toBeLessThanOrEqual(4 + 1);
  });

  it('sends an exception in a callback to the handler and goes on; nothing reaches the host', () => {
    const { board, loop, printed } = setup();
    const log: string[] = [];
    loop.runForever();
    loop.callSoon(() => { throw new Error('bad callback'); });
    loop.callSoon(() => log.push('after'));
    loop.callLater(5, () => { throw new TypeError('bad timer'); });
    loop.callLater(6, () => log.push('timer after'));
    board.advance(10);
    expect(log).toEqual(['after', 'timer after']);
    expect(board.aborted).toBe(null);
    expect(printed.length).toBe(2);
    expect(printed[0]).toMatch(/^anyloop: Exception in callback\nError: bad callback/);
    expect(printed[0]!.endsWith('\n')).toBe(true);
    expect(printed[1]).toMatch(/TypeError: bad timer/);
  });

  it('calls a custom exception handler with the loop and the context, and survives one that throws', () => {
    const { board, loop, printed } = setup();
    const seen: ExceptionContext[] = [];
    loop.setExceptionHandler((l, ctx) => {
      expect(l).toBe(loop);
      seen.push(ctx);
      throw new Error('handler broke');
    });
    loop.runForever();
    let h: Handle | undefined;
    h = loop.callSoon(() => { throw new RangeError('x'); });
    board.advance(1);
    expect(seen.map((c) => [c.message, (c.exception as Error).name, c.handle === h])).toEqual([['Exception in callback', 'RangeError', true]]);
    expect(printed[0]).toMatch(/Unhandled error in exception handler/);
    expect(board.aborted).toBe(null);
  });

  it('prints through the global trace when given no trace function', () => {
    const board = new SimBoard();
    const lines: string[] = [];
    const g = globalThis as { trace?: (s: string) => void };
    g.trace = (s) => lines.push(s);
    try {
      const loop = new XsLoop({ Timer: timerFor(board), Time: timeFor(board) });
      loop.callExceptionHandler({ message: 'hello', exception: new Error('e') });
      expect(lines.length).toBe(1);
      expect(lines[0]).toMatch(/^anyloop: hello\nError: e/);
    } finally {
      delete g.trace;
    }
  });

  it('schedules and cancels 100,000 timers without growth and with one host timer', () => {
    const { board, loop } = setup();
    loop.runForever();
    // An earlier live timer keeps the cancelled ones off the top of the heap:
    // they must leave it as they are cancelled.
    let sentinel = 0;
    loop.callLater(500, () => sentinel++);
    let maxHeap = 0;
    for (let i = 0; i < 100_000; i++) {
      const h = loop.callLater(1000 + (i % 500), () => {});
      h.cancel();
      maxHeap = Math.max(maxHeap, loop._timers.size);
    }
    maxHeap = Math.max(maxHeap, loop._timers.size);
    expect(maxHeap).toBe(1);
    expect(loop._timers.size).toBe(1);
    board.advance(2000);
    expect(sentinel).toBe(1);
    expect(loop._timers.size).toBe(0);
    expect(board.timerCount).toBe(1);
  });

  it('does nothing while idle: no turn, no host call, no reading of the clock', () => {
    const { board, loop, calls } = setup();
    loop.runForever();
    loop.callLater(10, () => {});
    board.advance(20);
    const before = { ...calls }, turns = loop.turns;
    board.advance(7 * 24 * 3_600_000);
    expect(calls).toEqual(before);
    expect(loop.turns).toBe(turns);
  });

  it('keeps time monotonic across the wrap of Time.ticks', () => {
    const { board, loop } = setup({}, { start: 2 ** 31 - 100 });
    loop.runForever();
    const t0 = loop.time();
    const seen: number[] = [];
    loop.callLater(150, () => seen.push(loop.time() - t0));
    loop.callLater(300, () => seen.push(loop.time() - t0));
    board.advance(400);
    expect(seen).toEqual([150, 300]);
    expect(loop.time() - t0).toBe(400);
  });

  it('wakes itself often enough to see every wrap of the tick counter while idle', () => {
    const { board, loop } = setup();
    loop.runForever();
    const t0 = loop.time();
    const days = 60;
    board.advance(days * 24 * 3_600_000);
    expect(loop.time() - t0).toBe(days * 24 * 3_600_000);
    // Each wake-up is an empty turn, and counts as one: every 2^30 ms.
    expect(loop.turns).toBe(Math.floor(days * 24 * 3_600_000 / 2 ** 30));
  });

  it('stops after the current turn, keeps what is pending, and resumes', () => {
    const { board, loop } = setup();
    const log: string[] = [];
    loop.runForever();
    loop.callSoon(() => { log.push('a'); loop.stop(); });
    loop.callSoon(() => log.push('b'));
    loop.callSoon(() => loop.callSoon(() => log.push('c')));
    board.advance(10);
    expect(log).toEqual(['a', 'b']);
    expect(loop.isRunning()).toBe(false);
    loop.runForever();
    board.advance(10);
    expect(log).toEqual(['a', 'b', 'c']);
  });

  it('refuses to run twice, to close while running, and to schedule once closed', () => {
    const { board, loop } = setup();
    loop.runForever();
    expect(() => loop.runForever()).toThrow(/already running/);
    expect(() => loop.close()).toThrow(/call stop\(\) first/);
    const late = loop.callLater(5, () => { throw new Error('must not run'); });
    loop.stop();
    loop.close();
    loop.close();
    expect(late.cancelled()).toBe(true);
    expect(board.timerCount).toBe(0);
    expect(() => loop.callSoon(() => {})).toThrow(/closed/);
    expect(() => loop.runForever()).toThrow(/closed/);
  });

  it('takes a new host timer when its own was cleared behind its back', () => {
    const { board, loop } = setup();
    loop.runForever();
    const Timer = timerFor(board);
    Timer.clear((loop as unknown as { _host: never })._host);
    expect(board.timerCount).toBe(0);
    let ran = false;
    loop.callLater(5, () => { ran = true; });
    board.advance(10);
    expect(ran).toBe(true);
    expect(board.timerCount).toBe(1);
  });

  it('takes a new host timer when its own was cleared during a firing, armed for the next deadline', () => {
    const { board, loop, calls, printed } = setup();
    loop.runForever();
    const Timer = timerFor(board);
    const fired: number[] = [];
    loop.callSoon(() => {
      Timer.clear((loop as unknown as { _host: never })._host);
      loop.callLater(7, () => fired.push(board.now));
    });
    board.advance(0);
    // The firing's re-arming failed on the cleared timer and took a new one, with no report.
    expect(calls.set).toBe(2);
    expect(board.timerCount).toBe(1);
    expect(printed).toEqual([]);
    board.advance(20);
    expect(fired).toEqual([7]);
  });

  it('reports, never throws, when the host refuses a new host timer after its own was cleared', () => {
    const board = new SimBoard();
    const Timer = timerFor(board), Time = timeFor(board);
    let refuse = false;
    const Refusing = {
      set: (...a: Parameters<TimerModule['set']>) => { if (refuse) throw new Error('no timer left'); return Timer.set(...a); },
      schedule: (...a: Parameters<TimerModule['schedule']>) => Timer.schedule(...a),
      clear: (t: never) => Timer.clear(t),
    };
    const contexts: ExceptionContext[] = [];
    const loop = new XsLoop({ Timer: Refusing, Time });
    loop.setExceptionHandler((_l, context) => contexts.push(context));
    loop.runForever();
    Timer.clear((loop as unknown as { _host: never })._host);
    refuse = true;
    expect(() => loop.callLater(5, () => {})).not.toThrow();
    expect(contexts.map((c) => [c.message, (c.exception as Error).message])).toEqual([['Exception taking a new XsLoop host timer', 'no timer left']]);
  });

  it('reads the host\'s tick counter once when constructed', () => {
    let reads = 0;
    const board = new SimBoard();
    const time = timeFor(board);
    new XsLoop({ Timer: timerFor(board), Time: { get ticks() { reads++; return time.ticks; } } });
    expect(reads).toBe(1);
  });

  it('gives every loop\'s host timer the same callback, which runs the turns of the loop whose timer fired', () => {
    const board = new SimBoard();
    const Timer = timerFor(board), Time = timeFor(board);
    const callbacks: unknown[] = [];
    const Recording: TimerModule = {
      set: (...a: Parameters<TimerModule['set']>) => { callbacks.push(a[0]); return Timer.set(...a); },
      repeat: (...a: Parameters<TimerModule['repeat']>) => Timer.repeat(...a),
      schedule: (...a: Parameters<TimerModule['schedule']>) => Timer.schedule(...a),
      clear: (t) => Timer.clear(t),
      delay: (ms) => Timer.delay(ms),
    };
    const a = new XsLoop({ Timer: Recording, Time }), b = new XsLoop({ Timer: Recording, Time });
    expect(callbacks.length).toBe(2);
    expect(callbacks[0]).toBe(callbacks[1]);
    const log: string[] = [];
    a.runForever();
    b.runForever();
    a.callLater(5, () => log.push(`a at ${board.now}`));
    b.callLater(3, () => log.push(`b at ${board.now}`));
    b.callSoon(() => log.push(`b soon at ${board.now}`));
    board.advance(10);
    expect(log).toEqual(['b soon at 0', 'b at 3', 'a at 5']);
    expect([a.turns, b.turns]).toEqual([1, 2]);
  });

  it('refuses a Timer whose set() returns no timer object (the loop finds itself on it)', () => {
    const board = new SimBoard();
    const Timer = timerFor(board), Time = timeFor(board);
    const Numbered = { set: () => 7, schedule: (t: never) => Timer.schedule(t), clear: (t: never) => Timer.clear(t) };
    expect(() => new XsLoop({ Timer: Numbered as never, Time })).toThrow(/Timer.set must return the timer object/);
  });

  it('validates its options', () => {
    const board = new SimBoard();
    const Timer = timerFor(board), Time = timeFor(board);
    expect(() => new XsLoop(undefined as never)).toThrow(TypeError);
    expect(() => new XsLoop({ Timer: {} as never, Time })).toThrow(/Timer must be/);
    expect(() => new XsLoop({ Timer, Time: {} as never })).toThrow(/Time must be/);
    expect(() => new XsLoop({ Timer, Time, maxCallbacksPerTurn: 0 })).toThrow(RangeError);
    expect(() => new XsLoop({ Timer, Time, maxTurnsPerFiring: 0 })).toThrow(/maxTurnsPerFiring must be a positive integer/);
    expect(() => new XsLoop({ Timer, Time, maxTurnsPerFiring: 1.5 })).toThrow(RangeError);
    expect(() => new XsLoop({ Timer, Time, trace: 'x' as never })).toThrow(TypeError);
    expect(board.timerCount).toBe(0);
  });
});

describe('XsLoop._constants (what anyloop/xs hands its C firing)', () => {
  it('are the TypeScript\'s own: the key of the loop on its host timer, the clock guard, the defaults', () => {
    const board = new SimBoard();
    const Timer = timerFor(board), Time = timeFor(board);
    const sets: unknown[][] = [];
    let host: unknown;
    const Recording: TimerModule = {
      set: (...a: Parameters<TimerModule['set']>) => { sets.push(a); return host = Timer.set(...a); },
      repeat: (...a: Parameters<TimerModule['repeat']>) => Timer.repeat(...a),
      schedule: (...a: Parameters<TimerModule['schedule']>) => Timer.schedule(...a),
      clear: (t) => Timer.clear(t),
      delay: (ms) => Timer.delay(ms),
    };
    const c = XsLoop._constants;
    expect(Object.isFrozen(c)).toBe(true);
    const loop = new XsLoop({ Timer: Recording, Time });
    expect((host as Record<symbol, unknown>)[c.loop]).toBe(loop);
    // The host timer first fires at the clock guard and repeats with it.
    expect(sets).toEqual([[sets[0]![0], c.clockGuard, c.clockGuard]]);
    // By default a turn runs maxCallbacksPerTurn callbacks, a firing maxTurnsPerFiring turns.
    const turnOf: number[] = [];
    for (let i = 0; i < c.maxCallbacksPerTurn + 1; i++) loop.callSoon(() => turnOf.push(loop.turns));
    let chain = 0;
    const pong = (): void => { if (++chain < 100) loop.callSoon(pong); };
    loop.callSoon(pong);
    loop.runForever();
    board.step();
    expect(turnOf.filter((t) => t === 1).length).toBe(c.maxCallbacksPerTurn);
    expect(loop.turns).toBe(c.maxTurnsPerFiring);
  });
});
