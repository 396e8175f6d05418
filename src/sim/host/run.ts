import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPORT_PREFIX, simConfig, type LoopReport, type SimDriver, type SimResult } from '../driver.js';
import { parseScenario, ScenarioError, type Scenario } from '../scenario.js';
import { checkExpectations, isPrintEvent, type ExpectationResult } from '../trace.js';
import { bundleApp, bundleTools, ROOT } from './bundle.js';
import { requirePeers, type Peer } from './peers.js';
import { BundleSourceMap } from './source-map.js';
import { typecheckApp } from './typecheck.js';
import { XsError, XsWorker } from './xsnap.js';

/** The engines a scenario runs in. */
export type Engine = 'node' | 'xs';

/** XS's own meters of a run: deterministic, repeat exactly. */
export interface XsRunMeters {
  /** Computrons of the app's start-up (its module bodies and their promise jobs). */
  startupComputrons: number;
  /** Computrons of the whole run, start-up included. */
  computrons: number;
  /** The most live heap slots seen (after a GC at the end of start-up and of each slice of the run). */
  peakHeapSlots: number;
  /** Live heap slots at the end of the run. */
  finalHeapSlots: number;
  /** Live heap slots once the bundle ran, before the app did anything on the board. */
  startupHeapSlots: number;
}

/** Everything a run produced. */
export interface SimReport extends SimResult {
  engine: Engine;
  scenario: Scenario;
  /** The outcome of each of the scenario's expectations. */
  expectations: ExpectationResult[];
  /**
   * Failures of the app nobody handled, one line each: promise rejections,
   * and the loops' exception handler reports (a failing task, an exception
   * in a callback), with the place in the app's source they came from.
   */
  unhandled: string[];
  /** True when the run finished, every expectation held and nothing was left unhandled. */
  ok: boolean;
  /** Only for the xs engine. */
  meters?: XsRunMeters;
}

/** Options of {@link runScenario}. */
export interface RunOptions {
  /** The app's main module. */
  app: string;
  /** A scenario, or the path of a JSON scenario file. */
  scenario: Scenario | string;
  engine: Engine;
  /**
   * Virtual milliseconds per slice of the run (default: a fiftieth of the
   * scenario, at least 100). The host gets progress, and XS meters are
   * sampled, at each slice's end; the trace does not depend on it.
   */
  sliceMs?: number;
  /** Called after each slice with the virtual time reached and the end. */
  onProgress?: (t: number, end: number) => void;
  /** Typecheck a TypeScript app against @moddable/typings before it runs (default true). */
  typecheck?: boolean;
  /** Aborting it stops the run at once (the XS worker is killed); the run rejects with the signal's reason. */
  signal?: RunSignal;
}

