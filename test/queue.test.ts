import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Future, Queue, QueueEmpty, QueueFull, QueueShutDown, setEventLoop } from '../src/index.js';
import { VirtualTimeLoop } from '../src/testing.js';
import { getter, joiner, outcome, putter, state as queueState } from './support/queue-tasks.js';
import { expectCancelledAtOnce, expectTypeErrorForNonSignals } from './support/signals.js';
import { Turns } from './support/turns.js';

// Expected turn logs are what CPython 3.13 asyncio prints for the same
// scenario (tasks made with create_task, one `loop._run_once()` per turn).

/** The items of a FIFO Queue, oldest first, without removing them. */
function items(q: Queue<unknown>): unknown[] {
  const r = q._ring;
  const mask = r._items.length - 1;
  return Array.from({ length: r.length }, (_, i) => r._items[(r._head + i) & mask]);
}

const state = (q: Queue<unknown>) => queueState(q, items(q));

function setup(maxsize = 0) {
  const loop = new VirtualTimeLoop();
  return { loop, q: new Queue<number | string>(maxsize, { loop }) };
}

describe('Queue: construction', () => {
  it('defaults to an unbounded queue that is never full', () => {
    const { q } = setup();
    expect(q.maxsize).toBe(0);
    for (let i = 0; i < 1000; i++) q.putNowait(i);
    expect(q.full()).toBe(false);
    expect(q.qsize()).toBe(1000);
  });

  it('rejects a non-number maxsize with TypeError', () => {
    for (const v of ['1', null, {}, 1n]) expect(() => new Queue(v as unknown as number)).toThrow(TypeError);
  });

  it('rejects a negative, fractional or non-finite maxsize with RangeError', () => {
    for (const v of [-1, 1.5, NaN, Infinity]) expect(() => new Queue(v)).toThrow(RangeError);
    expect(() => new Queue(-1)).toThrow(/maxsize/);
  });

  it('rejects options that are not an object', () => {
    expect(() => new Queue(0, 5 as never)).toThrow(TypeError);
  });

  it('can be made before any loop exists and binds to the default loop on first wait', () => {
    setEventLoop(null);
    const q = new Queue<number>();
    q.putNowait(1);
    const loop = new VirtualTimeLoop();
    setEventLoop(loop);
    try {
      expect(q.get().result()).toBe(1);
      const g = q.get();
      expect(g.loop).toBe(loop);
      q.putNowait(2);
      expect(loop.runUntilComplete(g)).toBe(2);
    } finally {
      setEventLoop(null);
    }
  });
});

describe('Queue: items and sizes', () => {
  it('gives items out in FIFO order and tracks qsize, empty and full', () => {
    const { q } = setup(3);
    expect(q.empty()).toBe(true);
    q.putNowait('a');
    q.putNowait('b');
    expect(q.qsize()).toBe(2);
    expect(q.full()).toBe(false);
    q.putNowait('c');
    expect(q.full()).toBe(true);
    expect([q.getNowait(), q.getNowait(), q.getNowait()]).toEqual(['a', 'b', 'c']);
    expect(q.empty()).toBe(true);
  });

  it('keeps FIFO order while the storage wraps around and grows', () => {
    const { q } = setup();
    const out: unknown[] = [];
    let next = 0;
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 7; i++) q.putNowait(next++);
      for (let i = 0; i < 5; i++) out.push(q.getNowait());
    }
    while (!q.empty()) out.push(q.getNowait());
    expect(out).toEqual(Array.from({ length: next }, (_, i) => i));
  });

  it('putNowait on a full queue throws QueueFull and adds nothing', () => {
    const { q } = setup(1);
    q.putNowait(1);
    expect(() => q.putNowait(2)).toThrow(QueueFull);
    expect(items(q)).toEqual([1]);
    expect(q._unfinishedTasks).toBe(1);
  });

  it('getNowait on an empty queue throws QueueEmpty', () => {
    const { q } = setup();
    expect(() => q.getNowait()).toThrow(QueueEmpty);
  });

  it('put and get return already-done futures when they need not wait', () => {
    const { q } = setup(2);
    const p = q.put(1);
    expect(p.done()).toBe(true);
    expect(p.result()).toBeUndefined();
    const g = q.get();
    expect(g.done()).toBe(true);
    expect(g.result()).toBe(1);
  });

  it('works with await from async functions', async () => {
    const { loop, q } = setup(1);
    const consumer = (async () => {
      const got: unknown[] = [];
      for (let i = 0; i < 5; i++) got.push(await q.get());
      return got;
    })();
    const producer = (async () => {
      for (let i = 0; i < 5; i++) await q.put(i);
    })();
    await loop.runUntilCompleteAsync(producer);
    expect(await loop.runUntilCompleteAsync(consumer)).toEqual([0, 1, 2, 3, 4]);
  });
});

