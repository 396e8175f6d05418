import { describe, expect, it } from 'vitest';
import { CancelledError, createTask, delegate, sleep, type Coroutine } from '../src/index.js';
import { VirtualTimeLoop } from '../src/testing.js';

describe('delegate(): yield* a coroutine as a level of the task', () => {
  it('gives the value and the exception of the coroutine, as yield* does', () => {
    const loop = new VirtualTimeLoop();
    function* inner(fail: boolean): Coroutine<number> {
      yield* sleep(5, undefined, { loop });
      if (fail) throw new RangeError('inner failed');
      return 7;
    }
    const task = createTask(function* () {
      const value = yield* delegate(inner(false));
      try {
        yield* delegate(inner(true));
      } catch (e) {
        return [value, (e as Error).message, loop.time()];
      }
      return null;
    }(), { loop });
    expect(loop.runUntilComplete(task)).toEqual([7, 'inner failed', 10]);
  });

  it('lands a cancel where the innermost level waits; finally blocks run innermost first', () => {
    const loop = new VirtualTimeLoop();
    const order: string[] = [];
    function* level(n: number): Coroutine<void> {
      try {
        if (n === 0) yield* sleep(100, undefined, { loop });
        else yield* delegate(level(n - 1));
      } finally {
        order.push(`finally ${n}`);
      }
    }
    const task = createTask(level(3), { loop });
    loop.callLater(10, () => task.cancel('stop'));
    expect(() => loop.runUntilComplete(task)).toThrow(CancelledError);
    expect(order).toEqual(['finally 0', 'finally 1', 'finally 2', 'finally 3']);
    expect(loop.time()).toBe(10);
  });

  it('resumes 10,000 nested levels, where plain yield* overflows the V8 stack: a level is not resumed through the ones above it', () => {
    const loop = new VirtualTimeLoop();
    function* nest(n: number): Coroutine<number> {
      if (n === 0) {
        yield* sleep(1, undefined, { loop });
        return 0;
      }
      return 1 + (yield* delegate(nest(n - 1)));
    }
    expect(loop.runUntilComplete(createTask(nest(10_000), { loop }))).toBe(10_000);
  });

  it('refuses what is not a coroutine with a TypeError', () => {
    expect(() => delegate((() => 1) as unknown as Coroutine<number>)).toThrow(TypeError);
    expect(() => delegate(null as unknown as Coroutine<number>)).toThrow(/delegate\(\) needs a coroutine/);
  });
});
