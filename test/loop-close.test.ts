import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CancelledError, Future, Queue, createTask, ensureFuture, sleep, type ExceptionContext, type Task,
} from '../src/index.js';
import { NodeLoop } from '../src/node.js';
import { VirtualTimeLoop } from '../src/testing.js';
import { XsLoop } from '../src/xs.js';
import { SimBoard } from '../src/sim/board.js';
import { timerFor } from '../src/sim/timer.js';
import { timeFor } from '../src/sim/time.js';

// Issue 10 §4: after close(), every task of the loop is done (cancelled) and
// every await on it settles; a late promise settlement never throws.

function xsSetup() {
  const board = new SimBoard();
  const printed: string[] = [];
  const loop = new XsLoop({ Timer: timerFor(board), Time: timeFor(board), trace: (s) => printed.push(s) });
  return { board, loop, printed };
}

/** Lets Node run its pending immediates (NodeLoop's turns) and promise jobs. */
function hostTurns(n = 5): Promise<void> {
  let p = Promise.resolve();
  for (let i = 0; i < n; i++) p = p.then(() => new Promise<void>((resolve) => setImmediate(resolve)));
  return p;
}

type AnyLoop = NodeLoop | XsLoop | VirtualTimeLoop;

/**
 * Tasks that wait in every way a task can: on a queue, in a finally that
 * waits again, on a promise that never settles (with and without the signal),
 * and on another task.
 */
function startTasks(loop: AnyLoop) {
  const log: string[] = [];
  const q = new Queue<number>(0, { loop });
  const never = new Promise<never>(() => {});
  const tasks: Task<unknown>[] = [
    createTask(function* () {
      try {
        yield* q.get();
      } finally {
        log.push('getter finally');
      }
    }, { loop, name: 'getter' }),
    createTask(function* () {
      try {
        yield* sleep(1000);
      } finally {
        log.push('stubborn finally');
        yield* sleep(1000);
        log.push('never');
      }
    }, { loop, name: 'stubborn' }),
    createTask(async (signal) => {
      await q.get({ signal });
    }, { loop, name: 'async getter' }),
    createTask(async () => {
      await never;
    }, { loop, name: 'async on a promise' }),
  ];
  tasks.push(createTask(function* () {
    yield* tasks[0]!;
  }, { loop, name: 'awaiting a task' }));
  return { tasks, log };
}

async function expectAllCancelled(tasks: Task<unknown>[]): Promise<void> {
  expect(tasks.filter((t) => !t.cancelled()).map((t) => t.getName())).toEqual([]);
  const outcomes = await Promise.allSettled(tasks);
  expect(outcomes.every((o) => o.status === 'rejected' && o.reason instanceof CancelledError)).toBe(true);
}