/** What the run uses of an AbortSignal (declared here so that the declarations need no DOM or Node types). */
export interface RunSignal {
  /** True once the run should stop. */
  readonly aborted: boolean;
  /** Throws the abort reason once aborted. */
  throwIfAborted(): void;
  /** Calls `listener` when the run should stop. */
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  /** Removes a listener added by addEventListener. */
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** The app threw while it started (its module bodies ran). */
export class AppStartError extends Error {
  override name = 'AppStartError';
}

/** A file the simulator was given does not exist or cannot be read. */
export class SimInputError extends Error {
  override name = 'SimInputError';
}

/**
 * Runs an app on the simulated board through a scenario, in Node (in-process)
 * or in the real XS engine, and reports the trace, the expectations and, for
 * XS, the engine's meters. The same app and scenario give the same trace in
 * both engines.
 *
 * Throws ScenarioError (a bad scenario, naming the field), SimInputError (a
 * missing file), MissingPeerError (naming every tool the run needs that is not
 * installed), TypecheckError (a TypeScript app that does not typecheck),
 * BundleError (an app that does not bundle) or AppStartError (an app that
 * throws at start-up); failures during the run are reported in `failure` and
 * `unhandled` instead. Stack traces in the report point at the app's
 * sources (through the bundle's source map).
 */
export async function runScenario(options: RunOptions): Promise<SimReport> {
  if (options.engine !== 'node' && options.engine !== 'xs') {
    throw new TypeError(`engine must be 'node' or 'xs', got ${String(options.engine)}`);
  }
  if (typeof options.app !== 'string' || !existsSync(options.app)) throw new SimInputError(`app not found: ${String(options.app)}`);
  const scenario = typeof options.scenario === 'string' ? await loadScenario(options.scenario) : parseScenario(options.scenario);
  const slice = options.sliceMs ?? Math.max(100, Math.ceil(scenario.end / 50));
  if (!Number.isInteger(slice) || slice <= 0) throw new RangeError(`sliceMs must be a positive whole number, got ${slice}`);
  const isTs = /\.[cm]?ts$/.test(options.app);
  const tools: Peer[] = bundleTools(options.app);
  if (options.engine === 'xs') tools.push('@agoric/xsnap');
  if (isTs && options.typecheck !== false) tools.push('@moddable/typings');
  requirePeers(tools);
  if (isTs && options.typecheck !== false) await typecheckApp(options.app);
  const bundle = await bundleApp({ app: options.app, engine: options.engine, config: simConfig(scenario) });
  const times: number[] = [];
  for (let t = Math.min(slice, scenario.end); ; t = Math.min(t + slice, scenario.end)) {
    times.push(t);
    if (t === scenario.end) break;
  }
  const run = options.engine === 'xs' ? runInXs : runInNode;
  const { result, unhandled: rejections, meters, bundleNames } = await run(bundle.code, times, (t) => options.onProgress?.(t, scenario.end), options.signal);
  const map = new BundleSourceMap(bundle.map, bundleNames);
  for (const e of result.trace.events) if (isPrintEvent(e)) e.print = map.mapText(e.print);
  const unhandled = [...rejections.map((u) => map.mapText(u)), ...result.reports.map((r) => describeReport(r, map))];
  const expectations = checkExpectations(scenario, result.trace);
  const report: SimReport = {
    engine: options.engine,
    scenario,
    ...result,
    expectations,
    unhandled,
    ok: result.failure === null && unhandled.length === 0 && expectations.every((e) => e.ok),
  };
  if (meters !== undefined) report.meters = meters;
  return report;
}

/** Reads and validates a JSON scenario file; errors name the file and the field. */
export async function loadScenario(path: string): Promise<Scenario> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new SimInputError(`cannot read scenario ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ScenarioError(path, `not valid JSON: ${(e as Error).message}`);
  }
  try {
    return parseScenario(json);
  } catch (e) {
    if (e instanceof ScenarioError) throw new ScenarioError(`${path}: ${e.path}`, e.message.slice(e.path.length + 2));
    throw e;
  }
}

/**
 * One line for a loop's failure report: when, what, and the first place in
 * the app's own source (not anyloop's or the simulator's) its stack names.
 */
function describeReport(r: LoopReport, map: BundleSourceMap): string {
  const [first = '', error] = r.text.split('\n');
  const what = `${first.slice(REPORT_PREFIX.length)}${error !== undefined && !/^\s/.test(error) ? `: ${error}` : ''}`;
  const inApp = map.positions(r.text).find((p) => !p.source.startsWith(ROOT + sep));
  return `exception handler report at ${r.t} ms: ${what}${inApp === undefined ? '' : ` (at ${map.format(inApp)})`}`;
}

interface EngineRun {
  result: SimResult;
  unhandled: string[];
  meters?: XsRunMeters;
  /** How stack traces name the bundle. */
  bundleNames: string[];
}

async function runInNode(code: string, times: number[], progress: (t: number) => void, signal?: RunSignal): Promise<EngineRun> {
  signal?.throwIfAborted();
  const dir = await mkdtemp(join(tmpdir(), 'anyloop-sim-'));
  const file = join(dir, 'app.mjs');
  const g = globalThis as { trace?: unknown };
  const hadTrace = 'trace' in g;
  const savedTrace = g.trace;
  const unhandled: string[] = [];
  const onUnhandled = (reason: unknown) => { unhandled.push(`unhandled rejection: ${String(reason)}`); };
  process.on('unhandledRejection', onUnhandled);
  try {
    await writeFile(file, code);
    let sim: SimDriver;
    try {
      ({ sim } = (await import(/* @vite-ignore */ pathToFileURL(file).href)) as { sim: SimDriver });
    } catch (e) {
      throw new AppStartError(`the app threw at start-up: ${String(e)}`, { cause: e });
    }
    for (const t of times) {
      signal?.throwIfAborted();
      await sim.advance(t);
      progress(t);
    }
    // The same round trip through JSON as the trace makes out of XS.
    return { result: JSON.parse(JSON.stringify(sim.result())) as SimResult, unhandled, bundleNames: [pathToFileURL(file).href, file] };
  } finally {
    process.off('unhandledRejection', onUnhandled);
    if (hadTrace) g.trace = savedTrace;
    else delete g.trace;
    await rm(dir, { recursive: true, force: true });
  }
}

/** The commands the XS host sends to the bundle's driver. */
const HOST_COMMANDS = `globalThis.handleCommand = (message) => {
  const [op, arg] = new TextDecoder().decode(message).split(' ');
  if (op === 'advance') return __anyloopSim.sim.advance(Number(arg));
  if (op === 'gc') return gc();
  if (op === 'result') return new TextEncoder().encode(JSON.stringify(__anyloopSim.sim.result())).buffer;
  throw new Error('unknown command ' + op);
};`;

async function runInXs(code: string, times: number[], progress: (t: number) => void, signal?: RunSignal): Promise<EngineRun> {
  signal?.throwIfAborted();
  const xs = new XsWorker({ name: 'anyloop-sim' });
  // The worker computes without reading its input: only killing it stops it.
  const stop = () => { void xs.terminate(); };
  signal?.addEventListener('abort', stop, { once: true });
  try {
    let startup;
    try {
      startup = await xs.evaluate(code);
    } catch (e) {
      if (e instanceof XsError && !/^XS worker /.test(e.message)) {
        throw new AppStartError(`the app threw at start-up: ${e.message}`, { cause: e });
      }
      throw e;
    }
    // The run goes through commands, not evaluations: XS keeps a heap slot
    // per evaluated script, which would show as the app's heap growing.
    await xs.evaluate(HOST_COMMANDS);
    let computrons = startup.meters.compute;
    const live = async () => (await xs.issueCommand('gc')).meters.currentHeapCount;
    const startupHeapSlots = await live();
    let peakHeapSlots = startupHeapSlots;
    let finalHeapSlots = startupHeapSlots;
    for (const t of times) {
      computrons += (await xs.issueCommand(`advance ${t}`)).meters.compute;
      finalHeapSlots = await live();
      peakHeapSlots = Math.max(peakHeapSlots, finalHeapSlots);
      progress(t);
    }
    const out = new TextDecoder().decode((await xs.issueCommand('result')).reply);
    const unhandled = xs.stderr.split('\n').filter((l) => l.startsWith('Unhandled exception '))
      .map((l) => `unhandled rejection: ${l.slice('Unhandled exception '.length)}`);
    return {
      result: JSON.parse(out) as SimResult,
      unhandled,
      meters: { startupComputrons: startup.meters.compute, computrons, peakHeapSlots, finalHeapSlots, startupHeapSlots },
      // XS names the first script it evaluates #0: the bundle.
      bundleNames: ['#0'],
    };
  } catch (e) {
    signal?.throwIfAborted();
    throw e;
  } finally {
    signal?.removeEventListener('abort', stop);
    await xs.terminate();
  }
}
