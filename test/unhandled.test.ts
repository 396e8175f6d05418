import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import {
  createTask, Future, gather, shield, sleep, TaskGroup, type Coroutine, type ExceptionContext, type Loop,
} from '../src/index.js';
import { NodeLoop } from '../src/node.js';
import { XsLoop } from '../src/xs.js';
import { VirtualTimeLoop } from '../src/testing.js';
import { SimBoard } from '../src/sim/board.js';
import { timerFor } from '../src/sim/timer.js';
import { timeFor } from '../src/sim/time.js';
import { runScenario } from '../src/sim/host/run.js';
import { isPrintEvent } from '../src/sim/trace.js';

// A failure nobody handles is reported through the loop's exception handler
// at the end of the loop turn in which it happened, in every mode, without
// the garbage collector (README, "Failures nobody handles").

function recording(loop: VirtualTimeLoop | NodeLoop | XsLoop): ExceptionContext[] {
  const reports: ExceptionContext[] = [];
  loop.setExceptionHandler((_l, ctx) => reports.push(ctx));
  return reports;
}

function* boom(): Coroutine<never> {
  throw new RangeError('boom');
}

describe('a failure nobody handles is reported at the end of its turn', () => {
  it('reports a fire-and-forget task that throws, once, in the turn it failed, naming it and carrying the error', () => {
    const loop = new VirtualTimeLoop();
    const reports = recording(loop);
    createTask(boom(), { loop, name: 'sensor' });
    expect(reports).toEqual([]);
    loop._runOnce();
    expect(reports).toHaveLength(1);
    expect(reports[0]!.message).toBe('Task exception was never retrieved: task sensor');
    const e = reports[0]!.exception as Error;
    expect(e).toBeInstanceOf(RangeError);
    expect(e.stack).toMatch(/boom/);
    expect(reports[0]!.source_traceback).toBeUndefined();
    loop.runUntilIdle();
    expect(reports).toHaveLength(1);
  });

  it('in debug mode the report says where the task was created', () => {
    const loop = new VirtualTimeLoop();
    loop.setDebug(true);
    const reports = recording(loop);
    createTask(boom(), { loop, name: 'sensor' });
    loop.runUntilIdle();
    expect(reports).toHaveLength(1);
    expect(reports[0]!.source_traceback).toMatch(/unhandled\.test\.ts/);
  });

  it('never reports a task that is awaited, gathered, in a TaskGroup, or has a done callback', async () => {
    const loop = new VirtualTimeLoop();
    const reports = recording(loop);
    const seen: unknown[] = [];
    const main = createTask(function* () {
      try {
        yield* createTask(boom(), { loop });
      } catch (e) {
        seen.push((e as Error).name);
      }
      try {
        yield* gather([createTask(boom(), { loop }), createTask(boom(), { loop })]);
      } catch (e) {
        seen.push((e as Error).name);
      }
      try {
        yield* TaskGroup.run(function* (tg) {
          tg.createTask(boom());
        });
      } catch (e) {
        seen.push((e as AggregateError).errors.length);
      }
      const t = createTask(boom(), { loop });
      t.addDoneCallback(() => seen.push('callback'));
      yield* sleep(1);
    }, { loop });
    loop.runUntilComplete(main);
    const awaited = createTask(boom(), { loop });
    const outcome = awaited.then(() => 'ok', (e: unknown) => (e as Error).name);
    loop.runUntilIdle();
    expect(await outcome).toBe('RangeError');
    expect(seen).toEqual(['RangeError', 'RangeError', 1, 'callback']);
    expect(reports).toEqual([]);
  });

  it('reports a plain Future failed in a turn with nobody listening; not one retrieved later in the same turn', () => {
    const loop = new VirtualTimeLoop();
    const reports = recording(loop);
    const lost = new Future({ loop });
    const seen = new Future({ loop });
    loop.callSoon(() => lost.setException(new Error('lost')));
    loop.callSoon(() => seen.setException(new Error('seen')));
    loop.callSoon(() => seen.exception());
    loop._runOnce();
    expect(reports.map((r) => [r.message, (r.exception as Error).message, r.future === lost])).toEqual([
      ['Future exception was never retrieved', 'lost', true],
    ]);
  });

  it('a Future failed outside any turn is reported at the end of the next one, unless retrieved before', () => {
    const loop = new VirtualTimeLoop();
    const reports = recording(loop);
    const lost = new Future({ loop });
    lost.setException(new Error('lost'));
    const seen = new Future({ loop });
    seen.setException(new Error('seen'));
    expect(seen.result.bind(seen)).toThrow('seen');
    const cancelled = new Future({ loop });
    cancelled.cancel();
    expect(reports).toEqual([]);
    loop._runOnce();
    expect(reports.map((r) => (r.exception as Error).message)).toEqual(['lost']);
  });

  it('a task that is cancelled is not a failure: nothing is reported', () => {
    const loop = new VirtualTimeLoop();
    const reports = recording(loop);
    createTask(function* () { yield* sleep(10); }, { loop }).cancel();
    loop.runUntilIdle();
    expect(reports).toEqual([]);
  });

  it('a task awaited from an async function is not reported', async () => {
    const loop = new VirtualTimeLoop();
    const reports = recording(loop);
    const t = createTask(async () => { throw new Error('async'); }, { loop });
    const outcome = (async () => {
      try {
        await t;
      } catch (e) {
        return (e as Error).message;
      }
      return 'ok';
    })();
    for (let i = 0; i < 5; i++) {
      loop.runUntilIdle();
      await Promise.resolve();
    }
    expect(await outcome).toBe('async');
    expect(reports).toEqual([]);
  });
});

