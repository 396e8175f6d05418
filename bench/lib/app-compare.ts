import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { RunOptions, SimReport } from '../../src/sim/host/run.js';
import { ROOT } from './bundle.js';

/**
 * The simulator from dist/ (the built package), as `anyloop-sim` runs:
 * it finds its own modules beside it, which a compiled copy of src/ lacks.
 */
export async function runScenario(options: RunOptions): Promise<SimReport> {
  const run = await import(pathToFileURL(join(ROOT, 'dist/sim/host/run.js')).href) as typeof import('../../src/sim/host/run.js');
  return run.runScenario(options);
}

/** The two versions of the esp32 example app: anyloop's, and the one written with native promises and Moddable timers. */
export const APPS = { anyloop: 'targets/esp32', native: 'targets/esp32-native' } as const;
export type AppKind = keyof typeof APPS;

/** One app on one scenario in the simulator's XS engine, measured. */
export interface AppMeasure {
  /** Every expectation of the scenario held (else the run's failure, expectations and reports say why). */
  ok: boolean;
  problems: string[];
  /** Peak live slots of the app (above the simulator's own heap). */
  peakSlots: number;
  /** Slots of the app's loaded definitions (modules evaluated, nothing started): what preload puts in flash. */
  definitionSlots: number;
  /** Peak live slots above the loaded definitions: the app's running state, in RAM. */
  runningSlots: number;
  /** Computrons of the app's host calls after start-up, the simulated host modules' left out. */
  appComputrons: number;
  /** What the simulated host modules took in those calls (C on a device). */
  hostModuleComputrons: number;
  /** The simulator's own JavaScript in those calls, calibrated per run: neither the app's nor the host's. */
  meterOverheadComputrons: number;
}

async function startupSlots(entrySource: string | null, scenario: string): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'anyloop-app-'));
  try {
    const entry = join(dir, 'entry.ts');
    writeFileSync(entry, entrySource ?? 'export {};\n');
    const r = await runScenario({ app: entry, scenario, engine: 'xs', meterApp: true, typecheck: false, sliceMs: 1000 });
    return r.meters!.startupHeapSlots;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Both apps on a scenario: each run metered (app computrons apart from the
 * simulated host modules'), and two start-ups more per app for the heap:
 * an empty app (the simulator alone) and the app's modules loaded without
 * starting it (its definitions: anyloop's and the app's functions, classes
 * and prototypes, which preload builds into flash on a device).
 */
export async function compareApps(scenarioName = 'default', kinds: readonly AppKind[] = ['anyloop', 'native']): Promise<Partial<Record<AppKind, AppMeasure>>> {
  const scenario = join(ROOT, APPS.anyloop, 'scenarios', `${scenarioName}.json`);
  const simulator = await startupSlots(null, scenario);
  const out: Partial<Record<AppKind, AppMeasure>> = {};
  for (const kind of kinds) {
    const dir = join(ROOT, APPS[kind]);
    const loaded = await startupSlots(`import { startApp } from ${JSON.stringify(join(dir, 'app.ts'))};\n(globalThis as { app?: unknown }).app = startApp;\n`, scenario);
    const r = await runScenario({ app: join(dir, 'main.ts'), scenario, engine: 'xs', meterApp: true });
    const m = r.meters!;
    out[kind] = {
      ok: r.ok,
      problems: [...(r.failure === null ? [] : [r.failure]), ...r.unhandled, ...r.expectations.filter((e) => !e.ok).map((e) => e.message)],
      peakSlots: m.peakHeapSlots - simulator,
      definitionSlots: loaded - simulator,
      runningSlots: m.peakHeapSlots - loaded,
      appComputrons: m.appComputrons!,
      hostModuleComputrons: m.hostModuleComputrons!,
      meterOverheadComputrons: m.meterOverheadComputrons!,
    };
  }
  return out;
}
