import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './bundle.js';

/** A measure's budget (the most it may reach) and, where the project set one, its target. */
export interface WaitingBudget {
  /** The most slots each may keep (measured with a little headroom): `npm test` holds it. */
  budget: number;
  /** The target in slots, when it is absolute. */
  targetSlots?: number;
  /** The target as a multiple of the native row's slots, when it is relative. */
  targetTimesNative?: number;
}

/** A measure of the anyloop app: its budget, and its target as a multiple of the native app's. */
export interface AppBudget {
  budget: number;
  targetTimesNative: number;
}

/** A work item's computron budget, and the native work it is read against. */
export interface OperationBudget {
  budget: number;
  /** The work item doing the same with native promises (and async functions). */
  native: string;
}

/** A program's size budget in min+gzip bytes, and its target. */
export interface SizeBudget {
  budget: number;
  targetBytes: number;
}

/** bench/budgets.json: the most each measure may reach (set from measurements, with a little headroom). */
export interface Budgets {
  size: {
    entries: Record<string, number>;
    primitives: Record<string, number>;
    /** Programs importing several primitives, named by their imports (`Lock + Queue`). */
    programs: Record<string, SizeBudget>;
  };
  xs: {
    slotsPerPendingWaiter: Record<string, number>;
    computronsPerQueueHandoff: Record<string, number>;
    heapGrowth: Record<string, { cycles: number; slots: number }>;
    /** Slots per waiting thing, `count` of each held at once, side by side with `native`. */
    waiting: { count: number; native: string; slots: Record<string, WaitingBudget> };
    /** Computrons per operation, each next to its native counterpart. */
    computronsPerOperation: Record<string, OperationBudget>;
    /**
     * The esp32 example app on a scenario (bench/lib/app-compare.ts): its
     * running state in slots and its own computrons, targets relative to
     * the native version of the app.
     */
    app: { scenario: string; runningSlots: AppBudget; appComputrons: AppBudget };
  };
}

/** Reads bench/budgets.json (read at each run, so that a re-measured file needs no rebuild). */
export function readBudgets(): Budgets {
  return JSON.parse(readFileSync(join(ROOT, 'bench/budgets.json'), 'utf8')) as Budgets;
}

/** The target's slots for a waiting thing, given the native row's. */
export function targetSlots(b: WaitingBudget, native: number): number | undefined {
  return b.targetSlots ?? (b.targetTimesNative === undefined ? undefined : b.targetTimesNative * native);
}
