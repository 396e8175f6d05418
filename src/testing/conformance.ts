import { isTimerLoop, type Loop, type TimerLoop } from '../contract/loop.js';
import type { Future } from '../future/future.js';
import { makeContext, type CheckContext, type CheckSpec } from './check-support.js';
import { contractChecks } from './contract-checks.js';
import { primitiveChecks } from './primitive-checks.js';
import { queueChecks } from './queue-checks.js';
import { rules, type ContractRule } from './rules.js';
import { taskChecks } from './task-checks.js';

/** How the conformance kit makes and drives the loop under test. */
export interface ConformanceOptions<L extends Loop> {
  /** Makes a fresh loop; each check gets its own. */
  makeLoop(): L;
  /**
   * Runs `loop` until `future` is done; may return a promise. Some checks await
   * futures from async functions, so promise jobs must get to run while it
   * waits (for VirtualTimeLoop pass `runUntilCompleteAsync`). The default only
   * waits, which suits loops that run by themselves, like NodeLoop.
   */
  run?(loop: L, future: Future<unknown>): unknown;
  /** Called with each loop once its check is over, e.g. to close it. */
  dispose?(loop: L): void;
}

/**
 * One named check, runnable from any test runner. On failure it throws an
 * Error whose message names the check and what went wrong, then the contract
 * rule broken and how to fix it (also on `rule` and `fix`).
 */
export interface ConformanceCheck extends ContractRule {
  readonly name: string;
  /** Runs the check; rejects with the failed expectation. */
  run(): Promise<void>;
}

/**
 * The loop conformance kit: checks that a loop meets the anyloop contract
 * (FIFO turns, exceptions to callExceptionHandler, cancelled handles, argument
 * checks, and the timer part when the loop is a TimerLoop) and that every
 * primitive works on it. A failing check names the contract rule broken and
 * how to fix it. Run each check from your test runner (here `node --test`),
 * or run them all with `npx anyloop-conformance <module> [export]`:
 *
 * ```ts
 * import { test } from 'node:test';
 * import { NodeLoop } from 'anyloop/node';
 * import { loopConformanceChecks } from 'anyloop/testing';
 * for (const check of loopConformanceChecks({ makeLoop: () => new NodeLoop(), dispose: (loop) => loop.close() })) {
 *   test(check.name, () => check.run());
 * }
 * ```
 */
export function loopConformanceChecks<L extends Loop>(options: ConformanceOptions<L>): ConformanceCheck[] {
  if (options === null || typeof options !== 'object' || typeof options.makeLoop !== 'function') {
    throw new TypeError('loopConformanceChecks() needs { makeLoop }');
  }
  const run = options.run ?? waitOnly;
  if (typeof run !== 'function') throw new TypeError('run must be a function');
  const dispose = options.dispose;
  if (dispose !== undefined && typeof dispose !== 'function') throw new TypeError('dispose must be a function');
  const probe = options.makeLoop();
  const timers = isTimerLoop(probe);
  dispose?.(probe);
  const specs = [...contractChecks, ...primitiveChecks, ...queueChecks, ...taskChecks].filter((s) => timers || !s.needsTimers);
  return specs.map((spec) => {
    const { rule, fix } = spec.rule ?? rules.primitives;
    return { name: spec.name, rule, fix, run: () => runCheck(spec, options.makeLoop, run, dispose) };
  });
}

async function runCheck<L extends Loop>(
  spec: CheckSpec,
  makeLoop: () => L,
  run: (loop: L, future: Future<unknown>) => unknown,
  dispose: ((loop: L) => void) | undefined,
): Promise<void> {
  const loop = makeLoop();
  const { context, cleanup } = makeContext(loop, run);
  try {
    // Only TimerLoops are given the checks that need timers.
    await spec.body(context as unknown as CheckContext<TimerLoop>);
  } catch (e) {
    const detail = e instanceof Error ? e.message : String(e);
    const { rule, fix } = spec.rule ?? rules.primitives;
    throw new Error(`${spec.name}: ${detail}\n  rule broken: ${rule}\n  how to fix: ${fix}`, { cause: e });
  } finally {
    cleanup();
    dispose?.(loop);
  }
}

/** The default run: waits for the future, for loops that run by themselves. */
function waitOnly(_loop: Loop, future: Future<unknown>): Promise<void> | undefined {
  if (future.done()) return undefined;
  return new Promise<void>((resolve) => future.addDoneCallback(() => resolve()));
}
