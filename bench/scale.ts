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
 * Schedule+cancel operations per measurement: at least two compaction periods
 * of the lazily-cancelled heap at every size, so that the amortized cost is
 * counted alike, and never fewer than 200,000, so that a timing lasts long
 * enough to be read on a busy machine.
 */
export function scaleOps(pending: number): number {
  return Math.max(2 * pending + 2, 200_000);
}

function noop(): void {}

/**
 * Nanoseconds per schedule+cancel on a fresh loop holding `pending` timers,
 * with deadlines spread over as many milliseconds (a deterministic pseudo-random order).
 */
export function timeScheduleCancel(loop: TimerLoop, pending: number): number {
  let seed = 12345;
  const next = (): number => { seed = (seed * 1103515245 + 12345) >>> 0; return seed % pending; };
  for (let i = 0; i < pending; i++) loop.callLater(1000 + next(), noop);
  const ops = scaleOps(pending);
  const t0 = performance.now();
  for (let i = 0; i < ops; i++) loop.callLater(1000 + next(), noop).cancel();
  return ((performance.now() - t0) * 1e6) / ops;
}

/** Per loop: nanoseconds per operation at each size, and the ratio of the largest size to the smallest. */
export interface ScaleResult {
  nsPerOp: Record<number, Spread>;
  ratio: Spread;
}

/** Measures `makeLoop()` loops at every size, sizes interleaved within each of `rounds` rounds. */
export function scaleV8(makeLoop: () => TimerLoop, rounds: number): ScaleResult {
  const samples: Record<number, number[]> = {};
  const ratios: number[] = [];
  for (const n of SCALE_SIZES) samples[n] = [];
  for (let r = -1; r < rounds; r++) {
    const round: Record<number, number> = {};
    for (const n of SCALE_SIZES) round[n] = timeScheduleCancel(makeLoop(), n);
    if (r < 0) continue;
    for (const n of SCALE_SIZES) samples[n]!.push(round[n]!);
    ratios.push(round[SCALE_SIZES[SCALE_SIZES.length - 1]]! / round[SCALE_SIZES[0]]!);
  }
  const nsPerOp: Record<number, Spread> = {};
  for (const n of SCALE_SIZES) nsPerOp[n] = spread(samples[n]!);
  return { nsPerOp, ratio: spread(ratios) };
}
