import { describe, expect, it } from 'vitest';
import { createTask, Event, Future, Handle, type Coroutine, type ExceptionContext, type Loop } from '../src/index.js';
import { VirtualTimeLoop } from '../src/testing.js';
import { RefusingLoop } from './support/refusing-loop.js';

/** A loop author's loop: the three methods of the contract, callbacks run FIFO by hand, no `_soon` hook. */
function customLoop() {
  const queue: (() => void)[] = [];
  const scheduled: string[] = [];
  const loop: Loop = {
    callSoon<A extends unknown[]>(callback: (...args: A) => void, ...args: A): Handle {
      scheduled.push(callback.name);
      queue.push(() => callback(...args));
      return { cancel() {}, cancelled: () => false } as unknown as Handle;
    },
    callExceptionHandler(context: ExceptionContext) {
      throw context.exception;
    },
    getDebug: () => false,
  };
  const run = (): void => {
    for (let f = queue.shift(); f !== undefined; f = queue.shift()) f();
  };
  return { loop, run, scheduled };
}

/** A VirtualTimeLoop that counts the calls of its public callSoon. */
class CountingLoop extends VirtualTimeLoop {
  publicCalls = 0;

  override callSoon<A extends unknown[]>(callback: (...args: A) => void, ...args: A): Handle {
    this.publicCalls++;
    return super.callSoon(callback, ...args);
  }
}

describe("BaseLoop's _soon hook: anyloop's own one-argument callbacks, with no rest array and no Handle returned", () => {
  it('schedules done callbacks, waiter resumes and task wake-ups without the public callSoon', () => {
    const loop = new CountingLoop();
    const ev = new Event({ loop });
    const fut = new Future<number>({ loop });
    const log: string[] = [];
    fut.addDoneCallback(() => log.push('done callback'));
    createTask(function* (): Coroutine<void> {
      log.push(`result ${yield* fut}`);
      yield* ev.wait();
      log.push('woken by the event');
    }, { loop });
    loop.runUntilIdle();
    fut.setResult(7);
    loop.runUntilIdle();
    ev.set();
    loop.runUntilIdle();
    expect(log).toEqual(['done callback', 'result 7', 'woken by the event']);
    expect(loop.publicCalls).toBe(0);
  });

  it('keeps one FIFO order with the public callSoon', () => {
    const loop = new VirtualTimeLoop();
    const log: string[] = [];
    const a = new Future<string>({ loop });
    const b = new Future<string>({ loop });
    a.addDoneCallback((f) => log.push(f.result()));
    b.addDoneCallback((f) => log.push(f.result()));
    loop.callSoon(() => log.push('public 1'));
    a.setResult('hook 1');
    loop.callSoon(() => log.push('public 2'));
    b.setResult('hook 2');
    loop._runOnce();
    expect(log).toEqual(['public 1', 'hook 1', 'public 2', 'hook 2']);
  });

  it('close() cancels what the hook queued: a done callback scheduled before close() never runs', () => {
    const loop = new VirtualTimeLoop();
    const log: string[] = [];
    const fut = new Future<number>({ loop });
    fut.addDoneCallback(() => log.push('ran'));
    fut.setResult(1);
    expect(loop._ready.length).toBe(1);
    loop.close();
    loop._runOnce();
    expect(log).toEqual([]);
  });

  it("still calls a subclass's _checkSchedule, which may refuse", () => {
    const loop = new RefusingLoop();
    const fut = new Future<number>({ loop });
    fut.addDoneCallback(() => {});
    loop.refuse = true;
    expect(() => fut.setResult(1)).toThrow('refused');
  });

  it("a loop without the hook gets done callbacks and a task's steps through its public callSoon, in order", () => {
    const { loop, run, scheduled } = customLoop();
    const log: string[] = [];
    const fut = new Future<number>({ loop });
    fut.addDoneCallback(() => log.push('first'));
    fut.addDoneCallback(() => log.push('second'));
    const task = createTask(function* (): Coroutine<number> {
      const v = yield* fut;
      log.push(`task got ${v}`);
      return v + 1;
    }, { loop });
    run();
    fut.setResult(41);
    run();
    expect(log).toEqual(['first', 'second', 'task got 41']);
    expect(task.result()).toBe(42);
    expect(scheduled).toEqual(['step', '', '', 'step']);
  });
});

