import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Condition } from '../../src/index.js';
import { actor, ACTORS, isLoopAction, loopActions, runLoopAction, RUNS, SEQUENCE, TIME_LIMIT, World } from './harness.js';

const action = fc.oneof(
  { arbitrary: fc.record({ t: fc.constant('notify' as const), n: fc.integer({ min: 1, max: 3 }) }), weight: 3 },
  { arbitrary: fc.constant({ t: 'notifyAll' as const }), weight: 1 },
  // Cancelling waiters, notified or not, is the point here: twice the usual weight.
  { arbitrary: fc.record({ t: fc.constant('cancel' as const), a: actor }), weight: 2 },
  ...loopActions,
);

describe('property: Condition', () => {
  it('never loses a notification to a cancellation, and always gives the lock back', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: ACTORS }), fc.array(action, SEQUENCE), (waiters, actions) => {
      const w = new World<'wait' | 'notify'>();
      const cond = new Condition(undefined, { loop: w.loop });
      let returned = 0;
      let delivered = 0;
      const cancelled = new Set<number>();
      // Waiters inside wait().
      const blocked = new Set<number>();
      // Every waiter is waiting before the first notification and waits once.
      for (let a = 0; a < waiters; a++) {
        w.start(a, 'wait', function* () {
          yield* cond.acquire();
          blocked.add(a);
          try {
            yield* cond.wait();
            returned++;
          } finally {
            blocked.delete(a);
            cond.release();
          }
        });
      }
      w.idle();
      // Whenever nothing is ready, every notification has made a waiter
      // return, or went to one that was cancelled and passed it on. It may be
      // lost only when no other waiter was left to take it: then none is
      // still blocked now either.
      const settled = (): void => {
        const live = waiters - cancelled.size;
        expect(returned).toBeLessThanOrEqual(live);
        if (blocked.size > 0) expect(returned).toBeGreaterThanOrEqual(delivered);
        else expect(returned).toBeGreaterThanOrEqual(Math.min(delivered, live));
      };
      let notifier = ACTORS;
      for (const act of actions) {
        if (act.t === 'cancel' || act.t === 'race') {
          if (act.t === 'race') w.step();
          if (act.a < waiters && w.cancel(act.a)) cancelled.add(act.a);
          continue;
        }
        if (isLoopAction(act)) {
          runLoopAction(w, act);
          if (!w.loop._hasWork()) settled();
          continue;
        }
        w.start(notifier++, 'notify', function* () {
          yield* cond.acquire();
          try {
            // Each notification goes to a waiter still waiting, if there is one.
            const waiting = cond._waiters.filter((f) => !f.done()).length;
            const n = act.t === 'notify' ? act.n : waiting;
            delivered += Math.min(n, waiting);
            if (act.t === 'notify') cond.notify(n);
            else cond.notifyAll();
          } finally {
            cond.release();
          }
        });
      }
      w.idle();
      settled();
      w.finish();
      expect(cond.locked()).toBe(false);
      expect(cond._waiters).toEqual([]);
    }), RUNS);
  }, TIME_LIMIT);
});
