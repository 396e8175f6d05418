import { afterEach, describe, expect, it } from 'vitest';
import {
  CancelledError, Event, Future, Queue, createTask, setEventLoop, sleep, type Coroutine, type Loop,
} from '../src/index.js';
import { NodeLoop } from '../src/node.js';
import { VirtualTimeLoop } from '../src/testing.js';
import { DigitalIn, XsLoop, interval, type Tick } from '../src/xs.js';
import { SimBoard } from '../src/sim/board.js';
import { timerFor } from '../src/sim/timer.js';
import { timeFor } from '../src/sim/time.js';
import { digitalFor } from '../src/sim/digital.js';

// Issue 10 §3: cancellation reaches every wait, async iteration included.

afterEach(() => setEventLoop(null));

interface Harness {
  loop: Loop;
  /** Runs the loop until `fut` is done (promise jobs included); never rejects. */
  complete(fut: Future<unknown>): Promise<void>;
  close(): void;
}

const harnesses: Record<string, () => Harness> = {
  VirtualTimeLoop: () => {
    const loop = new VirtualTimeLoop();
    return { loop, complete: (f) => loop.runUntilCompleteAsync(f).then(() => {}, () => {}), close: () => loop.close() };
  },
  NodeLoop: () => {
    const loop = new NodeLoop();
    return { loop, complete: (f) => loop.runUntilComplete(f).then(() => {}, () => {}), close: () => loop.close() };
  },
  XsLoop: () => {
    const board = new SimBoard();
    const loop = new XsLoop({ Timer: timerFor(board), Time: timeFor(board), trace: () => {} });
    return {
      loop,
      async complete(f) {
        loop.runForever();
        // Millisecond by millisecond: the board lets promise jobs run after each step.
        for (let t = 0; t < 1000 && !f.done(); t++) await board.advanceAsync(1);
        loop.stop();
      },
      close: () => loop.close(),
    };
  },
};

describe.each(Object.keys(harnesses))('async iteration on %s', (name) => {
  it('for await over queue.items({ signal }) ends with CancelledError when the task is cancelled, and the item it was woken for stays', async () => {
    const { loop, complete, close } = harnesses[name]!();
    const q = new Queue<number>(0, { loop });
    const got: number[] = [];
    const consumer = createTask(async (signal) => {
      for await (const x of q.items({ signal })) got.push(x);
      return 'ended';
    }, { loop });
    createTask(function* () {
      q.putNowait(1);
      yield* sleep(1);
      q.putNowait(2);
      yield* sleep(1);
      // Woken for 3, then cancelled before it took it.
      q.putNowait(3);
      consumer.cancel();
    }, { loop });
    await complete(consumer);
    expect(consumer.cancelled()).toBe(true);
    expect(got).toEqual([1, 2]);
    expect(q.qsize()).toBe(1);
    expect(q.getNowait()).toBe(3);
    close();
  });

  it('a generator coroutine iterates a queue until it is shut down, and a cancel reaches its wait', async () => {
    const { loop, complete, close } = harnesses[name]!();
    const q = new Queue<number>(0, { loop });
    const got: number[] = [];
    const drain = function* (): Coroutine<string> {
      const it = q.items();
      for (;;) {
        const r = yield* it.next();
        if (r.done) return 'drained';
        got.push(r.value);
      }
    };
    q.putNowait(1);
    q.putNowait(2);
    q.shutdown();
    const first = createTask(drain(), { loop });
    await complete(first);
    expect(first.result()).toBe('drained');
    expect(got).toEqual([1, 2]);

    const q2 = new Queue<number>(0, { loop });
    const waiting = createTask(function* () {
      const r = yield* q2.items().next();
      return r;
    }, { loop });
    createTask(function* () {
      yield* sleep(1);
      q2.putNowait(9);
      waiting.cancel();
    }, { loop });
    await complete(waiting);
    expect(waiting.cancelled()).toBe(true);
    expect(q2.qsize()).toBe(1);
    close();
  });

  it('interval.ticks({ signal }) ends a for await loop with CancelledError when the task is cancelled', async () => {
    const { loop, complete, close } = harnesses[name]!();
    const ticker = interval(10, { loop });
    const seen: Tick[] = [];
    const twoSeen = new Event({ loop });
    const consumer = createTask(async (signal) => {
      for await (const t of ticker.ticks({ signal })) {
        seen.push(t);
        if (seen.length === 2) twoSeen.set();
      }
    }, { loop });
    createTask(function* () {
      yield* twoSeen.wait();
      consumer.cancel();
    }, { loop });
    await complete(consumer);
    expect(consumer.cancelled()).toBe(true);
    expect(seen.length).toBe(2);
    expect(ticker._waiters).toBe(null);
    ticker.close();
    close();
  });
});

describe('edges({ signal }) on XsLoop', () => {
  it('ends a for await loop with CancelledError, and the edge it was woken for stays buffered', async () => {
    const board = new SimBoard();
    const io = digitalFor(board);
    const loop = new XsLoop({ Timer: timerFor(board), Time: timeFor(board), trace: () => {} });
    const button = new DigitalIn({ pin: 0, mode: io.InputPullUp, edge: 'both', io, loop });
    const values: number[] = [];
    const consumer = createTask(async (signal) => {
      for await (const e of button.edges({ signal })) values.push(e.value);
    }, { loop });
    board.at(5, () => board.drive(0, 0));
    board.at(10, () => {
      board.drive(0, 1);
      // The edge interrupt and the cancel in the same host pass: woken, then cancelled.
      consumer.cancel();
    });
    loop.runForever();
    for (let t = 0; t < 30; t++) await board.advanceAsync(1);
    expect(consumer.cancelled()).toBe(true);
    expect(values).toEqual([0]);
    expect(button.buffered).toBe(1);
    button.close();
  });

  it('an aborted signal makes the next edge fail at once, as every wait does', async () => {
    const board = new SimBoard();
    const io = digitalFor(board);
    const loop = new XsLoop({ Timer: timerFor(board), Time: timeFor(board), trace: () => {} });
    const button = new DigitalIn({ pin: 0, mode: io.InputPullUp, edge: 'both', io, loop });
    const it = button.edges({ signal: AbortSignal.abort('stop') });
    await expect(Promise.resolve(it.next())).rejects.toBeInstanceOf(CancelledError);
    expect(() => button.edges({ signal: 'no' as never })).toThrow(TypeError);
  });
});

describe('sleep(ms, { signal }) is refused', () => {
  it('options given as the value are a TypeError naming the right call', () => {
    const loop = new VirtualTimeLoop();
    const signal = new AbortController().signal;
    expect(() => sleep(200, { signal }, undefined)).toThrow(/pass them third: sleep\(ms, undefined, \{ signal \}\)/);
    expect(() => sleep(200, { loop })).toThrow(TypeError);
    expect(loop.runUntilComplete(sleep(200, { value: 1 }, { loop }))).toEqual({ value: 1 });
    expect(loop.runUntilComplete(sleep(0, { signal }, { loop }))).toEqual({ signal });
  });
});
