import fc from 'fast-check';
import { createTask, type Coroutine, type Task } from '../../src/index.js';
import { VirtualTimeLoop } from '../../src/testing.js';

/** How many actors the generated actions name. */
export const ACTORS = 5;

/**
 * A property-test world: a VirtualTimeLoop and one task per actor at a time,
 * each doing one operation. Actions from fast-check start operations, cancel
 * them, and run the loop one turn (`step`) or until idle (`idle`), so every
 * interleaving of wake-ups and cancellations is reachable, the
 * woken-then-cancelled race included (`race`: a cancel right after a turn
 * that woke a waiter).
 */
export class World<K extends string = string> {
  readonly loop = new VirtualTimeLoop();
  /** The task of each actor and what it does, while it has one. */
  readonly actors: ({ task: Task<void>; kind: K } | undefined)[] = [];

  /** Starts `body` as actor `a`'s task unless that actor is still busy; false when it is. */
  start(a: number, kind: K, body: () => Coroutine<void>): boolean {
    const busy = this.actors[a];
    if (busy !== undefined && !busy.task.done()) return false;
    this.actors[a] = { task: createTask(body, { loop: this.loop }), kind };
    return true;
  }

  /** Cancels actor `a`'s task; what `Task.cancel()` returned (false when there is none). */
  cancel(a: number): boolean {
    return this.actors[a]?.task.cancel() ?? false;
  }

  /** Runs one loop turn. */
  step(): void {
    this.loop._runOnce();
  }

  /** Runs turns until nothing is ready. */
  idle(): void {
    this.loop.runUntilIdle();
  }

  /** Actors whose task has not finished, with what they do. */
  pending(): { a: number; kind: K }[] {
    return this.actors.flatMap((x, a) => (x !== undefined && !x.task.done() ? [{ a, kind: x.kind }] : []));
  }

  /** Cancels every task still running and runs the loop until idle (repeatedly, for tasks that wait again). */
  finish(): void {
    for (let round = 0; round < 10 && this.pending().length > 0; round++) {
      for (const { a } of this.pending()) this.cancel(a);
      this.idle();
    }
  }
}

/** An actor index. */
export const actor = fc.nat(ACTORS - 1);

/** The loop-driving actions every property mixes in. */
export const loopActions = [
  { arbitrary: fc.constant<LoopAction>({ t: 'step' }), weight: 4 },
  { arbitrary: fc.constant<LoopAction>({ t: 'idle' }), weight: 2 },
  { arbitrary: fc.record({ t: fc.constant('cancel' as const), a: actor }) as fc.Arbitrary<LoopAction>, weight: 2 },
  // One turn then a cancel: hits a task its waiter woke in that turn before the task resumes.
  { arbitrary: fc.record({ t: fc.constant('race' as const), a: actor }) as fc.Arbitrary<LoopAction>, weight: 2 },
];

/** The actions on a Lock or Semaphore: an actor starts an acquire or releases what it holds, mixed with loop actions. */
export const acquireReleaseAction = fc.oneof(
  { arbitrary: fc.record({ t: fc.constant('acquire' as const), a: actor }), weight: 3 },
  { arbitrary: fc.record({ t: fc.constant('release' as const), a: actor }), weight: 2 },
  ...loopActions,
);

/** An action that drives the loop or cancels an actor's task. */
export type LoopAction = { t: 'step' } | { t: 'idle' } | { t: 'cancel'; a: number } | { t: 'race'; a: number };

/** True for a `step`, `idle`, `cancel` or `race` action. */
export function isLoopAction(act: { t: string }): act is LoopAction {
  return act.t === 'step' || act.t === 'idle' || act.t === 'cancel' || act.t === 'race';
}

/** Runs a `step`, `idle`, `cancel` or `race` (a step, then a cancel) action. */
export function runLoopAction(world: World, act: LoopAction): void {
  if (act.t === 'step' || act.t === 'race') world.step();
  else if (act.t === 'idle') world.idle();
  if (act.t === 'cancel' || act.t === 'race') world.cancel(act.a);
}

/** fast-check settings: enough runs to find races, little enough for a shared 2-core machine. */
export const RUNS = { numRuns: 600 };

/** A property takes about a second; this leaves room for a loaded machine. */
export const TIME_LIMIT = 60_000;

/** Action sequences: long ones are where several waiters pile up, so lengths go up to the maximum. */
export const SEQUENCE = { maxLength: 60, size: 'max' } as const;