describe('close() ends every task of the loop', () => {
  let unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => { unhandled.push(reason); };
  beforeEach(() => {
    unhandled = [];
    process.on('unhandledRejection', onUnhandled);
  });
  afterEach(() => {
    process.off('unhandledRejection', onUnhandled);
  });

  it('NodeLoop: tasks waiting anywhere end cancelled, their finally blocks run, and every await settles', async () => {
    const loop = new NodeLoop();
    const { tasks, log } = startTasks(loop);
    await hostTurns();
    expect(tasks.some((t) => t.done())).toBe(false);
    loop.close();
    await expectAllCancelled(tasks);
    expect(log).toEqual(['getter finally', 'stubborn finally']);
    expect(unhandled).toEqual([]);
  });

  it('NodeLoop: a promise that settles after close() is ignored or reported, never an unhandled rejection', async () => {
    const loop = new NodeLoop();
    const reports: ExceptionContext[] = [];
    loop.setExceptionHandler((_l, c) => reports.push(c));
    let resolveLate!: (v: number) => void;
    const late = new Promise<number>((resolve) => { resolveLate = resolve; });
    const task = createTask(function* () {
      return yield late;
    }, { loop });
    const asyncTask = createTask(async () => (await late) + 1, { loop });
    const watched = ensureFuture(late, { loop });
    watched.addDoneCallback(() => {});
    await hostTurns();
    loop.close();
    resolveLate(1);
    await hostTurns();
    expect(unhandled).toEqual([]);
    expect(task.cancelled()).toBe(true);
    expect(asyncTask.cancelled()).toBe(true);
    expect(reports.map((c) => c.message)).toEqual(['A promise settled after its loop was closed']);
  });

  it('XsLoop: tasks end cancelled, their finally blocks run, and every await settles', async () => {
    const { board, loop, printed } = xsSetup();
    const { tasks, log } = startTasks(loop);
    loop.runForever();
    await board.advanceAsync(5);
    loop.stop();
    loop.close();
    await expectAllCancelled(tasks);
    expect(log).toEqual(['getter finally', 'stubborn finally']);
    expect(printed).toEqual([]);
    expect(board.timerCount).toBe(0);
  });

  it.each([false, true])('XsLoop: stop() then close() inside a callback reports nothing for the callbacks left in the turn (a task pending: %s)', (withTask) => {
    const { board, loop, printed } = xsSetup();
    const ran: string[] = [];
    const task = withTask ? createTask(function* () {
      yield* sleep(1000);
    }, { loop }) : null;
    loop.runForever();
    board.advance(1);
    loop.callSoon(() => {
      ran.push('closer');
      loop.stop();
      loop.close();
    });
    for (let i = 0; i < 3; i++) loop.callSoon(() => ran.push(`after ${i}`));
    board.advance(10);
    expect(printed).toEqual([]);
    // To end its tasks close() runs what is ready, in order; without tasks it cancels it.
    expect(ran).toEqual(withTask ? ['closer', 'after 0', 'after 1', 'after 2'] : ['closer']);
    expect(task?.cancelled() ?? true).toBe(true);
    expect(loop.isClosed()).toBe(true);
  });

  it('VirtualTimeLoop: close() ends its tasks too, and scheduling afterwards throws', async () => {
    const loop = new VirtualTimeLoop();
    const { tasks, log } = startTasks(loop);
    loop.runUntilIdle();
    loop.close();
    await expectAllCancelled(tasks);
    expect(log).toEqual(['getter finally', 'stubborn finally']);
    expect(loop.isClosed()).toBe(true);
    expect(() => loop.callSoon(() => {})).toThrow('VirtualTimeLoop is closed');
    expect(() => loop.runUntilIdle()).toThrow('VirtualTimeLoop is closed');
    loop.close();
  });

  it('close() from inside a task ends every other task; the caller runs on to its end', () => {
    const loop = new VirtualTimeLoop();
    const other = createTask(function* () {
      yield* sleep(1000);
    }, { loop });
    const closer = createTask(function* () {
      yield* sleep(1);
      loop.close();
      return 'closed';
    }, { loop });
    expect(loop.runUntilComplete(closer)).toBe('closed');
    expect(other.cancelled()).toBe(true);
  });
});

describe('VirtualTimeLoop cannot be re-entered from its own callbacks', () => {
  it.each([
    ['runUntilIdle', (l: VirtualTimeLoop) => l.runUntilIdle()],
    ['advance', (l: VirtualTimeLoop) => l.advance(1)],
    ['runUntilComplete', (l: VirtualTimeLoop) => l.runUntilComplete(new Future({ loop: l }))],
  ] as const)('%s from a callback throws "already running"', (name, reenter) => {
    const loop = new VirtualTimeLoop();
    const reports: ExceptionContext[] = [];
    loop.setExceptionHandler((_l, c) => reports.push(c));
    let after = false;
    loop.callSoon(() => reenter(loop));
    loop.callSoon(() => { after = true; });
    loop.runUntilIdle();
    expect(after).toBe(true);
    expect(reports).toHaveLength(1);
    expect((reports[0]!.exception as Error).message).toBe(
      `${name}: the VirtualTimeLoop is already running (in runUntilIdle); a callback cannot run its own loop`);
  });
});
