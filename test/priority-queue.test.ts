import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PriorityQueue, Queue, QueueShutDown } from '../src/index.js';
import { VirtualTimeLoop } from '../src/testing.js';
import { getter, outcome, putter, state } from './support/queue-tasks.js';
import { Turns } from './support/turns.js';

// Expected logs and orders are what CPython 3.13 (asyncio, heapq) gives for
// the same scenario.

function make<T>(maxsize = 0, compare?: (a: T, b: T) => number) {
  const loop = new VirtualTimeLoop();
  return { loop, q: new PriorityQueue<T>(maxsize, compare, { loop }) };
}

function drain<T>(q: PriorityQueue<T>): T[] {
  const out: T[] = [];
  while (!q.empty()) out.push(q.getNowait());
  return out;
}

describe('PriorityQueue: construction', () => {
  it('is a Queue; maxsize is validated like Queue', () => {
    expect(make().q).toBeInstanceOf(Queue);
    expect(() => new PriorityQueue('1' as unknown as number)).toThrow(TypeError);
    expect(() => new PriorityQueue(-2)).toThrow(RangeError);
    expect(() => new PriorityQueue(2.5)).toThrow(RangeError);
  });

  it('rejects a compare that is not a function with TypeError', () => {
    for (const c of [null, 1, 'desc', {}]) {
      expect(() => new PriorityQueue(0, c as never)).toThrow(TypeError);
    }
    expect(() => new PriorityQueue(0, null as never)).toThrow(/compare must be a function/);
  });
});

describe('PriorityQueue: order', () => {
  it('gives out numbers smallest first', () => {
    const { q } = make<number>();
    for (const n of [5, 1, 4, -2, 3, 1, 0.5]) q.putNowait(n);
    expect(drain(q)).toEqual([-2, 0.5, 1, 1, 3, 4, 5]);
  });

  it('sorts any multiset of numbers (heap property)', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: -50, max: 50 })), fc.array(fc.boolean()), (xs, pops) => {
      const { q } = make<number>();
      const model: number[] = [];
      const out: number[] = [];
      const expected: number[] = [];
      xs.forEach((x, i) => {
        q.putNowait(x);
        model.push(x);
        if (pops[i] && model.length > 0) {
          model.sort((a, b) => a - b);
          expected.push(model.shift()!);
          out.push(q.getNowait());
        }
      });
      expect(out).toEqual(expected);
      expect(drain(q)).toEqual(model.sort((a, b) => a - b));
    }), { numRuns: 200 });
  });

  it('orders strings, bigints, and numbers mixed with bigints naturally', () => {
    const s = make<string>().q;
    for (const x of ['pear', 'apple', 'fig', 'Zebra']) s.putNowait(x);
    expect(drain(s)).toEqual(['Zebra', 'apple', 'fig', 'pear']);
    const b = make<number | bigint>().q;
    for (const x of [10n, 2, 3n, 2.5, -1n]) b.putNowait(x);
    expect(drain(b)).toEqual([-1n, 2, 2.5, 3n, 10n]);
  });

  it('orders arrays like Python tuples: [priority, item] compares item only on equal priority', () => {
    const { q } = make<unknown[]>();
    for (const x of [[2, 'b'], [1, 'z'], [1, 'a'], [3, 'a'], [2, 'a']]) q.putNowait(x);
    expect(drain(q)).toEqual([[1, 'a'], [1, 'z'], [2, 'a'], [2, 'b'], [3, 'a']]);
    const job = { run() {} };
    const other = { run() {} };
    q.putNowait([2, job]);
    q.putNowait([1, other]);
    expect(drain(q)).toEqual([[1, other], [2, job]]);
  });

  it('a shorter array that is a prefix of a longer one comes first', () => {
    const { q } = make<unknown[]>();
    for (const x of [[1], [1, 0], [0, 5, 5]]) q.putNowait(x);
    expect(drain(q)).toEqual([[0, 5, 5], [1], [1, 0]]);
  });

  it('items that compare equal come out in the order heapq gives', () => {
    const { q } = make<[number, string]>(0, (a, b) => a[0] - b[0]);
    const out: string[] = [];
    const seq: ([number, string] | 'pop')[] = [
      [2, 'a'], [1, 'b'], [2, 'c'], [1, 'd'], [2, 'e'], 'pop', [1, 'f'], [2, 'g'], [1, 'h'], 'pop', 'pop', [2, 'i'],
    ];
    for (const x of seq) {
      if (x === 'pop') out.push(q.getNowait()[1]);
      else q.putNowait(x);
    }
    out.push(...drain(q).map((x) => x[1]));
    expect(out).toEqual(['b', 'd', 'h', 'f', 'g', 'i', 'c', 'a', 'e']);
  });

  it('uses a custom compare', () => {
    const { q } = make<{ due: number }>(0, (a, b) => b.due - a.due);
    for (const due of [3, 9, 1, 5]) q.putNowait({ due });
    expect(drain(q).map((x) => x.due)).toEqual([9, 5, 3, 1]);
  });
});

