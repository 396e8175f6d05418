import { describe, expect, it } from 'vitest';
import { CancelledError, Future, createTask, setEventLoop, shield, sleep } from '../src/index.js';
import { VirtualTimeLoop } from '../src/testing.js';

describe('shield', () => {
  // asyncio: the waiter is cancelled at once; the shielded task finishes later with its result.
  it('a task cancelled while waiting on a shield gets CancelledError; the shielded work goes on', () => {
    const loop = new VirtualTimeLoop();
    const log: unknown[] = [];
    const inner = createTask(function* () { yield* sleep(3); log.push(['inner done', loop.time()]); return 's'; }, { loop });
    const waiter = createTask(function* () {
      try {
        return yield* shield(inner);
      } catch (e) {
        log.push(['waiter', (e as Error).name, loop.time()]);
        throw e;
      }
    }, { loop });
    loop.advance(1);
    waiter.cancel();
    loop.advance(5);
    expect(log).toEqual([['waiter', 'CancelledError', 1], ['inner done', 3]]);
    expect(waiter.cancelled()).toBe(true);
    expect(inner.result()).toBe('s');
  });

  it('follows the result or the error of what it shields', () => {
    const loop = new VirtualTimeLoop();
    const ok = shield(sleep(2, 'v', { loop }));
    const inner = new Future<number>({ loop });
    const bad = shield(inner);
    inner.setException(new RangeError('bad'));
    loop.advance(2);
    expect(ok.result()).toBe('v');
    expect(bad.exception()).toBeInstanceOf(RangeError);
  });

  it('cancelling the shielded future itself cancels the shield', () => {
    const loop = new VirtualTimeLoop();
    const inner = new Future<number>({ loop });
    const outer = shield(inner);
    inner.cancel();
    loop.runUntilIdle();
    expect(outer.cancelled()).toBe(true);
  });

  it('returns a future that is already done as it is; wraps coroutines in a task', () => {
    const loop = new VirtualTimeLoop();
    const done = new Future<number>({ loop });
    done.setResult(1);
    expect(shield(done)).toBe(done);
    setEventLoop(loop);
    try {
      const s = shield((function* () { yield* sleep(1); return 'coro'; })());
      expect(loop.runUntilComplete(s)).toBe('coro');
    } finally {
      setEventLoop(null);
    }
  });

  it('a cancelled shield stops following the inner future', () => {
    const loop = new VirtualTimeLoop();
    const inner = new Future<number>({ loop });
    const outer = shield(inner);
    outer.cancel();
    loop.runUntilIdle();
    expect(inner._callbacks ?? null).toBeNull();
    expect(() => outer.result()).toThrow(CancelledError);
    inner.setException(new Error('later'));
    loop.runUntilIdle();
    expect(outer.cancelled()).toBe(true);
  });
});
