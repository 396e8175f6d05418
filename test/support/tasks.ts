import { sleep, type Coroutine } from '../../src/index.js';
import { VirtualTimeLoop } from '../../src/testing.js';

/** The error `fn` throws (fails the test when it does not throw). */
export function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a throw');
}

/**
 * A VirtualTimeLoop, a log, and `worker(name, ms, fail?)`: a coroutine that
 * sleeps `ms`, then returns its name or throws RangeError(name), logging
 * `['done' | 'cancelled', name, time]`.
 */
export function workers() {
  const loop = new VirtualTimeLoop();
  const log: unknown[] = [];
  function* worker(name: string, ms: number, fail = false): Coroutine<string> {
    try {
      yield* sleep(ms);
    } catch (e) {
      log.push(['cancelled', name, loop.time()]);
      throw e;
    }
    if (fail) throw new RangeError(name);
    log.push(['done', name, loop.time()]);
    return name;
  }
  return { loop, log, worker };
}

/** How many wait on an Event (or any primitive), as its asyncio repr says. */
export function waiting(primitive: { toString(): string }): number {
  return Number(/waiters:(\d+)/.exec(String(primitive))?.[1] ?? 0);
}