describe('Queue: waiting getters and putters (turns as in asyncio)', () => {
  it('a waiting getter gets the item in the next turn', () => {
    const { loop, q } = setup();
    const g = q.get();
    expect(q._getters.length).toBe(1);
    q.putNowait(7);
    expect(g.done()).toBe(false);
    expect(q._getters.length).toBe(0);
    loop._runOnce();
    expect(g.result()).toBe(7);
    expect(q.empty()).toBe(true);
  });

  it('waiting getters are served in arrival order', () => {
    const { loop, q } = setup();
    const gs = [q.get(), q.get(), q.get()];
    q.putNowait('x');
    q.putNowait('y');
    loop.runUntilIdle();
    expect(gs.map(outcome)).toEqual(['ok x', 'ok y', 'pending']);
  });

  it('back-pressure: putters wait while full and go in as consumers take items', () => {
    const t = new Turns();
    const q = new Queue<unknown>(2, { loop: t.loop });
    for (let i = 0; i < 4; i++) t.spawn(putter(t, q, `P${i}`, i));
    t.idle();
    t.note(state(q));
    t.spawn(getter(t, q, 'A'));
    t.spawn(getter(t, q, 'B'));
    t.idle();
    t.note(state(q));
    expect(t.log).toEqual([
      '1:P0 put 0', '1:P1 put 1', '1:q=[0, 1] getters=0 putters=2 unfinished=2',
      '2:A got 0', '2:B got 1', '3:P2 put 2', '3:P3 put 3', '3:q=[2, 3] getters=0 putters=0 unfinished=4',
    ]);
  });

  it('a newcomer get takes the item before the woken getter, which waits again at the back', () => {
    const t = new Turns();
    const q = new Queue<unknown>(0, { loop: t.loop });
    t.spawn(getter(t, q, 'A'));
    t.spawn(getter(t, q, 'B'));
    t.idle();
    q.putNowait(1);
    t.note(`newcomer got ${String(q.getNowait())}`);
    t.idle();
    t.note(state(q));
    q.putNowait(2);
    t.note('put 2');
    t.idle();
    q.putNowait(3);
    t.note('put 3');
    t.idle();
    expect(t.log).toEqual([
      '1:newcomer got 1', '2:q=[] getters=2 putters=0 unfinished=1', '2:put 2', '3:B got 2', '3:put 3', '4:A got 3',
    ]);
  });

  it('a newcomer put takes the freed slot before the woken putter, which waits again', () => {
    const t = new Turns();
    const q = new Queue<unknown>(1, { loop: t.loop });
    q.putNowait('a');
    t.spawn(putter(t, q, 'P', 'b'));
    t.idle();
    t.note(`got ${String(q.getNowait())}`);
    q.putNowait('x');
    t.note('newcomer put x');
    t.idle();
    t.note(state(q));
    t.note(`got ${String(q.getNowait())}`);
    t.idle();
    t.note(state(q));
    expect(t.log).toEqual([
      '1:got a', '1:newcomer put x', '2:q=[x] getters=0 putters=1 unfinished=2',
      '2:got x', '3:P put b', '3:q=[b] getters=0 putters=0 unfinished=3',
    ]);
  });
});

