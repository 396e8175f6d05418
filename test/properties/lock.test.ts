import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Lock } from '../../src/index.js';
import { acquireReleaseAction, isLoopAction, runLoopAction, RUNS, SEQUENCE, TIME_LIMIT, World } from './harness.js';

describe('property: Lock', () => {
  it('is never held by two, is locked exactly while held, and is never left free with a live waiter', () => {
    fc.assert(fc.property(fc.array(acquireReleaseAction, SEQUENCE), (actions) => {
      const w = new World<'acquire'>();
      const lock = new Lock({ loop: w.loop });
      const holders = new Set<number>();
      const check = (): void => {
        expect(holders.size).toBeLessThanOrEqual(1);
        expect(lock.locked()).toBe(holders.size === 1);
      };
      for (const act of actions) {
        if (isLoopAction(act)) {
          runLoopAction(w, act);
        } else if (act.t === 'acquire') {
          if (!holders.has(act.a)) {
            const a = act.a;
            w.start(a, 'acquire', function* () {
              yield* lock.acquire();
              holders.add(a);
            });
          }
        } else if (holders.delete(act.a)) {
          lock.release();
        }
        check();
        if (!w.loop._hasWork() && !lock.locked()) expect(w.pending()).toEqual([]);
      }
      w.finish();
      check();
      for (const a of holders) {
        holders.delete(a);
        lock.release();
      }
      expect(lock.locked()).toBe(false);
    }), RUNS);
  }, TIME_LIMIT);
});
