import { SimBoard, timeFor, timerFor } from 'anyloop/sim';
import { XsLoop, type XsTimer } from 'anyloop/xs';

/**
 * An XsLoop running on a simulated ESP32 board: the simulator's `timer` and
 * `time` modules stand in for Moddable's. `board.runUntil(board.now)` runs
 * the host's passes due now.
 */
export function simulatedXsLoop(): { board: SimBoard; loop: XsLoop } {
  const board = new SimBoard();
  // The simulator's Timer passes its own timer object to callbacks; XsLoop's type leaves it opaque.
  const loop = new XsLoop({ Timer: timerFor(board) as unknown as XsTimer, Time: timeFor(board) });
  loop.runForever();
  return { board, loop };
}
