import { describe, expect, it } from 'vitest';
import { LifoQueue, Queue, QueueEmpty, QueueFull, QueueShutDown } from '../src/index.js';
import { VirtualTimeLoop } from '../src/testing.js';
import { getter, outcome, putter, state } from './support/queue-tasks.js';
import { Turns } from './support/turns.js';

// Expected turn logs are what CPython 3.13 asyncio prints for the same
// scenario (tasks made with create_task, one `loop._run_once()` per turn).

function setup(maxsize = 0) {
  const loop = new VirtualTimeLoop();
  return { loop, q: new LifoQueue<number>(maxsize, { loop }) };
}

describe('LifoQueue', () => {
  it('is a Queue that gives out the newest item first', () => {
    const { q } = setup();
    expect(q).toBeInstanceOf(Queue);
    for (const i of [1, 2, 3]) q.putNowait(i);
    expect(q.qsize()).toBe(3);
    expect([q.getNowait(), q.getNowait()]).toEqual([3, 2]);
    q.putNowait(4);
    expect([q.getNowait(), q.getNowait()]).toEqual([4, 1]);
    expect(q.empty()).toBe(true);
  });

  it('validates maxsize like Queue', () => {
    expect(() => new LifoQueue('2' as unknown as number)).toThrow(TypeError);
    expect(() => new LifoQueue(-1)).toThrow(RangeError);
    expect(() => new LifoQueue(0.5)).toThrow(RangeError);
  });

  it('putNowait throws QueueFull when full; getNowait throws QueueEmpty when empty', () => {
    const { q } = setup(1);
    expect(() => q.getNowait()).toThrow(QueueEmpty);
    q.putNowait(1);
    expect(q.full()).toBe(true);
    expect(() => q.putNowait(2)).toThrow(QueueFull);
    expect(q.qsize()).toBe(1);
  });

  it('back-pressure, getters and shutdown in the same turns as asyncio', () => {
    const t = new Turns();
    const q = new LifoQueue<number>(2, { loop: t.loop });
    for (let i = 0; i < 4; i++) t.spawn(putter(t, q, `P${i}`, i));
    t.idle();
    t.note(state(q, q._stack));
    t.spawn(getter(t, q, 'A'));
    t.spawn(getter(t, q, 'B'));
    t.idle();
    t.note(state(q, q._stack));
    for (const n of 'CDE') t.spawn(getter(t, q, n));
    t.idle();
    q.shutdown();
    t.note('shutdown');
    t.idle();
    expect(t.log).toEqual([
      '1:P0 put 0', '1:P1 put 1', '1:q=[0, 1] getters=0 putters=2 unfinished=2',
      '2:A got 1', '2:B got 0', '3:P2 put 2', '3:P3 put 3', '3:q=[2, 3] getters=0 putters=0 unfinished=4',
      '4:C got 3', '4:D got 2', '4:shutdown', '5:E shutdown',
    ]);
  });

  it('a getter woken and then cancelled leaves its item to the others', () => {
    const t = new Turns();
    const q = new LifoQueue<number>(0, { loop: t.loop });
    const a = t.spawn(getter(t, q, 'A'));
    t.spawn(getter(t, q, 'B'));
    t.idle();
    q.putNowait(1);
    q.putNowait(2);
    a.cancel();
    t.note('put 1, put 2, cancel A');
    t.idle();
    t.note(state(q, q._stack));
    expect(t.log).toEqual(['1:put 1, put 2, cancel A', '2:A cancelled', '2:B got 2', '2:q=[1] getters=0 putters=0 unfinished=2']);
  });

  it('a putter woken and then cancelled does not add its item', () => {
    const { loop, q } = setup(1);
    q.putNowait(1);
    const p = q.put(2);
    const r = q.put(3);
    expect(q.getNowait()).toBe(1);
    p.cancel();
    loop.runUntilIdle();
    expect([p, r].map(outcome)).toEqual(['cancelled', 'ok undefined']);
    expect(q._stack).toEqual([3]);
  });

  it('after shutdown, gets drain newest first, then fail; immediate drops everything', () => {
    const { q } = setup();
    for (const i of [1, 2, 3]) q.putNowait(i);
    q.shutdown();
    expect(q.getNowait()).toBe(3);
    expect(q.get().result()).toBe(2);
    q.shutdown(true);
    expect(q.qsize()).toBe(0);
    expect(q._unfinishedTasks).toBe(2);
    expect(outcome(q.get())).toBe('QueueShutDown');
    expect(() => q.getNowait()).toThrow(QueueShutDown);
  });

  it('for await yields newest first and ends on shutdown', async () => {
    const { loop, q } = setup();
    for (const i of [1, 2, 3]) q.putNowait(i);
    q.shutdown();
    const got: number[] = [];
    await loop.runUntilCompleteAsync((async () => { for await (const i of q) got.push(i); })());
    expect(got).toEqual([3, 2, 1]);
  });
});
