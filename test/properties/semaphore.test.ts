import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BoundedSemaphore, Semaphore } from '../../src/index.js';
import { acquireReleaseAction, isLoopAction, runLoopAction, RUNS, SEQUENCE, TIME_LIMIT, World } from './harness.js';

describe('property: Semaphore and BoundedSemaphore', () => {
  it('keep value + units held = initial value, and never leave a unit free with a live waiter', () => {
    fc.assert(fc.property(fc.boolean(), fc.nat(3), fc.array(acquireReleaseAction, SEQUENCE), (bounded, initial, actions) => {
      const w = new World<'acquire'>();
      const sem = bounded ? new BoundedSemaphore(initial, { loop: w.loop }) : new Semaphore(initial, { loop: w.loop });
      // Units each actor holds; an actor may hold several.
      const held = new Map<number, number>();
      const total = (): number => [...held.values()].reduce((s, n) => s + n, 0);
      const quiescent = (): void => {
        // When nothing is ready, no unit is in flight to a woken waiter.
        expect(sem._value + total()).toBe(initial);
        expect(sem._value).toBeGreaterThanOrEqual(0);
        if (sem._value > 0) expect(w.pending()).toEqual([]);
      };
      for (const act of actions) {
        if (isLoopAction(act)) {
          runLoopAction(w, act);
        } else if (act.t === 'acquire') {
          const a = act.a;
          w.start(a, 'acquire', function* () {
            yield* sem.acquire();
            held.set(a, (held.get(a) ?? 0) + 1);
          });
        } else {
          const n = held.get(act.a) ?? 0;
          if (n > 0) {
            held.set(act.a, n - 1);
            sem.release();
          }
        }
        expect(sem._value + total()).toBeLessThanOrEqual(initial);
        if (!w.loop._hasWork()) quiescent();
      }
      w.finish();
      quiescent();
      for (const [a, n] of held) {
        for (let i = 0; i < n; i++) sem.release();
        held.delete(a);
      }
      expect(sem._value).toBe(initial);
      expect(sem.locked()).toBe(initial === 0);
    }), RUNS);
  }, TIME_LIMIT);
});
