import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Barrier, BrokenBarrierError, CancelledError, type Coroutine } from '../../src/index.js';
import { actor, isLoopAction, loopActions, runLoopAction, RUNS, SEQUENCE, TIME_LIMIT, World } from './harness.js';

// What happens between two arrivals: nothing, one loop turn, or run until idle.
const gap = fc.constantFrom('none' as const, 'step' as const, 'idle' as const);

describe('property: Barrier', () => {
  it('gives each trip the indices 0..parties-1 exactly once, in whatever order tasks arrive', () => {
    const scenario = fc.integer({ min: 1, max: 4 }).chain((parties) =>
      fc.integer({ min: 1, max: 3 }).chain((trips) =>
        fc.record({ parties: fc.constant(parties), gaps: fc.array(gap, { minLength: parties * trips, maxLength: parties * trips }) })));
    fc.assert(fc.property(scenario, ({ parties, gaps }) => {
      const w = new World<'wait'>();
      const barrier = new Barrier(parties, { loop: w.loop });
      const indices: number[] = [];
      gaps.forEach((g, n) => {
        // One actor per arrival.
        w.start(n, 'wait', function* () {
          indices.push(yield* barrier.wait());
        });
        if (g === 'step') w.step();
        else if (g === 'idle') w.idle();
      });
      w.idle();
      expect(w.pending()).toEqual([]);
      expect(indices.length).toBe(gaps.length);
      // Tasks of one trip all finish before any task of the next: each run of `parties` is a permutation.
      for (let t = 0; t < indices.length; t += parties) {
        expect([...indices.slice(t, t + parties)].sort()).toEqual([...Array(parties).keys()]);
      }
      expect(barrier.nWaiting).toBe(0);
    }), RUNS);
  }, TIME_LIMIT);

  it('never strands a task, and abort() releases everyone, under cancellation, reset() and abort()', () => {
    const action = fc.oneof(
      { arbitrary: fc.record({ t: fc.constant('wait' as const), a: actor }), weight: 4 },
      { arbitrary: fc.constant({ t: 'reset' as const }), weight: 1 },
      { arbitrary: fc.constant({ t: 'abort' as const }), weight: 1 },
      ...loopActions,
    );
    fc.assert(fc.property(fc.integer({ min: 1, max: 4 }), fc.array(action, SEQUENCE), (parties, actions) => {
      const w = new World<'wait'>();
      const barrier = new Barrier(parties, { loop: w.loop });
      const wait = function* (): Coroutine<void> {
        try {
          const index = yield* barrier.wait();
          expect(index).toBeGreaterThanOrEqual(0);
          expect(index).toBeLessThan(parties);
        } catch (e) {
          if (!(e instanceof BrokenBarrierError) && !(e instanceof CancelledError)) throw e;
        }
      };
      for (const act of actions) {
        if (isLoopAction(act)) {
          runLoopAction(w, act);
          continue;
        }
        if (act.t === 'wait') {
          w.start(act.a, 'wait', wait);
        } else {
          void barrier[act.t]();
        }
      }
      void barrier.abort();
      w.idle();
      expect(w.pending()).toEqual([]);
      expect(barrier.broken).toBe(true);
      expect(barrier._count).toBe(0);
    }), RUNS);
  }, TIME_LIMIT);
});
