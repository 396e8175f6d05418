import { describe, expect, it } from 'vitest';
import { Future, Task, ensureFuture, sleep } from '../src/index.js';
import { VirtualTimeLoop } from '../src/testing.js';

describe('ensureFuture', () => {
  it('returns a Future as it is; refuses one of another loop than options.loop', () => {
    const loop = new VirtualTimeLoop();
    const f = new Future<number>({ loop });
    expect(ensureFuture(f)).toBe(f);
    expect(ensureFuture(f, { loop })).toBe(f);
    expect(() => ensureFuture(f, { loop: new VirtualTimeLoop() })).toThrow(/different loop/);
  });

  it('wraps a coroutine in a Task on the given loop', () => {
    const loop = new VirtualTimeLoop();
    const t = ensureFuture((function* () { yield* sleep(1); return 'c'; })(), { loop });
    expect(t).toBeInstanceOf(Task);
    expect(loop.runUntilComplete(t)).toBe('c');
  });

  it('wraps a PromiseLike in a Future', async () => {
    const loop = new VirtualTimeLoop();
    const f = ensureFuture(Promise.resolve('p'), { loop });
    expect(f).toBeInstanceOf(Future);
    expect(await loop.runUntilCompleteAsync(f)).toBe('p');
  });

  it('rejects anything else with a TypeError', () => {
    const loop = new VirtualTimeLoop();
    expect(() => ensureFuture(42 as never, { loop })).toThrow(TypeError);
    expect(() => ensureFuture(null as never, { loop })).toThrow(TypeError);
    expect(() => ensureFuture((() => 1) as never, { loop })).toThrow(TypeError);
  });
});