describe("BaseLoop's ready queue: pairs for _soon and Handles for callSoon, in one ring", () => {
  /** A done callback that logs `name`, queued through the `_soon` hook when `fut` is done. */
  function hooked(loop: VirtualTimeLoop, log: string[], name: string): Future<void> {
    const fut = new Future<void>({ loop });
    fut.addDoneCallback(() => log.push(name));
    return fut;
  }

  it('keeps FIFO order across growth while the ring has wrapped, with both kinds mixed', () => {
    const loop = new VirtualTimeLoop();
    const log: string[] = [];
    const expected: string[] = [];
    // Wrap the ring: entries run and leave, moving its head away from slot 0.
    for (let k = 0; k < 11; k++) loop.callSoon(() => {});
    loop._runOnce();
    for (let k = 0; k < 40; k++) {
      const name = `${k % 3 === 0 ? 'public' : 'hook'} ${k}`;
      expected.push(name);
      if (k % 3 === 0) loop.callSoon(() => log.push(name));
      else hooked(loop, log, name).setResult();
    }
    expect(loop._ready.length).toBe(40);
    loop._runOnce();
    expect(log).toEqual(expected);
    expect(loop._ready.length).toBe(0);
  });

  it('runs only the callbacks ready when the turn began, those they queue in the next turn, across growth', () => {
    const loop = new VirtualTimeLoop();
    const log: string[] = [];
    const first = hooked(loop, log, 'first');
    first.addDoneCallback(() => {
      for (let k = 0; k < 20; k++) hooked(loop, log, `later ${k}`).setResult();
    });
    hooked(loop, log, 'second').setResult();
    first.setResult();
    loop._runOnce();
    expect(log).toEqual(['second', 'first']);
    loop._runOnce();
    expect(log).toHaveLength(22);
    expect(log[21]).toBe('later 19');
  });

  it("reports a hooked callback's exception with a Handle for it, and the turn goes on", () => {
    const loop = new VirtualTimeLoop();
    const seen: ExceptionContext[] = [];
    loop.setExceptionHandler((_l, context) => seen.push(context));
    const log: string[] = [];
    const fut = new Future<void>({ loop });
    const failing = (): void => { throw new RangeError('boom'); };
    fut.addDoneCallback(failing);
    hooked(loop, log, 'after').setResult();
    fut.setResult();
    loop._runOnce();
    expect(log).toEqual(['after']);
    expect(seen.map((c) => [c.message, (c.exception as Error).message])).toEqual([['Exception in callback', 'boom']]);
    expect(seen[0]!.handle).toBeInstanceOf(Handle);
    expect(seen[0]!.handle!.cancelled()).toBe(false);
  });

  it('gives a loop author a hooked entry as a Handle from shift(), which runs it', () => {
    const loop = new VirtualTimeLoop();
    const log: string[] = [];
    hooked(loop, log, 'hook').setResult();
    const h = loop.callSoon(() => log.push('public'));
    const first = loop._ready.shift()!;
    expect(first).toBeInstanceOf(Handle);
    first.run();
    expect(loop._ready.shift()).toBe(h);
    expect(loop._ready.shift()).toBeUndefined();
    expect(log).toEqual(['hook']);
  });

  it('close() cancels the queued hooked entries in place: shift() gives them as cancelled Handles', () => {
    const loop = new VirtualTimeLoop();
    const log: string[] = [];
    hooked(loop, log, 'hook').setResult();
    const h = loop.callSoon(() => log.push('public'));
    loop.close();
    expect(loop._ready.length).toBe(2);
    const first = loop._ready.shift()!;
    expect([first.cancelled(), h.cancelled(), loop._ready.shift()]).toEqual([true, true, h]);
    first.run();
    expect(log).toEqual([]);
  });

  it('close() from a callback cancels the hooked and public callbacks still queued in that turn', () => {
    const loop = new VirtualTimeLoop();
    const log: string[] = [];
    const closer = new Future<void>({ loop });
    closer.addDoneCallback(() => loop.close());
    closer.setResult();
    hooked(loop, log, 'hook').setResult();
    loop.callSoon(() => log.push('public'));
    loop._runOnce();
    expect(log).toEqual([]);
    expect(loop._ready.length).toBe(0);
    expect(loop.isClosed()).toBe(true);
  });
});

describe('yield* fut', () => {
  it('makes one object per wait: the iterator is its own result, first the future, then the result', () => {
    const loop = new VirtualTimeLoop();
    const fut = new Future<number>({ loop });
    const it = fut[Symbol.iterator]();
    const first = it.next();
    expect(first).toBe(it);
    expect(first.done).toBe(false);
    expect(first.value).toBe(fut);
    fut.setResult(3);
    const second = it.next();
    expect(second).toBe(it);
    expect([second.done, second.value]).toEqual([true, 3]);
  });
});