describe('PriorityQueue: items it cannot compare', () => {
  it('a single item needs no comparison', () => {
    const { q } = make<object>();
    const o = {};
    q.putNowait(o);
    expect(q.getNowait()).toBe(o);
  });

  it('throws TypeError for objects, NaN and mixed kinds, and leaves the queue as it was', () => {
    const { q } = make<unknown>();
    q.putNowait(2);
    q.putNowait(5);
    for (const bad of [{}, NaN, 'x', [1], null, undefined, true]) {
      expect(() => q.putNowait(bad)).toThrow(TypeError);
    }
    expect(q.qsize()).toBe(2);
    expect(q._unfinishedTasks).toBe(2);
    q.putNowait(1);
    expect(drain(q)).toEqual([1, 2, 5]);
  });

  it('tuples with equal priorities and items it cannot order throw TypeError, like Python', () => {
    const { q } = make<unknown[]>();
    q.putNowait([1, {}]);
    expect(() => q.putNowait([1, {}])).toThrow(/cannot compare an object/);
    const same = {};
    q.putNowait([0, same]);
    q.putNowait([0, same]);
    expect(q.qsize()).toBe(3);
  });

  it('put() fails with the TypeError instead of throwing', () => {
    const { q } = make<unknown>();
    q.putNowait(1);
    const p = q.put('one');
    expect(outcome(p)).toBe('TypeError');
    expect(q.qsize()).toBe(1);
  });

  it('a compare that throws during a get leaves every item in place', () => {
    let broken = false;
    const { q } = make<number>(0, (a, b) => {
      if (broken) throw new Error('compare broke');
      return a - b;
    });
    for (const n of [4, 2, 6, 1, 5, 3]) q.putNowait(n);
    const heap = [...q._heap];
    broken = true;
    expect(() => q.getNowait()).toThrow('compare broke');
    expect(outcome(q.get())).toBe('Error');
    expect(q._heap).toEqual(heap);
    broken = false;
    expect(drain(q)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('a compare that throws part-way up the heap during a put leaves the heap as it was', () => {
    let calls = 0;
    let limit = Infinity;
    const { q } = make<number>(0, (a, b) => {
      if (++calls > limit) throw new Error('compare broke');
      return a - b;
    });
    for (const n of [10, 20, 30, 40, 50, 60, 70]) q.putNowait(n);
    const heap = [...q._heap];
    calls = 0;
    limit = 2;
    expect(() => q.putNowait(0)).toThrow('compare broke');
    expect(q._heap).toEqual(heap);
    limit = Infinity;
    q.putNowait(0);
    expect(drain(q)).toEqual([0, 10, 20, 30, 40, 50, 60, 70]);
  });
});

describe('PriorityQueue: waiting', () => {
  it('back-pressure and getters in the same turns as asyncio', () => {
    const t = new Turns();
    const q = new PriorityQueue<number>(2, undefined, { loop: t.loop });
    [5, 3, 4, 1].forEach((x, i) => t.spawn(putter(t, q, `P${i}`, x)));
    t.idle();
    t.note(state(q, q._heap));
    for (const n of 'ABCD') t.spawn(getter(t, q, n));
    t.idle();
    t.note(state(q, q._heap));
    expect(t.log).toEqual([
      '1:P0 put 5', '1:P1 put 3', '1:q=[3, 5] getters=0 putters=2 unfinished=2',
      '2:A got 3', '2:B got 5', '3:P2 put 4', '3:P3 put 1', '4:C got 1', '4:D got 4',
      '4:q=[] getters=0 putters=0 unfinished=4',
    ]);
  });

  it('a getter woken and then cancelled leaves the smallest item for the next getter', () => {
    const { loop, q } = make<number>();
    const a = q.get();
    const b = q.get();
    q.putNowait(7);
    q.putNowait(3);
    a.cancel();
    loop.runUntilIdle();
    expect([a, b].map(outcome)).toEqual(['cancelled', 'ok 3']);
    expect(q._heap).toEqual([7]);
  });

  it('shutdown drains in priority order, then gets fail', async () => {
    const { loop, q } = make<number>();
    for (const n of [3, 1, 2]) q.putNowait(n);
    q.shutdown();
    const got: number[] = [];
    await loop.runUntilCompleteAsync((async () => { for await (const n of q) got.push(n); })());
    expect(got).toEqual([1, 2, 3]);
    expect(() => q.getNowait()).toThrow(QueueShutDown);
  });
});
