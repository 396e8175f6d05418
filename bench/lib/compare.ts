import { performance } from 'node:perf_hooks';
import { spread, type Spread } from './stats.js';

/** One side of a comparison: a way to do `n` operations. */
export interface Contender {
  /** What runs, and how it is driven, e.g. `Queue, generator tasks, NodeLoop`. */
  name: string;
  /** Whether this is anyloop or what it is compared with. */
  side: 'anyloop' | 'peer';
  /**
   * Does `n` operations and settles when all are complete. It checks its own
   * outcome and throws when the work was not done, so a broken contender can
   * never look fast.
   */
  run(n: number): Promise<void> | void;
}

/** Contenders doing the same work, timed side by side. */
export interface Comparison {
  id: string;
  title: string;
  /** Operations per run (what `n` counts, e.g. `hand-offs`). */
  unit: string;
  n: number;
  contenders: Contender[];
}

/** The outcome of a comparison over all rounds. */
export interface ComparisonResult {
  id: string;
  title: string;
  unit: string;
  n: number;
  rounds: number;
  /** Operations per second of each contender. */
  opsPerSec: Record<string, Spread>;
  /** For every anyloop contender and every peer: anyloop throughput ÷ peer throughput, per round. */
  ratios: { anyloop: string; peer: string; ratio: Spread }[];
}

/**
 * Runs every contender once per round, in an order that rotates from round to
 * round, after `warmup` untimed rounds. Throughput ratios are taken within a
 * round, so that a slow moment of the shared machine hits both sides alike.
 * No collection is forced between runs: after a full GC V8 shrinks its young
 * generation, which makes the next run up to 3× slower for whoever allocates
 * most (measured), so forcing one would be unfair, not neutral.
 */
export async function compare(c: Comparison, rounds: number, warmup = 2): Promise<ComparisonResult> {
  const k = c.contenders.length;
  const times: number[][] = c.contenders.map(() => []);
  for (let r = 0; r < warmup + rounds; r++) {
    for (let j = 0; j < k; j++) {
      const i = (j + r) % k;
      const t0 = performance.now();
      await c.contenders[i]!.run(c.n);
      const t = performance.now() - t0;
      if (r >= warmup) times[i]!.push(t);
    }
  }
  const opsPerSec: Record<string, Spread> = {};
  c.contenders.forEach((x, i) => { opsPerSec[x.name] = spread(times[i]!.map((t) => (c.n * 1000) / t)); });
  const ratios: ComparisonResult['ratios'] = [];
  c.contenders.forEach((a, i) => {
    if (a.side !== 'anyloop') return;
    c.contenders.forEach((p, j) => {
      if (p.side !== 'peer') return;
      ratios.push({ anyloop: a.name, peer: p.name, ratio: spread(times[i]!.map((ta, r) => times[j]![r]! / ta)) });
    });
  });
  return { id: c.id, title: c.title, unit: c.unit, n: c.n, rounds, opsPerSec, ratios };
}

/** Throws when a contender's check fails. */
export function expectEqual(actual: unknown, expected: unknown, what: string): void {
  if (actual !== expected) throw new Error(`${what}: expected ${String(expected)}, got ${String(actual)}`);
}
