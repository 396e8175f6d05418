import { afterEach, describe, expect, it } from 'vitest';
import {
  Future, Lock, Queue, createTask, getEventLoop, run, setEventLoop, sleep, type Coroutine, type Loop,
} from '../src/index.js';
import { NodeLoop } from '../src/node.js';
import { VirtualTimeLoop } from '../src/testing.js';
import { XsLoop } from '../src/xs.js';
import { SimBoard } from '../src/sim/board.js';
import { timerFor } from '../src/sim/timer.js';
import { timeFor } from '../src/sim/time.js';

// Issue 10 §2: a wait binds to the loop that runs it (asyncio's running loop),
// else the default loop; a task refuses a Future of another loop.

afterEach(() => setEventLoop(null));

function xsSetup() {
  const board = new SimBoard();
  const printed: string[] = [];
  const loop = new XsLoop({ Timer: timerFor(board), Time: timeFor(board), trace: (s) => printed.push(s) });
  return { board, loop, printed };
}

/** What an async task does after its first await: make primitives and wait on them with no loop named. */
async function afterAwait(): Promise<{ loops: Loop[]; item: string }> {
  await sleep(0);
  const q = new Queue<string>();
  const lock = new Lock();
  await lock.acquire();
  lock.release();
  (getEventLoop() as VirtualTimeLoop).callLater(3, () => q.putNowait('item'));
  const item = await q.get();
  await sleep(5);
  return { loops: [new Future<void>().loop, getEventLoop()], item };
}

describe('the running loop', () => {
  it('VirtualTimeLoop, not the default: a task\'s primitives bind to the loop running it', () => {
    const other = new VirtualTimeLoop();
    setEventLoop(other);
    const loop = new VirtualTimeLoop();
    const task = createTask(function* (): Coroutine<Loop[]> {
      const q = new Queue<number>();
      q.putNowait(1);
      yield* q.get();
      const f = new Future<void>();
      return [f.loop, getEventLoop()];
    }, { loop });
    expect(loop.runUntilComplete(task)).toEqual([loop, loop]);
  });

  it('VirtualTimeLoop: a plain callback binds to its loop, and a nested turn of another loop gives it back', () => {
    const a = new VirtualTimeLoop();
    const b = new VirtualTimeLoop();
    const seen: Loop[] = [];
    a.callSoon(() => {
      seen.push(new Future().loop);
      b.callSoon(() => seen.push(new Future().loop));
      b.runUntilIdle();
      seen.push(new Future().loop);
    });
    a.runUntilIdle();
    expect(seen).toEqual([a, b, a]);
    expect(() => getEventLoop()).toThrow(/no event loop is running or set/);
  });

  it('VirtualTimeLoop.runUntilCompleteAsync: async code after an await belongs to the loop, with no default loop', async () => {
    const loop = new VirtualTimeLoop();
    const out = await loop.runUntilCompleteAsync(createTask(() => afterAwait(), { loop }));
    expect(out).toEqual({ loops: [loop, loop], item: 'item' });
    expect(loop.time()).toBe(8);
    expect(() => getEventLoop()).toThrow(/no event loop is running or set/);
  });

  it('run() on a non-default loop: async main keeps its loop after each await', async () => {
    setEventLoop(new VirtualTimeLoop());
    const loop = new NodeLoop();
    const main = async (): Promise<Loop[]> => {
      await Promise.resolve();
      await sleep(0);
      const q = new Queue<number>();
      q.putNowait(7);
      await q.get();
      return [new Future<void>().loop, getEventLoop()];
    };
    expect(await run(main, { loop })).toEqual([loop, loop]);
    loop.close();
  });

  it('NodeLoop.runForever: code outside its callbacks belongs to it until stop()', async () => {
    const loop = new NodeLoop();
    const forever = loop.runForever();
    expect(getEventLoop()).toBe(loop);
    await new Promise((resolve) => setImmediate(resolve));
    expect(new Queue<number>().qsize()).toBe(0);
    const f = new Future<number>();
    expect(f.loop).toBe(loop);
    loop.stop();
    await forever;
    expect(() => getEventLoop()).toThrow(/no event loop is running or set/);
    loop.close();
  });

  it('XsLoop: an async-function task keeps its loop after its first await (no default loop)', async () => {
    const { board, loop, printed } = xsSetup();
    let out: { loops: Loop[]; item: string } | undefined;
    const task = createTask(async () => {
      await sleep(0);
      const q = new Queue<string>();
      loop.callLater(3, () => q.putNowait('item'));
      const item = await q.get();
      await sleep(5);
      return { loops: [new Future<void>().loop, getEventLoop()], item };
    }, { loop });
    task.addDoneCallback((t) => { out = t.result(); });
    loop.runForever();
    // Millisecond by millisecond: the board lets promise jobs run after each step.
    for (let t = 0; t < 20; t++) await board.advanceAsync(1);
    expect(printed).toEqual([]);
    loop.stop();
    expect(out).toEqual({ loops: [loop, loop], item: 'item' });
    expect(() => getEventLoop()).toThrow(/no event loop is running or set/);
  });

  it('a running loop comes before the default loop', async () => {
    const other = new VirtualTimeLoop();
    setEventLoop(other);
    const { board, loop } = xsSetup();
    loop.runForever();
    expect(getEventLoop()).toBe(loop);
    loop.stop();
    expect(getEventLoop()).toBe(other);
    board.advance(1);
  });

  it('a loop that only implements the contract: primitives made in a task step bind to the task\'s loop', () => {
    const inner = new VirtualTimeLoop();
    // The three methods of the contract, and nothing that marks its turns.
    const bare: Loop = {
      callSoon: (cb, ...args) => inner.callSoon(() => cb(...args)),
      callExceptionHandler: (c) => inner.callExceptionHandler(c),
      getDebug: () => false,
    };
    setEventLoop(new VirtualTimeLoop());
    let bound: Loop | undefined;
    createTask(function* () {
      const q = new Queue<number>();
      q.putNowait(1);
      yield* q.get();
      bound = new Future<void>().loop;
    }, { loop: bare });
    inner.runUntilIdle();
    expect(bound).toBe(bare);
  });
});

describe('a Future of another loop', () => {
  it('a generator task refuses it with asyncio\'s error, on every loop', () => {
    const a = new VirtualTimeLoop();
    const b = new VirtualTimeLoop();
    const foreign = new Future<number>({ loop: b });
    const task = createTask(function* () {
      return yield* foreign;
    }, { loop: a });
    expect(() => a.runUntilComplete(task)).toThrow('Task got Future attached to a different loop');
  });

  it('XsLoop: the task fails instead of being stepped by the other loop', () => {
    const { board, loop } = xsSetup();
    const other = new VirtualTimeLoop();
    const foreign = new Future<number>({ loop: other });
    const task = createTask(function* () {
      return yield* foreign;
    }, { loop });
    loop.runForever();
    board.advance(1);
    expect(task.done()).toBe(true);
    expect(() => task.result()).toThrow('Task got Future attached to a different loop');
  });
});
