import { describe, expect, it } from 'vitest';
import type { TimerEntry } from '../src/contract/loop.js';
import fc from 'fast-check';
import { VirtualTimeLoop } from '../src/testing.js';
import { sleep, type Future, type TimerHandle } from '../src/index.js';

/**
 * One step of a timer program: schedule at a deadline (a TimerHandle, or an
 * entry of its own through the loop's EntryTimers hook), cancel a scheduled
 * timer, or move time.
 */
type Op = { t: 'at'; when: number; entry: boolean } | { t: 'cancel'; pick: number } | { t: 'advance'; ms: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ t: fc.constant('at' as const), when: fc.integer({ min: 0, max: 200 }), entry: fc.boolean() }), weight: 4 },
  { arbitrary: fc.record({ t: fc.constant('cancel' as const), pick: fc.nat() }), weight: 3 },
  { arbitrary: fc.record({ t: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 20 }) }), weight: 1 },
);

/** Places where the heap breaks its order (a handle earlier than its parent) or a handle has a wrong index. */
function heapViolations(loop: VirtualTimeLoop): string[] {
  const heap = loop._timers._heap;
  const out: string[] = [];
  heap.forEach((h, i) => {
    if (h._index !== i) out.push(`handle at ${i} says ${h._index}`);
    const p = heap[(i - 1) >> 1]!;
    if (i > 0 && (h._when < p._when || (h._when === p._when && h._seq < p._seq))) out.push(`handle at ${i} is earlier than its parent`);
  });
  return out;
}

/** A timer that is its own heap entry, as a waitFor's time limit is; cancelled as its owner does it. */
function entryTimer(loop: VirtualTimeLoop, when: number, expire: () => void): { cancel(): void } {
  const entry: TimerEntry = { _when: when, _expire: expire };
  loop._expireAt(entry);
  return { cancel: () => { if (entry._index! >= 0) loop._expireCancel(entry); } };
}

describe('timer heap (cancelled timers leave it at once)', () => {
  it('runs exactly the timers and entries not cancelled, by deadline then scheduling order, and holds only those pending', () => {
    fc.assert(fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
      const loop = new VirtualTimeLoop();
      const ran: number[] = [];
      const scheduled: { id: number; when: number; handle: { cancel(): void } }[] = [];
      const cancelled = new Set<number>();
      for (const o of ops) {
        if (o.t === 'at') {
          const id = scheduled.length;
          const when = loop.time() + o.when;
          const run = (): void => { ran.push(id); };
          scheduled.push({ id, when, handle: o.entry ? entryTimer(loop, when, run) : loop.callAt(when, run) });
        } else if (o.t === 'cancel') {
          // Mostly a pending timer; now and then one that ran or was cancelled already.
          const pending = scheduled.filter((s) => !ran.includes(s.id) && !cancelled.has(s.id));
          const from = pending.length > 0 && o.pick % 8 !== 0 ? pending : scheduled;
          const s = from[o.pick % Math.max(from.length, 1)];
          if (s !== undefined) {
            s.handle.cancel();
            if (!ran.includes(s.id)) cancelled.add(s.id);
          }
        } else if (o.t === 'advance') {
          loop.advance(o.ms);
        }
        const pending = scheduled.filter((s) => !ran.includes(s.id) && !cancelled.has(s.id));
        expect(heapViolations(loop)).toEqual([]);
        expect(loop._timers.size).toBe(pending.length);
        expect(loop._timers.nextWhen()).toBe(pending.length === 0 ? undefined : Math.min(...pending.map((s) => s.when)));
      }
      loop.advance(1000);
      const expected = scheduled.filter((s) => !cancelled.has(s.id))
        .sort((a, b) => a.when - b.when || a.id - b.id)
        .map((s) => s.id);
      // Every timer ran at or after its deadline; those due in one advance() ran in heap order.
      expect([...ran].sort((a, b) => a - b)).toEqual([...expected].sort((a, b) => a - b));
      const order = (id: number): [number, number] => [scheduled[id]!.when, id];
      for (let i = 1; i < ran.length; i++) {
        const [w0, s0] = order(ran[i - 1]!), [w1, s1] = order(ran[i]!);
        expect(w0 < w1 || (w0 === w1 && s0 < s1)).toBe(true);
      }
      expect(loop._timers.size).toBe(0);
    }), { numRuns: 500 });
  });

  it('moves the handle that takes a cancelled one\'s place up when it is earlier than the new parent', () => {
    const loop = new VirtualTimeLoop();
    const ran: number[] = [];
    // Heap [1, 50, 2, 60, 70, 3, 4]: cancelling 60 moves 4 under 50, where it must rise.
    const handles = new Map([1, 50, 2, 60, 70, 3, 4].map((when) => [when, loop.callAt(when, () => ran.push(when))]));
    handles.get(60)!.cancel();
    expect(heapViolations(loop)).toEqual([]);
    loop.advance(100);
    expect(ran).toEqual([1, 2, 3, 4, 50, 70]);
  });

  it('keeps a cancelled handle out of the heap while an earlier timer stays pending', () => {
    const loop = new VirtualTimeLoop();
    loop.callLater(10, () => {});
    for (let i = 0; i < 1000; i++) loop.callLater(20 + (i % 7), () => {}).cancel();
    expect(loop._timers.size).toBe(1);
  });
});

