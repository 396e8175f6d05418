import { getHeapStatistics } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { createTask, timeout, TimeoutError, waitFor, type Coroutine } from '../src/index.js';
import { VirtualTimeLoop } from '../src/testing.js';

// A device loop runs for months: waiting again and again, with a timeout, on
// a promise that stays pending must not leave anything behind per wait.
// (XS: bench/budgets.json, "timeout waits on a promise that stays pending".)

const WAITS = 100_000;

/** A task on `loop` that waits `n` times for `never` with a 1 ms timeout, in a timeout() scope or through waitFor. */
function waiter(loop: VirtualTimeLoop, never: PromiseLike<unknown>, n: number, how: 'timeout' | 'waitFor'): Coroutine<number> {
  return (function* () {
    let expired = 0;
    for (let i = 0; i < n; i++) {
      try {
        if (how === 'timeout') yield* timeout(1, function* () { yield never; }, { loop });
        else yield* waitFor(never, 1, { loop });
      } catch (e) {
        if (!(e instanceof TimeoutError)) throw e;
        expired++;
      }
    }
    return expired;
  })();
}

function usedHeapAfterGc(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc !== 'function') throw new Error('tests must run with --expose-gc');
  gc();
  gc();
  return getHeapStatistics().used_heap_size;
}

describe('no growth across waits with a timeout on a promise that stays pending', () => {
  for (const how of ['timeout', 'waitFor'] as const) {
    it(`${how}: the promise gets one reaction, however many waits`, () => {
      const loop = new VirtualTimeLoop();
      let reactions = 0;
      const never: PromiseLike<never> = {
        then() {
          reactions++;
          return this as never;
        },
      };
      expect(loop.runUntilComplete(createTask(waiter(loop, never, 1000, how), { loop }))).toBe(1000);
      expect(reactions).toBe(1);
    });

    it(`${how}: V8's heap is flat after ${WAITS.toLocaleString('en-US')} waits`, () => {
      const loop = new VirtualTimeLoop();
      const never = new Promise<never>(() => {});
      loop.runUntilComplete(createTask(waiter(loop, never, 1000, how), { loop }));
      const before = usedHeapAfterGc();
      expect(loop.runUntilComplete(createTask(waiter(loop, never, WAITS, how), { loop }))).toBe(WAITS);
      const grown = usedHeapAfterGc() - before;
      // Retaining each wait cost 1-3 KB: 100-300 MB here. What is left is
      // V8's own bookkeeping, which moves by a few hundred KB either way.
      expect(grown).toBeLessThan(5_000_000);
    }, 60_000);
  }
});
