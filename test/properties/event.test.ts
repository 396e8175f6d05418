import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Event } from '../../src/index.js';
import { actor, isLoopAction, loopActions, runLoopAction, RUNS, SEQUENCE, TIME_LIMIT, World } from './harness.js';

const action = fc.oneof(
  { arbitrary: fc.record({ t: fc.constant('wait' as const), a: actor }), weight: 3 },
  { arbitrary: fc.constant({ t: 'set' as const }), weight: 1 },
  { arbitrary: fc.constant({ t: 'clear' as const }), weight: 1 },
  ...loopActions,
);

describe('property: Event', () => {
  it('wakes every waiter exactly once, even when cleared right after set', () => {
    fc.assert(fc.property(fc.array(action, SEQUENCE), (actions) => {
      const w = new World<'wait'>();
      const ev = new Event({ loop: w.loop });
      let nextId = 0;
      const woken = new Map<number, number>();
      // Each wait has an id; `actorOf` holds those whose task has not ended,
      // `waiting` those inside ev.wait(), `released` those a set() released.
      const actorOf = new Map<number, number>();
      const waiting = new Set<number>();
      const released = new Set<number>();
      const cancelled = new Set<number>();
      for (const act of actions) {
        if (isLoopAction(act)) {
          runLoopAction(w, act);
          if (act.t === 'cancel' || act.t === 'race') {
            for (const [id, a] of actorOf) if (a === act.a) cancelled.add(id);
          } else if (act.t === 'idle') {
            // A set() released them, so a clear() since cannot hold them back.
            for (const id of released) if (!cancelled.has(id)) expect(woken.get(id)).toBe(1);
          }
          continue;
        }
        if (act.t === 'wait') {
          const id = nextId;
          const a = act.a;
          if (w.start(a, 'wait', function* () {
            try {
              waiting.add(id);
              yield* ev.wait();
              woken.set(id, (woken.get(id) ?? 0) + 1);
            } finally {
              waiting.delete(id);
              actorOf.delete(id);
            }
          })) {
            nextId++;
            actorOf.set(id, a);
          }
        } else if (act.t === 'set') {
          if (!ev.isSet()) for (const id of waiting) released.add(id);
          ev.set();
        } else {
          ev.clear();
        }
      }
      ev.set();
      w.idle();
      expect(w.pending()).toEqual([]);
      for (const n of woken.values()) expect(n).toBe(1);
      for (let id = 0; id < nextId; id++) {
        if (!cancelled.has(id)) expect(woken.get(id)).toBe(1);
      }
    }), RUNS);
  }, TIME_LIMIT);
});