/** A step of a program of timers and sleeps: schedule either, cancel or complete one by hand, or move time. */
type MixedOp =
  | { t: 'at'; when: number } | { t: 'sleep'; ms: number } | { t: 'cancel'; pick: number }
  | { t: 'set'; pick: number } | { t: 'advance'; ms: number };

const mixedOp: fc.Arbitrary<MixedOp> = fc.oneof(
  { arbitrary: fc.record({ t: fc.constant('at' as const), when: fc.integer({ min: 0, max: 100 }) }), weight: 3 },
  { arbitrary: fc.record({ t: fc.constant('sleep' as const), ms: fc.integer({ min: 1, max: 100 }) }), weight: 3 },
  { arbitrary: fc.record({ t: fc.constant('cancel' as const), pick: fc.nat() }), weight: 3 },
  { arbitrary: fc.record({ t: fc.constant('set' as const), pick: fc.nat() }), weight: 1 },
  { arbitrary: fc.record({ t: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 20 }) }), weight: 1 },
);

/** Places where the heap of sleeps breaks its order, or its count of done futures is wrong. */
function futureHeapViolations(loop: VirtualTimeLoop): string[] {
  const { _futures: heap, _done: done = 0 } = loop._timers;
  const out: string[] = [];
  heap.forEach((f, i) => {
    const p = heap[(i - 1) >> 1]!;
    if (i > 0 && (f._when < p._when || (f._when === p._when && f._seq < p._seq))) out.push(`future at ${i} is earlier than its parent`);
  });
  const actual = heap.filter((f) => f.done()).length;
  if (actual !== done) out.push(`${actual} done futures in the heap, counted ${done}`);
  return out;
}

describe('timer heap with sleeps (a sleep is its own entry; done ones leave lazily)', () => {
  it('runs timers and sleeps together by deadline then scheduling order, and counts only the live ones', () => {
    fc.assert(fc.property(fc.array(mixedOp, { maxLength: 300 }), (ops) => {
      const loop = new VirtualTimeLoop();
      type Entry = { id: number; when: number; handle?: TimerHandle; sleep?: Future<number> };
      const entries: Entry[] = [];
      const before = (a: Entry, b: Entry): boolean => a.when < b.when || (a.when === b.when && a.id < b.id);
      const ranTimers = new Set<number>();
      const cancelled = new Set<number>();
      const byHand = new Set<number>();
      const sleepOrder: number[] = [];
      const problems: string[] = [];
      const live = (e: Entry): boolean => (e.sleep ? !e.sleep.done() : !ranTimers.has(e.id) && !cancelled.has(e.id));
      for (const o of ops) {
        if (o.t === 'at') {
          const e: Entry = { id: entries.length, when: loop.time() + o.when };
          e.handle = loop.callAt(e.when, () => {
            ranTimers.add(e.id);
            // Every sleep that comes before this timer has run, none after it has.
            for (const s of entries) {
              if (s.sleep && !cancelled.has(s.id) && !byHand.has(s.id) && s.sleep.done() !== before(s, e)) {
                problems.push(`timer ${e.id} ran with sleep ${s.id} ${s.sleep.done() ? 'done' : 'pending'}`);
              }
            }
          });
          entries.push(e);
        } else if (o.t === 'sleep') {
          const e: Entry = { id: entries.length, when: loop.time() + o.ms };
          e.sleep = sleep(o.ms, e.id, { loop });
          e.sleep.addDoneCallback((f) => { if (!f.cancelled() && !byHand.has(e.id)) sleepOrder.push(f.result()); });
          entries.push(e);
        } else if (o.t === 'cancel' || o.t === 'set') {
          // Mostly a live one; now and then one that ran or ended already.
          const pool = o.t === 'set' ? entries.filter((e) => e.sleep) : entries;
          const alive = pool.filter(live);
          const from = alive.length > 0 && o.pick % 8 !== 0 ? alive : pool;
          const e = from[o.pick % Math.max(from.length, 1)];
          if (e !== undefined && o.t === 'cancel') {
            const wasLive = live(e);
            if (e.sleep) e.sleep.cancel();
            else e.handle!.cancel();
            if (wasLive) cancelled.add(e.id);
          } else if (e?.sleep && !e.sleep.done()) {
            e.sleep.setResult(-1);
            byHand.add(e.id);
          }
        } else {
          loop.advance(o.ms);
        }
        const pending = entries.filter(live);
        expect(futureHeapViolations(loop)).toEqual([]);
        expect(loop._timers.size).toBe(pending.length);
        expect(loop._timers.nextWhen()).toBe(pending.length === 0 ? undefined : Math.min(...pending.map((e) => e.when)));
      }
      loop.advance(200);
      expect(problems).toEqual([]);
      const sleeps = entries.filter((e) => e.sleep && !cancelled.has(e.id) && !byHand.has(e.id));
      expect(sleepOrder).toEqual([...sleeps].sort((a, b) => (before(a, b) ? -1 : 1)).map((e) => e.id));
      for (const e of entries) {
        if (e.sleep) expect(e.sleep.cancelled()).toBe(cancelled.has(e.id));
      }
      expect(loop._timers.size).toBe(0);
      expect(loop._timers._futures.length).toBe(0);
    }), { numRuns: 300 });
  });

  it('keeps cancelled sleeps at most as many as live ones while an earlier sleep stays pending', () => {
    const loop = new VirtualTimeLoop();
    sleep(10, undefined, { loop });
    let most = 0;
    for (let i = 0; i < 1000; i++) {
      sleep(20 + (i % 7), undefined, { loop }).cancel();
      most = Math.max(most, loop._timers._futures.length);
    }
    expect(loop._timers.size).toBe(1);
    expect(most).toBeLessThanOrEqual(2);
  });
});

