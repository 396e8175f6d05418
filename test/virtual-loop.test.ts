import { describe, expect, it, vi } from 'vitest';
import { Future } from '../src/index.js';
import { VirtualTimeLoop } from '../src/testing.js';

describe('VirtualTimeLoop', () => {
  it('starts at time 0 and moves only when told', () => {
    const loop = new VirtualTimeLoop();
    expect(loop.time()).toBe(0);
    loop.runUntilIdle();
    expect(loop.time()).toBe(0);
    loop.advance(25);
    expect(loop.time()).toBe(25);
  });

  it('runs callbacks FIFO, and those scheduled during a turn in the next turn', () => {
    const loop = new VirtualTimeLoop();
    const log: string[] = [];
    loop.callSoon(() => { log.push('a'); loop.callSoon(() => log.push('c')); });
    loop.callSoon(() => log.push('b'));
    loop._runOnce();
    expect(log).toEqual(['a', 'b']);
    loop._runOnce();
    expect(log).toEqual(['a', 'b', 'c']);
  });

  it('passes arguments and never runs a cancelled handle', () => {
    const loop = new VirtualTimeLoop();
    const cb = vi.fn();
    const h = loop.callSoon(cb, 1, 'x');
    const dropped = loop.callSoon(cb, 2, 'y');
    dropped.cancel();
    expect(dropped.cancelled()).toBe(true);
    loop.runUntilIdle();
    expect(cb.mock.calls).toEqual([[1, 'x']]);
    expect(h.cancelled()).toBe(false);
  });

  it('advance() runs timers in deadline order, each at its own time, ties in scheduling order', () => {
    const loop = new VirtualTimeLoop();
    const log: string[] = [];
    loop.callLater(30, () => log.push(`c@${loop.time()}`));
    loop.callLater(10, () => log.push(`a@${loop.time()}`));
    loop.callAt(10, () => log.push(`b@${loop.time()}`));
    loop.callLater(31, () => log.push('late'));
    loop.advance(30);
    expect(log).toEqual(['a@10', 'b@10', 'c@30']);
    expect(loop.time()).toBe(30);
  });

  it('a timer scheduled by a timer callback within the window runs in the same advance', () => {
    const loop = new VirtualTimeLoop();
    const log: number[] = [];
    loop.callLater(5, () => loop.callLater(5, () => log.push(loop.time())));
    loop.advance(10);
    expect(log).toEqual([10]);
  });

  it('never runs a cancelled timer, and drops cancelled timers instead of piling them up', () => {
    const loop = new VirtualTimeLoop();
    const cb = vi.fn();
    const handles = Array.from({ length: 1000 }, (_, i) => loop.callLater(i + 1, cb));
    for (const h of handles) h.cancel();
    expect(loop._timers.size).toBe(0);
    loop.advance(2000);
    expect(cb).not.toHaveBeenCalled();
    expect(loop._timers.size).toBe(0);
  });

  it('when() gives the deadline', () => {
    const loop = new VirtualTimeLoop();
    loop.advance(7);
    expect(loop.callLater(3, () => {}).when()).toBe(10);
  });

  it('an exception in a callback goes to the handler and the loop goes on', () => {
    const loop = new VirtualTimeLoop();
    const seen: unknown[] = [];
    loop.setExceptionHandler((l, ctx) => { expect(l).toBe(loop); seen.push(ctx.exception); });
    const err = new Error('bad');
    const after = vi.fn();
    loop.callSoon(() => { throw err; });
    loop.callSoon(after);
    loop.runUntilIdle();
    expect(seen).toEqual([err]);
    expect(after).toHaveBeenCalled();
  });

  it('the default handler prints and never throws, even when a custom handler throws', () => {
    const loop = new VirtualTimeLoop();
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      loop.callSoon(() => { throw new Error('printed'); });
      loop.runUntilIdle();
      expect(spy.mock.calls[0]![0]).toMatch(/Exception in callback[\s\S]*printed/);
      loop.setExceptionHandler(() => { throw new Error('handler broke'); });
      expect(() => loop.callExceptionHandler({ message: 'x' })).not.toThrow();
      expect(spy.mock.calls[1]![0]).toMatch(/Unhandled error in exception handler[\s\S]*handler broke/);
      loop.setExceptionHandler(null);
      expect(loop.getExceptionHandler()).toBeNull();
    } finally {
      spy.mockRestore();
    }
  });

  it('runUntilComplete jumps to the next deadline when idle and returns the result', () => {
    const loop = new VirtualTimeLoop();
    const fut = new Future<string>({ loop });
    loop.callLater(500, () => fut.setResult('done'));
    expect(loop.runUntilComplete(fut)).toBe('done');
    expect(loop.time()).toBe(500);
  });

  it('runUntilComplete throws the future\'s exception', () => {
    const loop = new VirtualTimeLoop();
    const fut = new Future<string>({ loop });
    const err = new Error('failed');
    loop.callSoon(() => fut.setException(err));
    expect(() => loop.runUntilComplete(fut)).toThrow(err);
  });

  it('runUntilComplete says so when nothing can ever complete the future', () => {
    const loop = new VirtualTimeLoop();
    expect(() => loop.runUntilComplete(new Future({ loop }))).toThrow(/can never complete/);
    expect(() => loop.runUntilComplete('x' as never)).toThrow(TypeError);
  });

  it('runUntilIdle stops a loop that never goes idle with a clear error', () => {
    const loop = new VirtualTimeLoop();
    loop.maxTurns = 100;
    const spin = (): void => { loop.callSoon(spin); };
    spin();
    expect(() => loop.runUntilIdle()).toThrow(/did not go idle/);
  });

  it('validates its arguments', () => {
    const loop = new VirtualTimeLoop();
    expect(() => loop.callSoon('nope' as never)).toThrow(TypeError);
    expect(() => loop.callLater(Number.NaN, () => {})).toThrow(TypeError);
    expect(() => loop.callAt(Infinity, () => {})).toThrow(RangeError);
    expect(() => loop.callLater('1' as never, () => {})).toThrow(TypeError);
    expect(() => loop.advance(-1)).toThrow(RangeError);
    expect(() => loop.setExceptionHandler(3 as never)).toThrow(TypeError);
  });

  it('getDebug follows setDebug', () => {
    const loop = new VirtualTimeLoop();
    expect(loop.getDebug()).toBe(false);
    loop.setDebug(true);
    expect(loop.getDebug()).toBe(true);
  });

  it('keeps the timer heap O(log n): 100,000 timers scheduled out of order come out sorted', () => {
    const loop = new VirtualTimeLoop();
    const out: number[] = [];
    let x = 12345;
    for (let i = 0; i < 100_000; i++) {
      x = (x * 1103515245 + 12345) % 2147483648;
      const when = x % 100_000;
      loop.callAt(when, () => out.push(when));
    }
    loop.advance(100_000);
    expect(out.length).toBe(100_000);
    for (let i = 1; i < out.length; i++) if (out[i]! < out[i - 1]!) throw new Error(`out of order at ${i}`);
  });
});

describe('handle arguments (a single argument is kept without its array)', () => {
  it('passes exactly the arguments given, whatever they are, to callSoon and callLater callbacks', () => {
    const loop = new VirtualTimeLoop();
    const seen: unknown[][] = [];
    const record = (...args: unknown[]): void => { seen.push(args); };
    const list = [1, 2];
    loop.callSoon(record);
    loop.callSoon(record, 'x');
    loop.callSoon(record, list);
    loop.callSoon(record, undefined);
    loop.callSoon(record, null);
    loop.callSoon(record, [list]);
    loop.callLater(5, record, list);
    loop.callLater(5, record, 1, undefined);
    loop.advance(5);
    expect(seen).toEqual([[], ['x'], [list], [undefined], [null], [[list]], [list], [1, undefined]]);
    expect(seen[2]![0]).toBe(list);
    expect(seen[3]!.length).toBe(1);
  });

  it('a cancelled handle drops its single argument', () => {
    const loop = new VirtualTimeLoop();
    const h = loop.callLater(5, (_o: object) => {}, { big: true });
    h.cancel();
    expect(h._args).toBeUndefined();
  });
});
