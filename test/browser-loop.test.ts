import { describe, expect, it } from 'vitest';
import { BrowserLoop, type BrowserHost, type MessageChannelLike } from '../src/browser.js';
import { Queue, createTask, sleep } from '../src/index.js';
import { loopConformanceChecks } from '../src/testing.js';

describe('conformance: BrowserLoop on Node (MessageChannel, setTimeout)', () => {
  const checks = loopConformanceChecks({ makeLoop: () => new BrowserLoop(), dispose: (loop) => loop.close() });
  for (const check of checks) it(check.name, () => check.run());
});

/**
 * A host whose messages and timers the test delivers by hand, on a clock it
 * moves itself: what BrowserLoop asks of the host is counted, not timed.
 */
class ManualHost implements BrowserHost {
  clock = 0;
  messages = 0;
  timers = new Map<number, { callback: () => void; at: number }>();
  timersSet = 0;
  closedPorts = 0;
  private nextId = 1;
  private listener: (() => void) | null = null;
  readonly MessageChannel: new () => MessageChannelLike;

  constructor() {
    const host = this;
    this.MessageChannel = class {
      readonly port1 = {
        set onmessage(fn: ((event: unknown) => void) | null) { host.listener = fn === null ? null : () => fn(undefined); },
        get onmessage() { return null; },
        close() { host.closedPorts++; },
      };
      readonly port2 = {
        postMessage() { host.messages++; },
        close() { host.closedPorts++; },
      };
    };
  }

  now(): number { return this.clock; }
  setTimeout(callback: () => void, ms: number): unknown {
    this.timersSet++;
    const id = this.nextId++;
    this.timers.set(id, { callback, at: this.clock + ms });
    return id;
  }
  clearTimeout(id: unknown): void { this.timers.delete(id as number); }

  /** Delivers one posted message; false when none was posted. */
  deliver(): boolean {
    if (this.messages === 0) return false;
    this.messages--;
    this.listener?.();
    return true;
  }

  /** Moves the clock to the earliest host timer and fires it. */
  fireTimer(): void {
    const [id, t] = [...this.timers].sort((a, b) => a[1].at - b[1].at)[0]!;
    this.timers.delete(id);
    this.clock = Math.max(this.clock, t.at);
    t.callback();
  }
}

describe('BrowserLoop on its host', () => {
  it('runs at most maxCallbacksPerTurn callbacks per message, then posts the next turn', () => {
    const host = new ManualHost();
    const loop = new BrowserLoop({ host, maxCallbacksPerTurn: 3 });
    const log: number[] = [];
    for (let i = 0; i < 7; i++) loop.callSoon(() => log.push(i));
    expect(host.messages).toBe(1);
    const perMessage: number[] = [];
    while (host.deliver()) {
      perMessage.push(log.length);
      expect(host.messages).toBeLessThanOrEqual(1);
    }
    expect(perMessage).toEqual([3, 6, 7]);
    expect(log).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('keeps one host timer for any number of timers, armed for the earliest deadline', () => {
    const host = new ManualHost();
    const loop = new BrowserLoop({ host });
    const log: number[] = [];
    for (const ms of [50, 40, 30, 20, 10, 60, 70]) loop.callLater(ms, () => log.push(ms));
    expect(host.timers.size).toBe(1);
    expect([...host.timers.values()][0]!.at).toBe(10);
    while (host.timers.size > 0) {
      host.fireTimer();
      while (host.deliver());
      expect(host.timers.size).toBeLessThanOrEqual(1);
    }
    expect(log).toEqual([10, 20, 30, 40, 50, 60, 70]);
  });

  it('runs the timer turn in a message, never in the host timer callback', () => {
    const host = new ManualHost();
    const loop = new BrowserLoop({ host });
    let ran = false;
    loop.callLater(5, () => { ran = true; });
    host.fireTimer();
    expect(ran).toBe(false);
    expect(host.messages).toBe(1);
    host.deliver();
    expect(ran).toBe(true);
  });

  it('re-arms when the host timer fires before the clock reaches the deadline', () => {
    const host = new ManualHost();
    const loop = new BrowserLoop({ host });
    let ran = false;
    loop.callLater(5, () => { ran = true; });
    const [id, t] = [...host.timers][0]!;
    host.timers.delete(id);
    host.clock = 4.5;
    t.callback();
    expect(host.messages).toBe(0);
    expect(host.timers.size).toBe(1);
    expect([...host.timers.values()][0]!.at).toBeGreaterThanOrEqual(5);
    host.fireTimer();
    host.deliver();
    expect(ran).toBe(true);
  });

  it('runs a producer and a consumer task through a Queue', () => {
    const host = new ManualHost();
    const loop = new BrowserLoop({ host });
    const queue = new Queue<number>(2, { loop });
    const got: number[] = [];
    createTask(function* () { for (let i = 0; i < 5; i++) { yield sleep(1, undefined, { loop }); yield queue.put(i); } }, { loop });
    const consumer = createTask(function* () { for (let i = 0; i < 5; i++) got.push((yield queue.get()) as number); }, { loop });
    for (let steps = 0; !consumer.done() && steps < 1000; steps++) {
      if (!host.deliver()) host.fireTimer();
    }
    expect(got).toEqual([0, 1, 2, 3, 4]);
  });

  it('close() releases the host timer and the channel; scheduling afterwards throws', () => {
    const host = new ManualHost();
    const loop = new BrowserLoop({ host });
    loop.callLater(5, () => {});
    loop.close();
    loop.close();
    expect(loop.isClosed()).toBe(true);
    expect(host.timers.size).toBe(0);
    expect(host.closedPorts).toBe(2);
    expect(() => loop.callSoon(() => {})).toThrow('BrowserLoop is closed');
    expect(() => loop.callLater(1, () => {})).toThrow('BrowserLoop is closed');
  });

  it('rejects bad options with TypeError or RangeError', () => {
    expect(() => new BrowserLoop(null as never)).toThrow(TypeError);
    expect(() => new BrowserLoop({ maxCallbacksPerTurn: '3' as never })).toThrow(TypeError);
    expect(() => new BrowserLoop({ maxCallbacksPerTurn: 0 })).toThrow(RangeError);
    expect(() => new BrowserLoop({ maxCallbacksPerTurn: 1.5 })).toThrow(RangeError);
    expect(() => new BrowserLoop({ host: {} as never })).toThrow(TypeError);
  });
});
