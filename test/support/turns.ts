import { CoroutineFuture, type Coroutine } from '../../src/future/coroutine.js';
import type { Future } from '../../src/future/future.js';
import { VirtualTimeLoop } from '../../src/testing.js';

/**
 * Runs a VirtualTimeLoop one turn at a time and numbers the turns, so a test
 * can log in which turn each thing happened and compare with what CPython
 * asyncio does in the same scenario (there, `loop._run_once()` is one turn).
 * Turn 0 is the synchronous set-up before the first turn.
 */
export class Turns {
  readonly loop = new VirtualTimeLoop();
  turn = 0;
  readonly log: string[] = [];

  /** Starts a generator coroutine as a task: its first step runs in the next turn, as asyncio's create_task. */
  spawn<T>(coro: Coroutine<T>): Future<T> {
    return new CoroutineFuture(coro, this.loop);
  }

  /** Logs `what` with the current turn number. */
  note(what: string): void {
    this.log.push(`${this.turn}:${what}`);
  }

  /** Runs one turn. */
  step(): void {
    this.turn++;
    this.loop._runOnce();
  }

  /** Runs turns until nothing is ready. */
  idle(): void {
    while (this.loop._hasWork()) this.step();
  }
}
