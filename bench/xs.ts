/**
 * The XS suite: the same operations in the real XS engine, in computrons and
 * heap slots (see xs/harness.ts for what each name runs).
 */
import { xsScript, entryPoints } from './lib/bundle.js';
import { readBudgets } from './lib/budgets.js';
import { XsBench } from './lib/xs-suite.js';
import { SCALE_SIZES, scaleOps } from './scale.js';
import { XsWorker } from '../src/sim/host/xsnap.js';

/** The peers' pending waits (those of xs/harness.ts that run in XS). */
export const PEER_PENDING = [
  '@esfx/async-manualresetevent wait', '@esfx/async-queue get', 'async-mutex acquire', '@esfx/async-mutex lock',
] as const;

/** Pending waits measured, the native Promise first: it is what the others are compared with. */
export const PENDING_KINDS = [
  'native Promise + resolver', 'Event.wait', 'Queue.get', 'Lock.acquire', 'Semaphore.acquire',
  ...PEER_PENDING, 'pending timer (callLater, no arguments)',
] as const;

/** Work measured in computrons per operation. */
export const WORK = [
  'Queue hand-off, native Promise pattern (async fn)',
  'Queue hand-off, @esfx/async-queue (async fn)',
  'Queue hand-off, anyloop Queue (async fn, VirtualTimeLoop)',
  'Queue(1) hand-off, native Promise pattern (async fn)',
  'Queue(1) hand-off, anyloop Queue (async fn, VirtualTimeLoop)',
  'Queue hand-off, anyloop Queue (generator tasks + sleep(0), VirtualTimeLoop)',
  'Queue(1) hand-off, anyloop Queue (generator tasks, VirtualTimeLoop)',
  'native step: await undefined in an async fn',
  'task step: yield* sleep(0) in a generator task (VirtualTimeLoop)',
  'native sleep: await a Promise a host timer resolves (async fn)',
  'sleep: yield* sleep(1) in a generator task (VirtualTimeLoop)',
  'native waitFor: await a Promise raced with a host timer, the timer cleared (async fn)',
  'waitFor: yield* waitFor(future, 1000) in a generator task, another callback completes the future (VirtualTimeLoop)',
  'put/get/cancel cycles',
  'timer schedule/cancel cycles',
  'timeout waits on a promise that stays pending',
] as const;

/** Work checked for heap growth, and how many cycles. */
export const GROWTH = {
  'put/get/cancel cycles': 100_000,
  'timer schedule/cancel cycles': 100_000,
  'timeout waits on a promise that stays pending': 100_000,
} as const;

/** The entry points meant to run in XS (the others need Node). */
const XS_ENTRIES = ['anyloop', 'anyloop/testing', 'anyloop/xs'];

export interface XsResults {
  /** Live slots kept per pending wait. */
  pendingSlots: Record<string, number>;
  /**
   * Slots per waiting thing (bench/budgets.json's `xs.waiting`: the native
   * row, then anyloop's), all measured in one engine, that many of each held at once.
   */
  waitingSlots: Record<string, number>;
  /** Computrons per operation. */
  computronsPerOp: Record<string, number>;
  /** Live slots gained across the cycles (0 means no growth). */
  heapGrowth: Record<string, number>;
  /** Per loop: computrons per timer schedule+cancel at each pending count, and the ratio of the largest to the smallest. */
  timerScale: Record<string, { perOp: Record<number, number>; ratio: number }>;
  /** Live slots after loading each entry point whole into a fresh engine. */
  loadSlots: Record<string, number>;
}

/** Live slots an entry point keeps once loaded (all its exports held), in a fresh engine. */
export async function loadSlots(entry: string): Promise<number> {
  const script = await xsScript(`import * as lib from '${entry}';\nglobalThis.lib = lib;`);
  const xs = new XsWorker({ name: 'anyloop-load' });
  try {
    const before = (await xs.evaluate('gc()')).meters.currentHeapCount;
    await xs.evaluate(script);
    return (await xs.evaluate('gc()')).meters.currentHeapCount - before;
  } finally {
    await xs.close();
  }
}

/** The rows of bench/budgets.json's `xs.waiting`, the native one first, measured in `b`'s engine. */
export async function measureWaiting(b: XsBench): Promise<Record<string, number>> {
  const { count, native, slots } = readBudgets().xs.waiting;
  const out: Record<string, number> = {};
  for (const k of [native, ...Object.keys(slots)]) out[k] = await b.slotsPerPending(k, count);
  return out;
}

export async function runXs(): Promise<XsResults> {
  const b = await XsBench.start();
  try {
    const pendingSlots: Record<string, number> = {};
    for (const k of PENDING_KINDS) pendingSlots[k] = await b.slotsPerPending(k);
    const waitingSlots = await measureWaiting(b);
    const computronsPerOp: Record<string, number> = {};
    for (const w of WORK) computronsPerOp[w] = await b.computronsPerOp(w);
    const heapGrowth: Record<string, number> = {};
    for (const [w, n] of Object.entries(GROWTH)) heapGrowth[w] = await b.heapGrowth(w, n);
    const timerScale: XsResults['timerScale'] = {};
    for (const loop of ['VirtualTimeLoop', 'XsLoop'] as const) {
      const perOp: Record<number, number> = {};
      for (const n of SCALE_SIZES) perOp[n] = await b.timerScale(loop, n, scaleOps(n));
      timerScale[loop] = { perOp, ratio: perOp[SCALE_SIZES[SCALE_SIZES.length - 1]!]! / perOp[SCALE_SIZES[0]]! };
    }
    const load: Record<string, number> = {};
    for (const entry of Object.keys(entryPoints())) {
      if (XS_ENTRIES.includes(entry)) load[entry] = await loadSlots(entry);
    }
    return { pendingSlots, waitingSlots, computronsPerOp, heapGrowth, timerScale, loadSlots: load };
  } finally {
    await b.close();
  }
}
