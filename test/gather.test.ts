import { describe, expect, it } from 'vitest';
import { CancelledError, Future, createTask, gather, sleep } from '../src/index.js';
import { VirtualTimeLoop } from '../src/testing.js';
import { workers } from './support/tasks.js';

const setup = workers;

describe('gather', () => {
  it('gives the results in input order, whatever the finishing order', async () => {
    const { loop, worker } = setup();
    const g = gather([worker('slow', 3), Promise.resolve('promise'), worker('fast', 1), sleep(2, 'future', { loop })], { loop });
    expect(await loop.runUntilCompleteAsync(g)).toEqual(['slow', 'promise', 'fast', 'future']);
  });

  it('types the results of a tuple', () => {
    const loop = new VirtualTimeLoop();
    const g = gather([sleep(1, 1, { loop }), sleep(1, 'two', { loop })]);
    const r: [number, string] = loop.runUntilComplete(g);
    expect(r).toEqual([1, 'two']);
  });

  // asyncio: gather fails with b's error at 1; c and a still finish at 2 and 3.
  it('fails with the first error at once; the other children keep running', () => {
    const { loop, log, worker } = setup();
    const g = gather([worker('a', 3), worker('b', 1, true), worker('c', 2)], { loop });
    loop.advance(1);
    expect(g.exception()).toBeInstanceOf(RangeError);
    log.push(['gather failed', (g.exception() as Error).message, loop.time()]);
    loop.advance(5);
    expect(log).toEqual([['gather failed', 'b', 1], ['done', 'c', 2], ['done', 'a', 3]]);
  });

  // asyncio: CancelledError:why, KeyError, v
  it('with returnExceptions collects errors and CancelledErrors (with their message) as results', () => {
    const { loop } = setup();
    const cancelled = new Future<string>({ loop });
    cancelled.cancel('why');
    const failed = new Future<string>({ loop });
    failed.setException(new RangeError('k'));
    const g = gather([cancelled, failed, sleep(0, 'v', { loop })], { returnExceptions: true });
    const r = loop.runUntilComplete(g);
    expect(r[0]).toBeInstanceOf(CancelledError);
    expect((r[0] as Error).message).toBe('why');
    expect(r[1]).toBeInstanceOf(RangeError);
    expect(r[2]).toBe('v');
  });

  // asyncio: both children cancelled; the gather fails with CancelledError and cancelled() is False.
  it('cancelling the gather cancels the children; it then fails with CancelledError, even with returnExceptions', () => {
    const { loop, log, worker } = setup();
    const g = gather([worker('x', 3), worker('y', 5)], { returnExceptions: true, loop });
    loop.advance(1);
    expect(g.cancel()).toBe(true);
    loop.runUntilIdle();
    expect(log).toEqual([['cancelled', 'x', 1], ['cancelled', 'y', 1]]);
    expect(g.done()).toBe(true);
    expect(g.cancelled()).toBe(false);
    expect(() => g.result()).toThrow(CancelledError);
    expect(loop._timers.size).toBe(0);
    expect(g.cancel()).toBe(false);
  });

  it('a task awaiting a gather that is cancelled gets CancelledError and its children are cancelled', () => {
    const { loop, worker } = setup();
    const children = [createTask(worker('p', 5), { loop }), createTask(worker('q', 5), { loop })];
    const task = createTask(function* () { return yield* gather(children); }, { loop });
    loop.advance(1);
    task.cancel();
    expect(() => loop.runUntilComplete(task)).toThrow(CancelledError);
    expect(children.every((c) => c.cancelled())).toBe(true);
  });

  // asyncio: cancelled() False, done() True.
  it('a cancelled child fails the gather with CancelledError; the gather itself is not cancelled()', () => {
    const { loop } = setup();
    const f = new Future<number>({ loop });
    const g = gather([f]);
    f.cancel();
    loop.runUntilIdle();
    expect(g.done()).toBe(true);
    expect(g.cancelled()).toBe(false);
    expect(g.exception()).toBeInstanceOf(CancelledError);
  });

  it('runs a repeated awaitable once and repeats its result', () => {
    const { loop } = setup();
    let runs = 0;
    const coro = (function* () { runs++; yield* sleep(1); return 'once'; })();
    const f = sleep(1, 'f', { loop });
    const g = gather([coro, f, coro, f], { loop });
    expect(loop.runUntilComplete(g)).toEqual(['once', 'f', 'once', 'f']);
    expect(runs).toBe(1);
  });

  it('an empty gather is done with [] at once; already-done children complete it at once', () => {
    const { loop } = setup();
    const empty = gather([], { loop });
    expect(empty.result()).toEqual([]);
    const a = new Future<number>({ loop });
    a.setResult(1);
    const g = gather([a, a]);
    expect(g.result()).toEqual([1, 1]);
  });

  it('an error that arrives after the gather failed is marked retrieved', () => {
    const { loop, worker } = setup();
    const late = createTask(worker('late', 2, true), { loop });
    const g = gather([worker('first', 1, true), late], { loop });
    loop.advance(5);
    expect((g.exception() as Error).message).toBe('first');
    expect((late as unknown as { _state: number })._state).toBe(2);
  });

  it('rejects what is not iterable, and children of another loop', () => {
    const { loop } = setup();
    expect(() => gather(5 as never)).toThrow(TypeError);
    expect(() => gather(null as never)).toThrow(TypeError);
    const other = new VirtualTimeLoop();
    expect(() => gather([new Future({ loop }), new Future({ loop: other })])).toThrow(/different loop/);
  });
});
