import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareApps } from '../bench/lib/app-compare.js';
import { readBudgets } from '../bench/lib/budgets.js';
import { entrySizes, primitiveSizes, programSizes } from '../bench/lib/size-suite.js';
import { XsBench } from '../bench/lib/xs-suite.js';

const budgets = readBudgets();

/** The measures above their budget (or without one), as readable lines. */
function overBudget(measured: Record<string, number>, budget: Record<string, number>, unit: string): string[] {
  const over: string[] = [];
  for (const [name, value] of Object.entries(measured)) {
    const max = budget[name];
    if (max === undefined) over.push(`${name}: ${value} ${unit}, and bench/budgets.json has no budget for it`);
    else if (value > max) over.push(`${name}: ${value} ${unit} > budget ${max}`);
  }
  return over;
}

function gzipOf(sizes: Record<string, { gzip: number }>): Record<string, number> {
  return Object.fromEntries(Object.entries(sizes).map(([k, v]) => [k, v.gzip]));
}

describe('size budgets: min+gzip bytes of the built dist/, bundled by rollup and minified by terser', () => {
  it('keeps every entry point within its budget', async () => {
    expect(overBudget(gzipOf(await entrySizes()), budgets.size.entries, 'B')).toEqual([]);
  }, 120_000);

  it('keeps every primitive imported alone (tree-shaken) within its budget', async () => {
    expect(overBudget(gzipOf(await primitiveSizes()), budgets.size.primitives, 'B')).toEqual([]);
  }, 120_000);

  it('keeps every program importing several primitives (Lock + Queue) within its budget', async () => {
    const budget = Object.fromEntries(Object.entries(budgets.size.programs).map(([k, b]) => [k, b.budget]));
    expect(overBudget(gzipOf(await programSizes()), budget, 'B')).toEqual([]);
  }, 120_000);
});

describe('XS budgets: the real XS engine, deterministic meters', () => {
  let xs: XsBench;
  beforeAll(async () => { xs = await XsBench.start(); }, 120_000);
  afterAll(async () => { await xs?.close(); });

  it('keeps the heap slots per pending waiter within budget', async () => {
    const measured: Record<string, number> = {};
    for (const kind of Object.keys(budgets.xs.slotsPerPendingWaiter)) measured[kind] = await xs.slotsPerPending(kind);
    expect(overBudget(measured, budgets.xs.slotsPerPendingWaiter, 'slots')).toEqual([]);
  }, 60_000);

  it('keeps the computrons per Queue hand-off within budget', async () => {
    const measured: Record<string, number> = {};
    for (const work of Object.keys(budgets.xs.computronsPerQueueHandoff)) measured[work] = await xs.computronsPerOp(work);
    expect(overBudget(measured, budgets.xs.computronsPerQueueHandoff, 'computrons')).toEqual([]);
  }, 60_000);

  it('keeps the slots per waiting thing within budget (Tasks, Futures, Events, waiters, timers)', async () => {
    // The bench holds 10,000 of each (budgets' `count`); 1,000 give the same slots per thing within 0.01, in a fifth of the time.
    const { slots } = budgets.xs.waiting;
    const measured: Record<string, number> = {};
    for (const kind of Object.keys(slots)) measured[kind] = await xs.slotsPerPending(kind, 1000);
    const budget = Object.fromEntries(Object.entries(slots).map(([k, b]) => [k, b.budget]));
    expect(overBudget(measured, budget, 'slots')).toEqual([]);
  }, 300_000);

  it('keeps the computrons per operation within budget (hand-off, sleep, waitFor, task step)', async () => {
    const ops = budgets.xs.computronsPerOperation;
    const measured: Record<string, number> = {};
    for (const work of Object.keys(ops)) measured[work] = await xs.computronsPerOp(work);
    const budget = Object.fromEntries(Object.entries(ops).map(([k, b]) => [k, b.budget]));
    expect(overBudget(measured, budget, 'computrons')).toEqual([]);
  }, 120_000);

  for (const [work, { cycles, slots }] of Object.entries(budgets.xs.heapGrowth)) {
    it(`does not grow the heap across ${cycles.toLocaleString('en-US')} ${work}`, async () => {
      expect(await xs.heapGrowth(work, cycles)).toBeLessThanOrEqual(slots);
    }, 60_000);
  }
});

describe('the esp32 example app in XS (targets/esp32 on its scenario, the simulated host modules metered apart)', () => {
  it('keeps its running state (peak slots above its loaded definitions) and its own computrons within budget', async () => {
    const { scenario, runningSlots, appComputrons } = budgets.xs.app;
    const m = (await compareApps(scenario, ['anyloop'])).anyloop!;
    expect(m.problems).toEqual([]);
    expect(overBudget({ runningSlots: m.runningSlots }, { runningSlots: runningSlots.budget }, 'slots')).toEqual([]);
    expect(overBudget({ appComputrons: m.appComputrons }, { appComputrons: appComputrons.budget }, 'computrons')).toEqual([]);
    expect(m.hostModuleComputrons).toBeGreaterThan(0);
  }, 120_000);
});
