import { describe, it } from 'vitest';
import { loopConformanceChecks } from '../src/testing.js';
import { XsLoop } from '../src/xs.js';
import { SimBoard } from '../src/sim/board.js';
import { timerFor } from '../src/sim/timer.js';
import { timeFor } from '../src/sim/time.js';

/**
 * Drives a board's host run loop until `done()`, letting promise jobs run
 * after every pass (the checks await async functions too).
 */
async function runBoard(board: SimBoard, done: () => boolean): Promise<void> {
  for (let passes = 0; !done(); passes++) {
    if (passes > 100_000) throw new Error('the future was not done after 100,000 host passes');
    board.step();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

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
