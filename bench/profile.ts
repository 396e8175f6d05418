/**
 * `npm run bench:profile [-- scenario]`: where the esp32 example app's
 * computrons go, function by function, for anyloop's app and the native
 * one, on a scenario of targets/esp32 (default: `default`). Each app runs
 * once in the profiling worker (built on first use: a full compile of XS,
 * under a minute); see bench/README.md, "Computron profiles".
 *
 * Fails (exit code 1) when a profile's count of the computrons in the
 * host's calls into the app differs from the simulator's meter over the
 * same calls by more than {@link WINDOW_SLACK} allows: the profile would
 * not account for what the meter counts.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LEAST_UPPER_BOUND, originalPositionFor, TraceMap } from '@jridgewell/trace-mapping';
import { APPS, runScenario, type AppKind } from './lib/app-compare.js';
import { ROOT } from './lib/bundle.js';
import { analyzeProfile, formatTree, parseCpuProfile, parseStacks, type ProfileAnalysis, type ProfileFunction } from './lib/xs-profile.js';

/**
 * How many computrons a host call's window may have in the meter's count
 * and not in the profile's. The driver's onHostCall reads the meter among
 * its own lines: what it runs after its read that opens a window, and
 * before its read that closes one, is in the meter's window but in
 * samples with onHostCall on the stack, which the profile leaves out.
 * Measured (2026-12-02): 23 to 35 a call on the four scenarios.
 */
const WINDOW_SLACK = 40;

/** How XS names the bundle (the third script the worker evaluates: see XS_BUNDLE_NAMES in src/sim/host/run.ts). */
const BUNDLE_SCRIPT = '#2';

/** The simulator's modules (from dist/, as `anyloop-sim` bundles them, or src/): the host's code (its modules are C on a device). */
const SIM_SOURCES = [join(ROOT, 'dist', 'sim') + sep, join(ROOT, 'src', 'sim') + sep];
const isSim = (source: string): boolean => SIM_SOURCES.some((d) => source.startsWith(d));

/** Tree nodes under this share of the app's computrons are left out. */
const TREE_MIN = 0.005;
const TREE_DEPTH = 8;
const TABLE_ROWS = 40;

interface AppProfile {
  kind: AppKind;
  meter: { app: number; hostModules: number; overhead: number };
  analysis: ProfileAnalysis;
  functions: Map<number, ProfileFunction>;
}

/** The functions of a profile, each named by its source (through the bundle's map) and given to the app or the host. */
function profileFunctions(cpuprofile: string, map: string): { functions: Map<number, ProfileFunction>; marker: number } {
  const trace = new TraceMap(map);
  const driver = trace.resolvedSources.find((f): f is string => f !== null && isSim(f) && /[/\\]driver\.[jt]s$/.test(f));
  if (driver === undefined) throw new Error('bench:profile: the bundle has no simulator driver (sim/driver.js)');
  const markerLine = readFileSync(driver, 'utf8').split('\n').findIndex((l) => /^\s*const onHostCall = /.test(l)) + 1;
  if (markerLine === 0) throw new Error(`bench:profile: ${driver} has no 'const onHostCall = ': the profile's windows are its calls`);
  const functions = new Map<number, ProfileFunction>();
  let marker = -1;
  for (const n of parseCpuProfile(cpuprofile)) {
    if (n.url === '') {
      functions.set(n.id, { label: n.functionName, kind: 'native' });
      continue;
    }
    const p = n.url === BUNDLE_SCRIPT && n.lineNumber >= 0
      ? originalPositionFor(trace, { line: n.lineNumber + 1, column: 0, bias: LEAST_UPPER_BOUND })
      : null;
    if (p === null || p.source === null) {
      // The prelude and the bundle's own wrapper: the simulator's.
      functions.set(n.id, { label: `${n.functionName} (${n.url}:${n.lineNumber + 1})`, kind: 'host' });
      continue;
    }
    if (p.source === driver && p.line === markerLine) marker = n.id;
    const file = relative(ROOT, p.source);
    functions.set(n.id, { label: `${n.functionName} (${file}:${p.line})`, kind: isSim(p.source) ? 'host' : 'app', file });
  }
  if (marker < 0) throw new Error(`bench:profile: the profile has no function at ${relative(ROOT, driver)}:${markerLine} (onHostCall)`);
  return { functions, marker };
}

