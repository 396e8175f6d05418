import { describe, expect, it } from 'vitest';
import { createTask, Event, Future, type Coroutine, type ExceptionContext, type Handle, type Loop } from '../src/index.js';
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
    expect(scheduled).toEqual(['stepFirst', '', '', 'step']);
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