describe('a failure with null, undefined or a string is a failure', () => {
  for (const value of [null, undefined, 'text'] as const) {
    const what = value === null ? 'null' : value === undefined ? 'undefined' : 'a string';

    it(`gather fails with ${what} instead of hanging`, () => {
      const loop = new VirtualTimeLoop();
      const g = gather([createTask(function* () { throw value; }, { loop })]);
      let outcome: unknown = 'pending';
      g.addDoneCallback(() => { outcome = g.exception(); });
      loop.runUntilIdle();
      expect(outcome).toBe(value);
    });

    it(`gather with returnExceptions gives ${what} as the child's result`, () => {
      const loop = new VirtualTimeLoop();
      const ok = createTask(function* () { return 1; }, { loop });
      const g = gather([createTask(function* () { throw value; }, { loop }), ok], { returnExceptions: true });
      expect(loop.runUntilComplete(g)).toEqual([value, 1]);
    });

    it(`shield fails with ${what} instead of hanging`, () => {
      const loop = new VirtualTimeLoop();
      const s = shield(createTask(function* () { yield* sleep(1); throw value; }, { loop }));
      let outcome: unknown = 'pending';
      s.addDoneCallback(() => { outcome = s.exception(); });
      loop.runUntilIdle();
      loop.advance(1);
      expect(outcome).toBe(value);
    });

    it(`a TaskGroup whose child throws ${what} fails with it`, () => {
      const loop = new VirtualTimeLoop();
      const main = createTask(function* () {
        yield* TaskGroup.run(function* (tg) {
          tg.createTask(function* () { throw value; });
        });
        return 'success';
      }, { loop });
      let outcome: unknown = 'pending';
      main.addDoneCallback(() => { outcome = main.exception(); });
      loop.runUntilIdle();
      expect((outcome as AggregateError).errors).toEqual([value]);
    });

    it(`a task failing with ${what} nobody awaits is reported`, () => {
      const loop = new VirtualTimeLoop();
      const reports = recording(loop);
      createTask(function* () { throw value; }, { loop, name: 'odd' });
      loop.runUntilIdle();
      expect(reports.map((r) => [r.message, r.exception])).toEqual([['Task exception was never retrieved: task odd', value]]);
    });
  }
});

describe('the report on each loop', () => {
  afterEach(() => { vi.restoreAllMocks(); });

  it('NodeLoop: the default handler prints one report naming the task and the error', async () => {
    const printed: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((s: string) => { printed.push(s); });
    const loop = new NodeLoop();
    await loop.runUntilComplete(createTask(function* () {
      createTask(boom(), { name: 'fire-and-forget' });
      yield* sleep(0);
      yield* sleep(0);
    }, { loop }));
    loop.close();
    expect(printed).toHaveLength(1);
    expect(printed[0]).toMatch(/Task exception was never retrieved: task fire-and-forget\nRangeError: boom\n\s+at boom/);
  });

  it('XsLoop: the default handler prints one report through trace', () => {
    const board = new SimBoard();
    const printed: string[] = [];
    const loop = new XsLoop({ Timer: timerFor(board), Time: timeFor(board), trace: (s) => printed.push(s) });
    createTask(boom(), { loop: loop as Loop, name: 'fire-and-forget' });
    loop.runForever();
    board.advance(10);
    expect(printed).toHaveLength(1);
    expect(printed[0]).toMatch(/Task exception was never retrieved: task fire-and-forget\nRangeError: boom/);
  });
});

describe('in the simulator\'s real XS engine', () => {
  const dir = mkdtempSync(join(tmpdir(), 'anyloop-unhandled-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a fire-and-forget task that throws on XsLoop is reported once through trace, naming the task and the error', async () => {
    const app = join(dir, 'fire-and-forget.js');
    writeFileSync(app, `
      import Timer from 'timer';
      import Time from 'time';
      import { createTask } from 'anyloop';
      import { XsLoop } from 'anyloop/xs';
      const loop = new XsLoop({ Timer, Time });
      createTask(function* () { throw new Error('sensor unplugged'); }, { loop, name: 'reader' });
      loop.runForever();
    `);
    const r = await runScenario({ app, scenario: { end: 100 }, engine: 'xs' });
    expect(r.failure).toBeNull();
    const printed = r.trace.events.filter(isPrintEvent).map((e) => e.print).join('\n');
    expect(printed.match(/never retrieved/g)).toHaveLength(1);
    expect(printed).toMatch(/anyloop: Task exception was never retrieved: task reader\nError: sensor unplugged/);
  }, 60_000);
});

describe('a loop that hands the outcome to its caller', () => {
  it('VirtualTimeLoop.runUntilComplete throws a task\'s failure without also reporting it', async () => {
    const loop = new VirtualTimeLoop();
    const reports = recording(loop);
    expect(() => loop.runUntilComplete(createTask(boom(), { loop }))).toThrow('boom');
    await expect(loop.runUntilCompleteAsync(createTask(boom(), { loop }))).rejects.toThrow('boom');
    expect(reports).toEqual([]);
  });
});
