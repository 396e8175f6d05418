import { describe, expect, it } from 'vitest';
import { Handle, type ExceptionContext, type Future } from '../src/index.js';
import { NodeLoop } from '../src/node.js';
import { loopConformanceChecks, VirtualTimeLoop } from '../src/testing.js';
import { XsLoop } from '../src/xs.js';
import { SimBoard } from '../src/sim/board.js';
import { timerFor } from '../src/sim/timer.js';
import { timeFor } from '../src/sim/time.js';

describe('conformance: VirtualTimeLoop', () => {
  const checks = loopConformanceChecks({
    makeLoop: () => new VirtualTimeLoop(),
    run: (loop, future) => loop.runUntilCompleteAsync(future),
  });
  for (const check of checks) it(check.name, () => check.run());
});

describe('conformance: NodeLoop', () => {
  const checks = loopConformanceChecks({
    makeLoop: () => new NodeLoop(),
    run: (loop, future) => loop.runUntilComplete(future),
    dispose: (loop) => loop.close(),
  });
  for (const check of checks) it(check.name, () => check.run());
});

describe('conformance: XsLoop on the simulated ESP32', () => {
  const boards = new WeakMap<XsLoop, SimBoard>();
  const checks = loopConformanceChecks({
    makeLoop: () => {
      const board = new SimBoard();
      const loop = new XsLoop({ Timer: timerFor(board), Time: timeFor(board) });
      boards.set(loop, board);
      loop.runForever();
      return loop;
    },
    run: (loop, future) => runBoard(boards.get(loop)!, () => future.done()),
    dispose: (loop) => {
      loop.stop();
      loop.close();
    },
  });
  for (const check of checks) it(check.name, () => check.run());
});

/** Drives a board's host run loop until `done()`, letting promise jobs run after every pass. */
async function runBoard(board: SimBoard, done: () => boolean): Promise<void> {
  for (let passes = 0; !done(); passes++) {
    if (passes > 100_000) throw new Error('the future was not done after 100,000 host passes');
    board.step();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * A small non-timer loop with switchable bugs, to prove the kit notices each
 * broken rule (and that it runs on a loop that only has the minimal contract).
 */
type Bug = 'none' | 'lifo' | 'sync' | 'swallow' | 'ignoreCancel' | 'acceptAnything';
class ToyLoop {
  queue: { handle: Handle; run: () => void }[] = [];
  constructor(readonly bug: Bug) {}
  callSoon<A extends unknown[]>(cb: (...args: A) => void, ...args: A): Handle {
    if (typeof cb !== 'function' && this.bug !== 'acceptAnything') throw new TypeError('callback must be a function');
    const entry = { handle: new Handle(cb as (...a: unknown[]) => void, args), run: () => cb(...args) };
    if (this.bug === 'sync') entry.run();
    else if (this.bug === 'lifo') this.queue.unshift(entry);
    else this.queue.push(entry);
    return entry.handle;
  }
  callExceptionHandler(_context: ExceptionContext): void {}
  getDebug(): boolean { return false; }
  turn(): void {
    for (const { handle, run } of this.queue.splice(0, this.queue.length)) {
      if (handle.cancelled() && this.bug !== 'ignoreCancel') continue;
      try {
        run();
      } catch (exception) {
        if (this.bug !== 'swallow') this.callExceptionHandler({ message: 'Exception in callback', exception });
      }
    }
  }
}

async function runToy(loop: ToyLoop, future: Future<unknown>): Promise<void> {
  for (let idle = 0; !future.done() && idle < 100;) {
    if (loop.queue.length > 0) { idle = 0; loop.turn(); continue; }
    idle++;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

function failures(bug: Bug): Promise<string[]> {
  const checks = loopConformanceChecks({ makeLoop: () => new ToyLoop(bug), run: runToy });
  return Promise.all(checks.map((c) => c.run().then(() => '', (e: Error) => e.message))).then((m) => m.filter(Boolean));
}

describe('the conformance kit notices broken loops', () => {
  it('passes a correct minimal loop and leaves out the timer checks for it', async () => {
    const names = loopConformanceChecks({ makeLoop: () => new ToyLoop('none'), run: runToy }).map((c) => c.name);
    expect(names).toContain('callSoon runs callbacks in FIFO order with their arguments');
    expect(names).not.toContain('time() is a monotonic number');
    expect(await failures('none')).toEqual([]);
  });

  it.each([
    ['lifo', 'callSoon runs callbacks in FIFO order with their arguments: callback order: expected',
      'callSoon runs callbacks in the order they were scheduled', 'keep ready Handles in a FIFO queue'],
    ['sync', 'callSoon never runs the callback before it returns: the callback ran inside callSoon',
      'callSoon only schedules', 'queue the Handle and return it'],
    ['swallow', 'an exception thrown by a callback goes to callExceptionHandler and the loop goes on: reports to callExceptionHandler: expected 1, got 0',
      'an exception thrown by a callback goes to callExceptionHandler({ message, exception, handle })', 'run each handle inside try/catch'],
    ['ignoreCancel', 'a cancelled Handle never runs: callbacks run: expected',
      'a cancelled Handle never runs, even when it is cancelled during the turn', 'return the very Handle you queued, and check it'],
    ['acceptAnything', 'callSoon rejects a non-function callback with TypeError: callSoon(undefined): expected TypeError, nothing was thrown',
      'callSoon, callAt and callLater throw a TypeError', "check `typeof callback === 'function'`"],
  ] as const)('a loop with bug %s fails the check that names it, with the rule broken and how to fix it', async (bug, message, rule, fix) => {
    const failed = await failures(bug);
    const report = failed.find((m) => m.startsWith(message));
    expect(report, failed.join('\n')).toBeDefined();
    expect(report).toContain(`\n  rule broken: ${rule}`);
    expect(report).toContain(`\n  how to fix: ${fix}`);
  });

  it('gives every check its rule and fix, and the checks of the primitives send the author to the contract checks first', () => {
    const checks = loopConformanceChecks({ makeLoop: () => new VirtualTimeLoop(), run: (loop, future) => loop.runUntilCompleteAsync(future) });
    for (const c of checks) expect([c.name, c.rule.length > 20, c.fix.length > 20]).toEqual([c.name, true, true]);
    const lock = checks.find((c) => c.name.startsWith('Lock: FIFO hand-off'))!;
    expect(lock.fix).toMatch(/^fix the failing contract checks first/);
  });

  it('a timer loop whose turns drain newly scheduled callbacks starves timers, and the kit says so', async () => {
    class DrainingLoop extends VirtualTimeLoop {
      override _runOnce(): void {
        if (this._ready.length === 0) return super._runOnce();
        for (let h = this._ready.shift(); h !== undefined; h = this._ready.shift()) h.run();
      }
    }
    const check = loopConformanceChecks({
      makeLoop: () => new DrainingLoop(),
      run: (loop, future) => loop.runUntilCompleteAsync(future),
    }).find((c) => c.name === 'callbacks that reschedule themselves do not starve a due timer')!;
    await expect(check.run()).rejects.toThrow(/did not run while a callback kept rescheduling itself(.|\n)*rule broken: every turn first moves the due timers to the ready queue/);
  });

  it('rejects options without makeLoop', () => {
    expect(() => loopConformanceChecks({} as never)).toThrow(TypeError);
  });
});