async function profileApp(kind: AppKind, scenario: string, dir: string, worker: string): Promise<AppProfile> {
  const prefix = join(dir, kind);
  const r = await runScenario({ app: join(ROOT, APPS[kind], 'main.ts'), scenario, engine: 'xs', meterApp: true, profile: { worker, prefix } });
  if (!r.ok) throw new Error(`bench:profile: the ${kind} app failed its scenario: ${r.failure ?? [...r.unhandled, ...r.expectations.filter((e) => !e.ok).map((e) => e.message)].join('; ')}`);
  const m = r.meters!;
  const { functions, marker } = profileFunctions(readFileSync(`${prefix}.cpuprofile`, 'utf8'), readFileSync(`${prefix}.map`, 'utf8'));
  const analysis = analyzeProfile(parseStacks(readFileSync(`${prefix}.stacks`, 'utf8')), functions, marker);
  return { kind, meter: { app: m.appComputrons!, hostModules: m.hostModuleComputrons!, overhead: m.meterOverheadComputrons! }, analysis, functions };
}

const n = (v: number): string => v.toLocaleString('en-US');
const pct = (a: number, b: number): string => `${(100 * a / b).toFixed(1)}%`;

function report(p: AppProfile, scenario: string): string[] {
  const { analysis: a, meter } = p;
  const label = (id: number): string => p.functions.get(id)?.label ?? `#${id}`;
  const lines = [
    `== ${p.kind} app (${APPS[p.kind]}), scenario ${scenario} ==`,
    `meter:   app ${n(meter.app)}   host modules ${n(meter.hostModules)}   simulator's own (calibrated) ${n(meter.overhead)}   (${n(meter.app + meter.hostModules + meter.overhead)} in all)`,
    `profile: app ${n(a.app)} (${pct(a.app, meter.app)} of the meter's)   host modules and the meter's wrappers ${n(a.hostModules)} (${n(a.hostModuleCalls)} calls)   simulator's own ${n(a.hostOwn)}   (${n(a.calls)} host calls, ${n(a.windows)} in all; outside them ${n(a.outside)})`,
    `         calls across: into the app ${n(a.crossing.intoApp)} counted to the host (their call and prologue, before the callee's first line), into the host modules ${n(a.crossing.intoHost)} counted to the app`,
    '',
    `call tree of the app's computrons (total, self, calls seen; nodes under ${TREE_MIN * 100}% left out):`,
    ...formatTree(a.tree, label, a.app * TREE_MIN, TREE_DEPTH),
    '',
    'by source file (self; a native\'s go to its caller\'s file):',
    ...a.files.map(([file, c]) => `${String(c).padStart(8)} ${pct(c, a.app).padStart(6)}  ${file}`),
    '',
    `by function, the ${TABLE_ROWS} largest self figures (self, inclusive, calls seen, self per call):`,
    ...a.functions.slice(0, TABLE_ROWS).map((r) =>
      `${String(r.self).padStart(8)} ${String(r.inclusive).padStart(8)} ${String(r.calls).padStart(6)} ${String(Math.round(r.self / Math.max(r.calls, 1))).padStart(6)}  ${label(r.id)}`),
    '',
  ];
  return lines;
}

const scenarioName = process.argv[2] ?? 'default';
const scenario = join(ROOT, APPS.anyloop, 'scenarios', `${scenarioName}.json`);
const dir = mkdtempSync(join(tmpdir(), 'anyloop-profile-'));
const failures: string[] = [];
try {
  const { profilingWorkerPath } = await import(pathToFileURL(join(ROOT, 'dist/sim/host/profiling-worker.js')).href) as typeof import('../src/sim/host/profiling-worker.js');
  const started = Date.now();
  const worker = await profilingWorkerPath();
  if (Date.now() - started > 5000) console.log(`(built the profiling worker in ${((Date.now() - started) / 1000).toFixed(0)} s: ${worker})\n`);
  for (const kind of Object.keys(APPS) as AppKind[]) {
    const p = await profileApp(kind, scenario, dir, worker);
    console.log(report(p, scenarioName).join('\n'));
    const meterWindows = p.meter.app + p.meter.hostModules + p.meter.overhead;
    const off = meterWindows - p.analysis.windows;
    if (off < 0 || off > WINDOW_SLACK * p.analysis.calls) {
      failures.push(`the ${kind} app's profile counts ${n(p.analysis.windows)} computrons in the host's ${n(p.analysis.calls)} calls where the meter counts ${n(meterWindows)}: ${n(off)} less, where 0 to ${WINDOW_SLACK} a call is allowed`);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
if (failures.length > 0) {
  console.error(`bench:profile FAILED:\n${failures.join('\n')}`);
  process.exitCode = 1;
}
