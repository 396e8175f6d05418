import { describe, expect, it, vi } from 'vitest';
import { CancelledError, Future, InvalidStateError, getEventLoop, setEventLoop } from '../src/index.js';
import { VirtualTimeLoop } from '../src/testing.js';

function setup() {
  const loop = new VirtualTimeLoop();
  return { loop, fut: new Future<number>({ loop }) };
}

describe('Future', () => {
  it('starts pending: result() and exception() throw InvalidStateError', () => {
    const { fut } = setup();
    expect(fut.done()).toBe(false);
    expect(fut.cancelled()).toBe(false);
    expect(() => fut.result()).toThrow(InvalidStateError);
    expect(() => fut.exception()).toThrow(InvalidStateError);
  });

  it('setResult makes it done with that result and no exception', () => {
    const { fut } = setup();
    fut.setResult(7);
    expect(fut.done()).toBe(true);
    expect(fut.result()).toBe(7);
    expect(fut.exception()).toBeNull();
  });

  it('setException makes result() throw it and exception() return it', () => {
    const { fut } = setup();
    const err = new Error('boom');
    fut.setException(err);
    expect(() => fut.result()).toThrow(err);
    expect(fut.exception()).toBe(err);
  });

  it('refuses a second completion with InvalidStateError', () => {
    const { fut } = setup();
    fut.setResult(1);
    expect(() => fut.setResult(2)).toThrow(InvalidStateError);
    expect(() => fut.setException(new Error('x'))).toThrow(InvalidStateError);
    expect(fut.result()).toBe(1);
  });

  it('refuses a CancelledError as an exception (cancel() is the way)', () => {
    const { fut } = setup();
    expect(() => fut.setException(new CancelledError())).toThrow(TypeError);
    expect(fut.done()).toBe(false);
  });

  it('cancel(msg) is true once, then false; the message travels in CancelledError', () => {
    const { fut } = setup();
    expect(fut.cancel('stop it')).toBe(true);
    expect(fut.cancel('again')).toBe(false);
    expect(fut.cancelled()).toBe(true);
    expect(() => fut.result()).toThrow(CancelledError);
    const err = (() => { try { fut.result(); } catch (e) { return e as CancelledError; } })();
    expect(err?.message).toBe('stop it');
    expect(() => fut.exception()).toThrow(CancelledError);
  });

  it('cancel() of a done future is false', () => {
    const { fut } = setup();
    fut.setResult(1);
    expect(fut.cancel()).toBe(false);
    expect(fut.result()).toBe(1);
  });

  it('runs done callbacks through callSoon, in registration order, with the future', () => {
    const { loop, fut } = setup();
    const seen: string[] = [];
    fut.addDoneCallback((f) => seen.push(`a${f.result()}`));
    fut.addDoneCallback((f) => seen.push(`b${f.result()}`));
    fut.setResult(3);
    expect(seen).toEqual([]);
    loop.runUntilIdle();
    expect(seen).toEqual(['a3', 'b3']);
  });

  it('schedules a callback added after completion at once (next turn)', () => {
    const { loop, fut } = setup();
    fut.setResult(1);
    const cb = vi.fn();
    fut.addDoneCallback(cb);
    expect(cb).not.toHaveBeenCalled();
    loop.runUntilIdle();
    expect(cb).toHaveBeenCalledWith(fut);
  });

  it('removeDoneCallback removes every match and returns the count', () => {
    const { loop, fut } = setup();
    const a = vi.fn();
    const b = vi.fn();
    fut.addDoneCallback(a);
    fut.addDoneCallback(b);
    fut.addDoneCallback(a);
    expect(fut.removeDoneCallback(a)).toBe(2);
    expect(fut.removeDoneCallback(a)).toBe(0);
    fut.setResult(1);
    loop.runUntilIdle();
    expect(a).not.toHaveBeenCalled();
    expect(b).toHaveBeenCalledTimes(1);
  });

  it('a failing done callback goes to the exception handler and the others still run', () => {
    const { loop, fut } = setup();
    const contexts: unknown[] = [];
    loop.setExceptionHandler((_l, ctx) => contexts.push(ctx.exception));
    const err = new Error('cb failed');
    const after = vi.fn();
    fut.addDoneCallback(() => { throw err; });
    fut.addDoneCallback(after);
    fut.setResult(1);
    loop.runUntilIdle();
    expect(contexts).toEqual([err]);
    expect(after).toHaveBeenCalled();
  });

  it('rejects a non-function callback with TypeError', () => {
    const { fut } = setup();
    expect(() => fut.addDoneCallback(42 as never)).toThrow(TypeError);
  });

  it('is awaitable from an async function', async () => {
    const { loop, fut } = setup();
    const p = (async () => (await fut) * 2)();
    loop.callSoon(() => fut.setResult(21));
    expect(await loop.runUntilCompleteAsync(p)).toBe(42);
  });

  it('await of a failed future rejects with its exception, and of a cancelled one with CancelledError', async () => {
    const { loop, fut } = setup();
    const other = new Future<number>({ loop });
    const err = new Error('nope');
    fut.setException(err);
    other.cancel('why');
    await expect(loop.runUntilCompleteAsync((async () => await fut)())).rejects.toBe(err);
    await expect(loop.runUntilCompleteAsync((async () => await other)())).rejects.toBeInstanceOf(CancelledError);
  });

  it('then() passes through onRejected handlers', async () => {
    const { loop, fut } = setup();
    const p = fut.then((v) => v, (e) => `handled ${(e as Error).message}`);
    fut.setException(new Error('x'));
    expect(await loop.runUntilCompleteAsync(p)).toBe('handled x');
  });

  it('an awaiting async function resumes when the future is done, without waiting for a loop turn', async () => {
    const { fut } = setup();
    const p = (async () => (await fut) + 1)();
    fut.setResult(2);
    expect(await p).toBe(3);
  });

  it('runs then() handlers as promise jobs, never inside setResult', async () => {
    const { fut } = setup();
    let ran = false;
    const p = fut.then(() => { ran = true; });
    fut.setResult(1);
    expect(ran).toBe(false);
    await p;
    expect(ran).toBe(true);
  });

  it('has the Promise habits catch() and finally()', async () => {
    const { loop, fut } = setup();
    const other = new Future<number>({ loop });
    const order: string[] = [];
    const caught = fut.catch((e) => `caught ${(e as Error).message}`);
    const passed = other.finally(() => order.push('finally'));
    fut.setException(new Error('x'));
    other.setResult(4);
    expect(await caught).toBe('caught x');
    expect(await passed).toBe(4);
    expect(order).toEqual(['finally']);
  });

  it('yield* returns the result of a done future without suspending', () => {
    const { fut } = setup();
    fut.setResult(5);
    const gen = (function* () { return yield* fut; })();
    expect(gen.next()).toEqual({ done: true, value: 5 });
  });

  it('yield* suspends on a pending future by yielding it, then returns its result', () => {
    const { fut } = setup();
    const gen = (function* () { return yield* fut; })();
    const first = gen.next();
    expect(first.done).toBe(false);
    expect(first.value).toBe(fut);
    fut.setResult(9);
    expect(gen.next()).toEqual({ done: true, value: 9 });
  });

  it('yield* resumed while the future is still pending yields it again: the future, not the call count, says whether it is done', () => {
    const { fut } = setup();
    const gen = (function* () { return yield* fut; })();
    expect(gen.next().value).toBe(fut);
    const again = gen.next();
    expect(again.done).toBe(false);
    expect(again.value).toBe(fut);
    fut.setException(new RangeError('no'));
    expect(() => gen.next()).toThrow(RangeError);
  });

  it('binds to the default loop when none is given, and says how to set one when none is set', () => {
    setEventLoop(null);
    expect(() => new Future()).toThrow(/setEventLoop/);
    const loop = new VirtualTimeLoop();
    setEventLoop(loop);
    try {
      expect(new Future().loop).toBe(loop);
      expect(getEventLoop()).toBe(loop);
    } finally {
      setEventLoop(null);
    }
  });

  it('rejects something that is not a loop', () => {
    expect(() => new Future({ loop: {} as never })).toThrow(TypeError);
    expect(() => setEventLoop({ callSoon() {} } as never)).toThrow(TypeError);
  });

  describe('debug mode', () => {
    it('records where the future was created', () => {
      const loop = new VirtualTimeLoop();
      loop.setDebug(true);
      const fut = new Future({ loop }) as Future<unknown> & { _source?: string };
      expect(fut._source).toMatch(/Future created at/);
      const plain = new Future({ loop: new VirtualTimeLoop() }) as Future<unknown> & { _source?: string };
      expect(plain._source).toBeUndefined();
    });
  });
});