describe('Queue: cancellation races', () => {
  it('a getter woken and then cancelled passes the item to the next getter', () => {
    const t = new Turns();
    const q = new Queue<unknown>(0, { loop: t.loop });
    const a = t.spawn(getter(t, q, 'A'));
    t.spawn(getter(t, q, 'B'));
    t.idle();
    q.putNowait(1);
    a.cancel();
    t.note('put 1, cancel A');
    t.idle();
    t.note(state(q));
    expect(t.log).toEqual(['1:put 1, cancel A', '2:A cancelled', '3:B got 1', '3:q=[] getters=0 putters=0 unfinished=1']);
  });

  it('a getter woken and then cancelled with nobody behind it leaves the item in the queue', () => {
    const t = new Turns();
    const q = new Queue<unknown>(0, { loop: t.loop });
    const a = t.spawn(getter(t, q, 'A'));
    t.idle();
    q.putNowait(1);
    a.cancel();
    t.note('put 1, cancel A');
    t.idle();
    t.note(state(q));
    expect(t.log).toEqual(['1:put 1, cancel A', '2:A cancelled', '2:q=[1] getters=0 putters=0 unfinished=1']);
  });

  it('with two items and three getters, cancelling the first woken one lets the other two get both', () => {
    const t = new Turns();
    const q = new Queue<unknown>(0, { loop: t.loop });
    const a = t.spawn(getter(t, q, 'A'));
    t.spawn(getter(t, q, 'B'));
    t.spawn(getter(t, q, 'C'));
    t.idle();
    q.putNowait(1);
    q.putNowait(2);
    a.cancel();
    t.note('put 1, put 2, cancel A');
    t.idle();
    t.note(state(q));
    expect(t.log).toEqual([
      '1:put 1, put 2, cancel A', '2:A cancelled', '2:B got 1', '3:C got 2', '3:q=[] getters=0 putters=0 unfinished=2',
    ]);
  });

  it('cancelling the get() future itself right after the put: the next getter gets the item, once', () => {
    const { loop, q } = setup();
    const a = q.get();
    const b = q.get();
    q.putNowait(1);
    expect(a.cancel('stop')).toBe(true);
    loop.runUntilIdle();
    expect(outcome(a)).toBe('cancelled');
    expect(() => a.result()).toThrow('stop');
    expect(outcome(b)).toBe('ok 1');
    expect(q.qsize()).toBe(0);
    expect(q._getters.length).toBe(0);
  });

  it('cancelling the get() future itself right after the put, with nobody behind it: the item stays', () => {
    const { loop, q } = setup();
    const a = q.get();
    q.putNowait(1);
    a.cancel();
    loop.runUntilIdle();
    expect(outcome(a)).toBe('cancelled');
    expect(items(q)).toEqual([1]);
    expect(q.get().result()).toBe(1);
  });

  it('a putter woken and then cancelled does not add its item and passes the slot to the next putter', () => {
    const t = new Turns();
    const q = new Queue<unknown>(1, { loop: t.loop });
    q.putNowait('a');
    const p = t.spawn(putter(t, q, 'P', 'b'));
    t.spawn(putter(t, q, 'R', 'c'));
    t.idle();
    t.note(`got ${String(q.getNowait())}`);
    p.cancel();
    t.note('cancel P');
    t.idle();
    t.note(state(q));
    expect(t.log).toEqual([
      '1:got a', '1:cancel P', '2:P cancelled', '3:R put c', '3:q=[c] getters=0 putters=0 unfinished=2',
    ]);
  });

  it('a putter woken and then cancelled with nobody behind it leaves the slot free', () => {
    const { loop, q } = setup(1);
    q.putNowait('a');
    const p = q.put('b');
    expect(q.getNowait()).toBe('a');
    p.cancel();
    loop.runUntilIdle();
    expect(outcome(p)).toBe('cancelled');
    expect(q.empty()).toBe(true);
    expect(q._unfinishedTasks).toBe(1);
    expect(q.put('c').done()).toBe(true);
  });

  it('cancelling waiting getters and putters leaves _getters and _putters empty', () => {
    const loop = new VirtualTimeLoop();
    const full = new Queue<number>(1, { loop });
    full.putNowait(0);
    const empty = new Queue<number>(0, { loop });
    const ps = [full.put(1), full.put(2), full.put(3)];
    const gs = [empty.get(), empty.get(), empty.get()];
    for (const f of [...ps, ...gs]) f.cancel();
    loop.runUntilIdle();
    expect([...ps, ...gs].map(outcome)).toEqual(Array(6).fill('cancelled'));
    expect(full._putters.length).toBe(0);
    expect(empty._getters.length).toBe(0);
    expect(items(full)).toEqual([0]);
    empty.putNowait(9);
    expect(empty.qsize()).toBe(1);
  });

  it('a cancelled getter in the middle is skipped: the item goes to the one behind it', () => {
    const { loop, q } = setup();
    const [a, b, c] = [q.get(), q.get(), q.get()];
    b.cancel();
    loop.runUntilIdle();
    q.putNowait(1);
    q.putNowait(2);
    loop.runUntilIdle();
    expect([a, b, c].map(outcome)).toEqual(['ok 1', 'cancelled', 'ok 2']);
  });

  it('{ signal } aborts just that wait, with the reason as the message', () => {
    const { loop, q } = setup();
    const ac = new AbortController();
    const a = q.get({ signal: ac.signal });
    const b = q.get();
    ac.abort(new Error('no longer needed'));
    loop.runUntilIdle();
    expect(outcome(a)).toBe('cancelled');
    expect(() => a.result()).toThrow('no longer needed');
    expect(outcome(b)).toBe('pending');
    q.putNowait(5);
    loop.runUntilIdle();
    expect(outcome(b)).toBe('ok 5');
  });

  it('{ signal } aborts a waiting put: its item is never added', () => {
    const { loop, q } = setup(1);
    q.putNowait('a');
    const ac = new AbortController();
    const p = q.put('b', { signal: ac.signal });
    ac.abort();
    loop.runUntilIdle();
    expect(outcome(p)).toBe('cancelled');
    expect(q.getNowait()).toBe('a');
    loop.runUntilIdle();
    expect(q.empty()).toBe(true);
    expect(q._putters.length).toBe(0);
  });

  it('an already aborted signal cancels a wait at once: it never queues', () => {
    const { loop, q } = setup();
    const g = q.get({ signal: AbortSignal.abort('gone') });
    expectCancelledAtOnce(g, 'gone');
    expect(q._getters.length).toBe(0);
    loop.runUntilIdle();
    q.putNowait(1);
    expect(q.qsize()).toBe(1);
  });

  it('an already aborted signal cancels even a get that need not wait: the item stays in the queue', () => {
    const { loop, q } = setup(2);
    q.putNowait('a');
    q.putNowait('b');
    const blockedPut = q.put('c');
    expectCancelledAtOnce(q.get({ signal: AbortSignal.abort(new Error('not now')) }), 'not now');
    expectTypeErrorForNonSignals((signal) => q.get({ signal }));
    loop.runUntilIdle();
    expect(items(q)).toEqual(['a', 'b']);
    // No slot was freed, so the waiting put is still waiting.
    expect(blockedPut.done()).toBe(false);
    expect(q.get().result()).toBe('a');
  });

  it('an already aborted signal cancels even a put that need not wait: the item is never added', () => {
    const { loop, q } = setup(2);
    q.putNowait('a');
    const p = q.put('b', { signal: AbortSignal.abort('no room wanted') });
    expectCancelledAtOnce(p, 'no room wanted');
    expectTypeErrorForNonSignals((signal) => q.put('c', { signal }));
    loop.runUntilIdle();
    expect(items(q)).toEqual(['a']);
    expect(q._unfinishedTasks).toBe(1);
  });

  it('never loses or duplicates an item under random puts, gets and cancellations', () => {
    type Op = { kind: 'put' | 'get' | 'putNowait' | 'getNowait' | 'turn' | 'idle' } | { kind: 'cancel'; which: number };
    const simple = (kind: 'put' | 'get' | 'putNowait' | 'getNowait' | 'turn' | 'idle', weight: number) =>
      ({ arbitrary: fc.constant<Op>({ kind }), weight });
    const op: fc.Arbitrary<Op> = fc.oneof(
      simple('put', 3), simple('get', 3), simple('putNowait', 1), simple('getNowait', 2), simple('turn', 2), simple('idle', 2),
      { arbitrary: fc.nat(20).map((which): Op => ({ kind: 'cancel', which })), weight: 2 },
    );
    const opsArb = fc.array(op, { maxLength: 60, size: 'max' });
    fc.assert(fc.property(fc.integer({ min: 0, max: 3 }), opsArb, (maxsize, ops) => {
      const loop = new VirtualTimeLoop();
      const q = new Queue<number>(maxsize, { loop });
      let next = 0;
      const puts: { item: number; f: Future<void> }[] = [];
      const gets: Future<number>[] = [];
      const direct: number[] = [];
      const added: number[] = [];
      // Whenever the loop is idle, nobody waits for an item that is there or
      // for a slot that is free (no lost wake-up), and only live waiters are listed.
      const checkIdle = () => {
        const pendingGets = gets.filter((f) => !f.done()).length;
        const pendingPuts = puts.filter(({ f }) => !f.done()).length;
        if (!q.empty()) expect(pendingGets).toBe(0);
        if (!q.full()) expect(pendingPuts).toBe(0);
        expect(q._getters.length).toBe(pendingGets);
        expect(q._putters.length).toBe(pendingPuts);
      };
      for (const o of ops) {
        if (o.kind === 'put') {
          const item = next++;
          puts.push({ item, f: q.put(item) });
        } else if (o.kind === 'get') {
          gets.push(q.get());
        } else if (o.kind === 'putNowait') {
          if (!q.full()) {
            q.putNowait(next);
            added.push(next);
          }
          next++;
        } else if (o.kind === 'getNowait') {
          if (!q.empty()) direct.push(q.getNowait());
        } else if (o.kind === 'turn') {
          loop._runOnce();
        } else if (o.kind === 'idle') {
          loop.runUntilIdle();
          checkIdle();
        } else if (o.kind === 'cancel') {
          const pending = [...puts.map(({ f }) => f), ...gets].filter((f) => !f.done());
          if (pending.length > 0) pending[o.which % pending.length]!.cancel();
        }
      }
      loop.runUntilIdle();
      checkIdle();
      for (const { item, f } of puts) if (f.done() && !f.cancelled()) added.push(item);
      const taken = [...direct, ...gets.filter((f) => f.done() && !f.cancelled()).map((f) => f.result())];
      const left: number[] = [];
      while (!q.empty()) left.push(q.getNowait());
      const sorted = (a: number[]) => [...a].sort((x, y) => x - y);
      expect(sorted([...taken, ...left])).toEqual(sorted(added));
      expect(new Set(taken).size).toBe(taken.length);
      expect(q._unfinishedTasks).toBe(added.length);
    }), { numRuns: 300 });
  });
});

