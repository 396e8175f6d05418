import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { VirtualTimeLoop } from '../src/testing.js';
import type { TimerHandle } from '../src/index.js';

/** One step of a timer program: schedule at a deadline, cancel a scheduled timer, or move time. */
type Op = { t: 'at'; when: number } | { t: 'cancel'; pick: number } | { t: 'advance'; ms: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ t: fc.constant('at' as const), when: fc.integer({ min: 0, max: 200 }) }), weight: 4 },
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

describe('timer heap (cancelled timers leave it at once)', () => {
  it('runs exactly the timers not cancelled, by deadline then scheduling order, and holds only those pending', () => {
    fc.assert(fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
      const loop = new VirtualTimeLoop();
      const ran: number[] = [];
      const scheduled: { id: number; when: number; handle: TimerHandle }[] = [];
      const cancelled = new Set<number>();
      for (const o of ops) {
        if (o.t === 'at') {
          const id = scheduled.length;
          const when = loop.time() + o.when;
          scheduled.push({ id, when, handle: loop.callAt(when, () => ran.push(id)) });
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