/** A step of a program of all three kinds of timers: a TimerHandle, a timer entry (EntryTimers), a sleep; cancel one; move time. */
type KindOp = { t: 'handle' | 'entry' | 'sleep'; ms: number } | { t: 'cancel'; pick: number } | { t: 'advance'; ms: number };

const kindOp: fc.Arbitrary<KindOp> = fc.oneof(
  { arbitrary: fc.record({ t: fc.constantFrom('handle' as const, 'entry' as const, 'sleep' as const), ms: fc.integer({ min: 1, max: 100 }) }), weight: 6 },
  { arbitrary: fc.record({ t: fc.constant('cancel' as const), pick: fc.nat() }), weight: 4 },
  { arbitrary: fc.record({ t: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 30 }) }), weight: 1 },
);

/**
 * A loop whose host is armed as precisely as a loop may be: for the earliest
 * live deadline whenever the test says (after a cancel, after its turns),
 * and no later than the earliest live deadline when `_hostWake()` is called.
 */
class ArmedLoop extends VirtualTimeLoop {
  armed = Infinity;

  /** The earliest live deadline, read without touching the heaps (nextWhen() drops done sleeps). */
  liveMin(): number {
    const whens = [...this._timers._heap.map((t) => t._when), ...this._timers._futures.filter((f) => !f.done()).map((f) => f._when)];
    return Math.min(Infinity, ...whens);
  }

  protected override _hostWake(): void {
    this.armed = Math.min(this.armed, this.liveMin());
  }
}

describe('timer heap: handles, entries and sleeps together', () => {
  it('run by deadline then scheduling order whatever their kind, and the host is woken for every new earliest live deadline', () => {
    fc.assert(fc.property(fc.array(kindOp, { maxLength: 200 }), (ops) => {
      const loop = new ArmedLoop();
      type Timer = { id: number; when: number; cancel(): void; sleep?: Future<number> };
      const timers: Timer[] = [];
      const ran: number[] = [];
      const cancelled = new Set<number>();
      const problems: string[] = [];
      const before = (a: Timer, b: Timer): boolean => a.when < b.when || (a.when === b.when && a.id < b.id);
      const live = (t: Timer): boolean => !cancelled.has(t.id) && (t.sleep ? !t.sleep.done() : !ran.includes(t.id));
      /** A handle or entry runs: the sleeps before it are done, those after it are not. */
      const run = (me: Timer): void => {
        ran.push(me.id);
        for (const s of timers) {
          if (s.sleep && !cancelled.has(s.id) && s.sleep.done() !== before(s, me)) problems.push(`${me.id} ran with sleep ${s.id} done: ${s.sleep.done()}`);
        }
      };
      for (const o of ops) {
        if (o.t === 'cancel') {
          const alive = timers.filter(live);
          const t = alive[o.pick % Math.max(alive.length, 1)];
          if (t !== undefined) {
            t.cancel();
            cancelled.add(t.id);
          }
          // A precise host re-arms for what is left.
          loop.armed = loop.liveMin();
        } else if (o.t === 'advance') {
          loop.advance(o.ms);
          loop.armed = loop.liveMin();
        } else {
          const t: Timer = { id: timers.length, when: loop.time() + o.ms, cancel: () => {} };
          timers.push(t);
          if (o.t === 'handle') {
            const h = loop.callAt(t.when, () => run(t));
            t.cancel = () => h.cancel();
          } else if (o.t === 'entry') {
            const entry: TimerEntry = { _when: t.when, _expire: () => run(t) };
            loop._expireAt(entry);
            t.cancel = () => loop._expireCancel(entry);
          } else {
            const s = sleep(o.ms, t.id, { loop });
            t.sleep = s;
            t.cancel = () => s.cancel();
          }
          expect(loop.armed).toBeLessThanOrEqual(loop.liveMin());
        }
      }
      loop.advance(200);
      expect(problems).toEqual([]);
      const expected = timers.filter((t) => !t.sleep && !cancelled.has(t.id)).sort((a, b) => (before(a, b) ? -1 : 1)).map((t) => t.id);
      expect(ran).toEqual(expected);
      expect(loop._timers.size).toBe(0);
    }), { numRuns: 300 });
  });
});