describe('Queue: taskDone and join', () => {
  it('join is done at once when nothing was put', () => {
    const { q } = setup();
    const j = q.join();
    expect(j.done()).toBe(true);
    expect(j.result()).toBeUndefined();
  });

  it('join waits until taskDone was called for every item put, then resolves with undefined', () => {
    const t = new Turns();
    const q = new Queue<unknown>(0, { loop: t.loop });
    q.putNowait(1);
    q.putNowait(2);
    const j = t.spawn(joiner(t, q, 'J'));
    t.idle();
    q.getNowait();
    q.taskDone();
    t.note('taskDone');
    t.idle();
    q.getNowait();
    q.taskDone();
    t.note('taskDone');
    t.idle();
    expect(t.log).toEqual(['1:taskDone', '1:taskDone', '2:J joined']);
    expect(j.result()).toBeUndefined();
  });

  it('the future join returns resolves with undefined in the turn after the last taskDone', () => {
    const { loop, q } = setup();
    q.putNowait(1);
    const j = q.join();
    loop.runUntilIdle();
    expect(j.done()).toBe(false);
    q.getNowait();
    q.taskDone();
    loop._runOnce();
    expect(outcome(j)).toBe('ok undefined');
  });

  it('taskDone called more often than items were put throws a RangeError', () => {
    const { q } = setup();
    expect(() => q.taskDone()).toThrow(RangeError);
    q.putNowait(1);
    q.taskDone();
    expect(() => q.taskDone()).toThrow(/too many times/);
    expect(q._unfinishedTasks).toBe(0);
  });

  it('a join can be cancelled or aborted without releasing other joins', () => {
    const { loop, q } = setup();
    q.putNowait(1);
    const ac = new AbortController();
    const a = q.join({ signal: ac.signal });
    const b = q.join();
    const c = q.join();
    ac.abort();
    b.cancel();
    loop.runUntilIdle();
    expect([a, b, c].map(outcome)).toEqual(['cancelled', 'cancelled', 'pending']);
    q.getNowait();
    q.taskDone();
    loop.runUntilIdle();
    expect(outcome(c)).toBe('ok undefined');
  });

  it('an already aborted signal cancels even a join that need not wait; a non-signal is a TypeError', () => {
    const { loop, q } = setup();
    expectCancelledAtOnce(q.join({ signal: AbortSignal.abort('skip') }), 'skip');
    expectTypeErrorForNonSignals((signal) => q.join({ signal }));
    q.putNowait(1);
    expectCancelledAtOnce(q.join({ signal: AbortSignal.abort('skip') }), 'skip');
    loop.runUntilIdle();
    expect(q._joiners ?? []).toEqual([]);
    expect(q._unfinishedTasks).toBe(1);
  });

  it('a put after the count reached 0 makes later joins wait again', () => {
    const { loop, q } = setup();
    q.putNowait(1);
    q.getNowait();
    q.taskDone();
    expect(q.join().done()).toBe(true);
    q.putNowait(2);
    const j = q.join();
    loop.runUntilIdle();
    expect(j.done()).toBe(false);
  });
});

