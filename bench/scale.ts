/**
 * Timers at scale: the cost of one schedule+cancel while n timers are
 * pending, in V8 (time) for each loop. The XS side (computrons) is in
 * xs/harness.ts.
 */
import { performance } from 'node:perf_hooks';
import type { TimerLoop } from 'anyloop';
import { spread, type Spread } from './lib/stats.js';

/** The pending-timer counts measured. */
export const SCALE_SIZES = [1_000, 10_000, 100_000] as const;

/**
 * Schedule+cancel operations per timed pass: twice the pending count, and
 * never fewer than 200,000, so that a timing lasts long enough to be read on
 * a busy machine.
 */
export function scaleOps(pending: number): number {
  return Math.max(2 * pending, 200_000);
}

function noop(): void {}

/** Nanoseconds per schedule+cancel: right after the set-up, and once it has settled. */
export interface PassTimes {
  cold: number;
  steady: number;
}

/**
 * Nanoseconds per schedule+cancel on a fresh loop holding `pending` timers,
 * with deadlines spread over as many milliseconds (a deterministic
 * pseudo-random order), in two timed passes. The first (cold) also pays for
 * the set-up: the first collections after it copy the `pending` timers just
 * created out of V8's young generation, a cost of creating them that a
 * longer-lived loop pays once. The second (steady) is the cost of an
 * operation with that many timers pending.
 */
export function timeScheduleCancel(loop: TimerLoop, pending: number): PassTimes {
  let seed = 12345;
  const next = (): number => { seed = (seed * 1103515245 + 12345) >>> 0; return seed % pending; };
  for (let i = 0; i < pending; i++) loop.callLater(1000 + next(), noop);
  const ops = scaleOps(pending);
  const pass = (): number => {
    const t0 = performance.now();
    for (let i = 0; i < ops; i++) loop.callLater(1000 + next(), noop).cancel();
    return ((performance.now() - t0) * 1e6) / ops;
  };
  const cold = pass();
  return { cold, steady: pass() };
}

/** Per loop and pass: nanoseconds per operation at each size, and the ratio of the largest size to the smallest. */
export interface ScaleResult {
  nsPerOp: Record<number, Spread>;
  ratio: Spread;
  cold: { nsPerOp: Record<number, Spread>; ratio: Spread };
}

/** Measures `makeLoop()` loops at every size, sizes interleaved within each of `rounds` rounds. */
export function scaleV8(makeLoop: () => TimerLoop, rounds: number): ScaleResult {
  const samples: Record<keyof PassTimes, Record<number, number[]>> = { cold: {}, steady: {} };
  const ratios: Record<keyof PassTimes, number[]> = { cold: [], steady: [] };
  const first = SCALE_SIZES[0], last = SCALE_SIZES[SCALE_SIZES.length - 1]!;
  for (const n of SCALE_SIZES) {
    samples.cold[n] = [];
    samples.steady[n] = [];
  }
  for (let r = -1; r < rounds; r++) {
    const round: Record<number, PassTimes> = {};
    for (const n of SCALE_SIZES) round[n] = timeScheduleCancel(makeLoop(), n);
    if (r < 0) continue;
    for (const k of ['cold', 'steady'] as const) {
      for (const n of SCALE_SIZES) samples[k][n]!.push(round[n]![k]);
      ratios[k].push(round[last]![k] / round[first]![k]);
    }
  }
  const summary = (k: keyof PassTimes): { nsPerOp: Record<number, Spread>; ratio: Spread } => {
    const nsPerOp: Record<number, Spread> = {};
    for (const n of SCALE_SIZES) nsPerOp[n] = spread(samples[k][n]!);
    return { nsPerOp, ratio: spread(ratios[k]) };
  };
  return { ...summary('steady'), cold: summary('cold') };
}
