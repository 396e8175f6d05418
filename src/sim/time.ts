/**
 * Moddable's `time` module on a SimBoard: `Time.ticks` is the board's
 * millisecond counter as a signed 32-bit integer, as on the ESP32
 * (`xsmcSetInteger(xsResult, modMilliseconds())`), so it wraps to negative
 * values after 2^31 ms (24.8 days). `Time.delta(start, end?)` is the
 * difference in ms. The default export acts on the current board;
 * `timeFor(board)` is bound to one board.
 */
import { currentBoard, type SimBoard } from './board.js';

/** The part of Moddable's Time class the simulator provides. */
export interface TimeModule {
  /** The host's millisecond counter. */
  readonly ticks: number;
  /** `end` (default: ticks now) minus `start`, in ms. */
  delta(start: number, end?: number): number;
}

/** A Time object bound to `board`, or to whatever `board()` returns at each use. */
export function timeFor(board: SimBoard | (() => SimBoard)): TimeModule {
  const get = typeof board === 'function' ? board : () => board;
  return Object.freeze({
    get ticks(): number {
      return get().ticks;
    },
    delta(start: number, end?: number): number {
      const now = get().ticks;
      return (end ?? now) - start;
    },
  });
}

/** Moddable's Time on the current board. */
const Time: TimeModule = timeFor(currentBoard);
export default Time;