describe('Queue: shutdown (Python 3.13)', () => {
  it('wakes every waiting getter of an empty queue with QueueShutDown', () => {
    const t = new Turns();
    const q = new Queue<unknown>(0, { loop: t.loop });
    t.spawn(getter(t, q, 'A'));
    t.spawn(getter(t, q, 'B'));
    t.idle();
    q.shutdown();
    t.note(`shutdown ${state(q)}`);
    t.idle();
    expect(t.log).toEqual(['1:shutdown q=[] getters=0 putters=0 unfinished=0', '2:A shutdown', '2:B shutdown']);
  });

  it('puts fail with QueueShutDown; gets drain what is left, then fail', () => {
    const { loop, q } = setup();
    q.putNowait(1);
    q.putNowait(2);
    q.shutdown();
    expect(() => q.putNowait(3)).toThrow(QueueShutDown);
    const p = q.put(3);
    expect(p.done()).toBe(true);
    expect(() => p.result()).toThrow(QueueShutDown);
    expect(q.get().result()).toBe(1);
    expect(q.getNowait()).toBe(2);
    expect(() => q.getNowait()).toThrow(QueueShutDown);
    const g = q.get();
    expect(outcome(g)).toBe('QueueShutDown');
    expect(q._unfinishedTasks).toBe(2);
    loop.runUntilIdle();
  });

  it('releases waiting putters with QueueShutDown; their items are not added', () => {
    const t = new Turns();
    const q = new Queue<unknown>(1, { loop: t.loop });
    q.putNowait('a');
    t.spawn(putter(t, q, 'P', 'b'));
    t.spawn(putter(t, q, 'R', 'c'));
    t.idle();
    q.shutdown();
    t.note('shutdown');
    t.idle();
    t.note(state(q));
    expect(t.log).toEqual(['1:shutdown', '2:P shutdown', '2:R shutdown', '2:q=[a] getters=0 putters=0 unfinished=1']);
  });

  it('a put on a full queue that is shut down fails at once', () => {
    const { q } = setup(1);
    q.putNowait(1);
    q.shutdown();
    expect(outcome(q.put(2))).toBe('QueueShutDown');
    expect(q._putters.length).toBe(0);
  });

  it('a getter woken by a put before shutdown() still gets the item; the others fail', () => {
    const t = new Turns();
    const q = new Queue<unknown>(0, { loop: t.loop });
    t.spawn(getter(t, q, 'A'));
    t.spawn(getter(t, q, 'B'));
    t.idle();
    q.putNowait(1);
    q.shutdown();
    t.note('put 1, shutdown');
    t.idle();
    expect(t.log).toEqual(['1:put 1, shutdown', '2:A got 1', '2:B shutdown']);
  });

  it('immediate: empties the queue, lowers the unfinished count, fails getters and releases join', () => {
    const t = new Turns();
    const q = new Queue<unknown>(0, { loop: t.loop });
    for (let i = 0; i < 3; i++) q.putNowait(i);
    q.getNowait();
    q.taskDone();
    const j = t.spawn(joiner(t, q, 'J'));
    t.spawn(getter(t, q, 'A'));
    t.idle();
    t.spawn(getter(t, q, 'B'));
    q.shutdown(true);
    t.note(`shutdown immediate ${state(q)}`);
    t.idle();
    expect(t.log).toEqual(['1:A got 1', '1:shutdown immediate q=[] getters=0 putters=0 unfinished=1', '2:B shutdown']);
    // A took item 1 and has not called taskDone: join still waits for it.
    expect(j.done()).toBe(false);
    q.taskDone();
    t.idle();
    expect(t.log.at(-1)).toBe('3:J joined');
  });

  it('immediate: join waiting on items never taken is released', () => {
    const { loop, q } = setup();
    q.putNowait(1);
    q.putNowait(2);
    const j = q.join();
    q.shutdown(true);
    expect(q._unfinishedTasks).toBe(0);
    loop.runUntilIdle();
    expect(outcome(j)).toBe('ok undefined');
    expect(q.join().done()).toBe(true);
  });

  it('immediate: a getter woken by a put fails, because the item is gone', () => {
    const t = new Turns();
    const q = new Queue<unknown>(0, { loop: t.loop });
    t.spawn(getter(t, q, 'A'));
    t.idle();
    q.putNowait(1);
    q.shutdown(true);
    t.note('put 1, shutdown immediate');
    t.idle();
    t.note(state(q));
    expect(t.log).toEqual(['1:put 1, shutdown immediate', '2:A shutdown', '2:q=[] getters=0 putters=0 unfinished=0']);
  });

  it('immediate: waiting putters of a full queue fail even though there is room now', () => {
    const t = new Turns();
    const q = new Queue<unknown>(2, { loop: t.loop });
    q.putNowait('a');
    q.putNowait('b');
    t.spawn(putter(t, q, 'P', 'c'));
    t.idle();
    q.shutdown(true);
    t.note('shutdown immediate');
    t.idle();
    t.note(state(q));
    expect(t.log).toEqual(['1:shutdown immediate', '2:P shutdown', '2:q=[] getters=0 putters=0 unfinished=0']);
  });

  it('can be called again, also to go from normal to immediate', () => {
    const { q } = setup();
    q.putNowait(1);
    q.shutdown();
    q.shutdown(true);
    expect(q.qsize()).toBe(0);
    expect(q._unfinishedTasks).toBe(0);
    expect(() => q.getNowait()).toThrow(QueueShutDown);
  });

  it('rejects a non-boolean immediate with TypeError', () => {
    const { q } = setup();
    expect(() => q.shutdown(1 as unknown as boolean)).toThrow(TypeError);
    expect(q._isShutdown === true).toBe(false);
  });

  it('a cancelled getter is not woken by shutdown and ends cancelled', () => {
    const { loop, q } = setup();
    const a = q.get();
    const b = q.get();
    a.cancel();
    q.shutdown();
    loop.runUntilIdle();
    expect([a, b].map(outcome)).toEqual(['cancelled', 'QueueShutDown']);
  });
});

describe('Queue: async iteration', () => {
  it('for await gets every item in order and ends once the queue is shut down and drained', async () => {
    const { loop, q } = setup(2);
    const consumer = (async () => {
      const got: unknown[] = [];
      for await (const item of q) got.push(item);
      return got;
    })();
    const producer = (async () => {
      for (let i = 0; i < 6; i++) await q.put(i);
      q.shutdown();
    })();
    await loop.runUntilCompleteAsync(producer);
    expect(await loop.runUntilCompleteAsync(consumer)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('does not call taskDone: join still waits until the consumer does', async () => {
    const { loop, q } = setup();
    q.putNowait('a');
    q.putNowait('b');
    q.shutdown();
    const got: unknown[] = [];
    await loop.runUntilCompleteAsync((async () => { for await (const item of q) got.push(item); })());
    expect(got).toEqual(['a', 'b']);
    expect(q._unfinishedTasks).toBe(2);
    const j = q.join();
    q.taskDone();
    q.taskDone();
    await loop.runUntilCompleteAsync(j);
    expect(j.done()).toBe(true);
  });

  it('ends at once on an immediate shutdown, leaving the items behind unread', async () => {
    const { loop, q } = setup();
    const got: unknown[] = [];
    const consumer = (async () => {
      for await (const item of q) {
        got.push(item);
        q.putNowait(2);
        q.putNowait(3);
        q.shutdown(true);
      }
    })();
    q.putNowait(1);
    await loop.runUntilCompleteAsync(consumer);
    expect(got).toEqual([1]);
    expect(q.qsize()).toBe(0);
  });

  it('breaking out of the loop takes no further item', async () => {
    const { loop, q } = setup();
    for (let i = 0; i < 3; i++) q.putNowait(i);
    const first = await loop.runUntilCompleteAsync((async () => {
      for await (const item of q) return item;
      return undefined;
    })());
    expect(first).toBe(0);
    expect(items(q)).toEqual([1, 2]);
  });

  it('errors other than QueueShutDown come out of the loop', async () => {
    class Broken extends Queue<number> {
      protected override _get(): number {
        throw new Error('storage broke');
      }
    }
    const loop = new VirtualTimeLoop();
    const q = new Broken(0, { loop });
    q.putNowait(1);
    const run = (async () => { for await (const _ of q) { /* never reached */ } })();
    await expect(loop.runUntilCompleteAsync(run)).rejects.toThrow('storage broke');
  });
});
