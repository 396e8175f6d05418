import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { sep } from 'node:path';
import { linksOfConfig, REPORT_PREFIX, simConfig, traceOf, type LoopReport, type SimResult } from '../driver.js';
import { parseScenario, ScenarioError, type Scenario } from '../scenario.js';
import { checkExpectations, isPrintEvent, type ExpectationResult, type TracePin } from '../trace.js';
import { bundleApp, bundleTools, ROOT } from './bundle.js';
import { requirePeers, type Peer } from './peers.js';
import { BundleSourceMap } from './source-map.js';
import { typecheckApp } from './typecheck.js';
import { startDeviceWorker, type DeviceLimits, type ProfileOption } from './device-worker.js';
import { XsError, type XsEvaluation } from './xsnap.js';

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
  /**
   * With `meterApp`: the computrons of the app's host calls after start-up
   * (timer callbacks, onReadable, promise jobs), less the simulated host
   * modules' work in them, which is `hostModuleComputrons` (C on a device),
   * and less the simulator's own JavaScript in them, calibrated in the same
   * engine, which is `meterOverheadComputrons` (neither the app's nor the
   * host's).
   */
  appComputrons?: number;
  hostModuleComputrons?: number;
  meterOverheadComputrons?: number;
}

/** Everything a run produced. */
export interface SimReport extends SimResult {
  engine: Engine;
  scenario: Scenario;
  /** The outcome of each of the scenario's expectations. */
  expectations: ExpectationResult[];
  /** Problems besides the expectations: promise rejections nobody handled. */
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
  /**
   * The XS engine's JavaScript stack, in slots (default 384, mcconfig's
   * default creation; most ESP32 board manifests set 512).
   */
  stack?: number;
  /**
   * The bytes of RAM XS has on the device (default {@link DEFAULT_HEAP}).
   * The XS engine aborts the run with "memory full" when the app's heaps
   * would outgrow it.
   */
  heap?: number;
  /**
   * The computrons one host callback (a timer, an onReadable, promise jobs)
   * may take before the XS engine's watchdog aborts the run (default
   * {@link DEFAULT_WATCHDOG}; 0: none).
   */
  watchdog?: number;
  /**
   * XS engine: meter the app's host calls apart from the simulated host
   * modules' work (`meters.appComputrons`, `meters.hostModuleComputrons`).
   * Each call into those modules then costs a JavaScript frame more.
   */
  meterApp?: boolean;
  /**
   * The node engine's watchdog: the real milliseconds the app's JavaScript
   * may keep the engine busy without a word (default
   * {@link DEFAULT_WATCHDOG_MS}; 0: none).
   */
  watchdogMs?: number;
  /**
   * XS engine: run in the profiling worker `profile.worker`, which writes
   * `<prefix>.stacks` (each sample's meter reading and call stack) and, at
   * the end of a run that finished, `<prefix>.cpuprofile` (the functions
   * the stacks name); the bundle's source map goes to `<prefix>.map`. The
   * bench reads them (`npm run bench:profile`).
   * @internal
   */
  profile?: ProfileOption;
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

/** mcconfig's default creation stack, in slots (what a device manifest without `creation.stack` gets). */
export const DEFAULT_STACK = 384;
/** About what a typical ESP32 board leaves free for JavaScript, in bytes. */
export const DEFAULT_HEAP = 165 * 1024;
/** Real milliseconds the node engine waits for a busy app before its watchdog fires. */
export const DEFAULT_WATCHDOG_MS = 5000;
/** Computrons of one host callback before the watchdog fires: far beyond any callback that returns. */
export const DEFAULT_WATCHDOG = 50_000_000;

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
 * installed), BundleError (an app that does not bundle) or AppStartError (an
 * app that throws at start-up); failures during the run are reported in
 * `failure` instead.
 */
export async function runScenario(options: RunOptions): Promise<SimReport> {
  if (options.engine !== 'node' && options.engine !== 'xs') {
    throw new TypeError(`engine must be 'node' or 'xs', got ${String(options.engine)}`);
  }
  if (options.profile !== undefined && (options.engine !== 'xs' || typeof options.profile.worker !== 'string' || typeof options.profile.prefix !== 'string')) {
    throw new TypeError('profile must name the profiling worker and a path prefix, and needs the xs engine');
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
  // One classic script for both engines: Node runs it in a context of its own.
  const config = simConfig(scenario);
  const bundle = await bundleApp({ app: options.app, engine: 'xs', config });
  if (options.profile !== undefined) await writeFile(`${options.profile.prefix}.map`, bundle.map);
  const links = linksOfConfig(config);
  const times: number[] = [];
  for (let t = Math.min(slice, scenario.end); ; t = Math.min(t + slice, scenario.end)) {
    times.push(t);
    if (t === scenario.end) break;
  }
  const limits: DeviceLimits = {
    stack: positive(options.stack ?? DEFAULT_STACK, 'stack', 64),
    heap: positive(options.heap ?? DEFAULT_HEAP, 'heap', 1),
    watchdog: positive(options.watchdog ?? DEFAULT_WATCHDOG, 'watchdog', 0),
  };
  const progress = (t: number) => options.onProgress?.(t, scenario.end);
  const { result, unhandled: rejections, meters, bundleNames } = options.engine === 'xs'
    ? await runInXs(bundle.code, times, progress, limits, scenario.end, options.signal, options.meterApp === true, options.profile)
    : await runInNode(bundle.code, times, progress, positive(options.watchdogMs ?? DEFAULT_WATCHDOG_MS, 'watchdogMs', 0), scenario.end, options.signal);
  // The engines stream events; the links they name are the scenario's.
  result.trace.links = links;
  const map = new BundleSourceMap(bundle.map, bundleNames);
  for (const e of result.trace.events) if (isPrintEvent(e)) e.print = map.mapText(e.print);
  if (result.failure !== null) result.failure = map.mapText(result.failure);
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

function positive(v: unknown, what: string, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new RangeError(`${what} must be a whole number of at least ${min}, got ${String(v)}`);
  return v;
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

/**
 * What runs the bundle (the same script as for XS) in a worker thread, in a
 * context of its own which has only what a Moddable app has: the ECMAScript
 * built-ins, frozen once the module bodies ran as xsl does, and `trace` (no
 * `setTimeout`, `process`, `require`, `console`...). It streams the run to
 * the host as the XS driver does, so that a callback that never returns can
 * be stopped and the run reported.
 */
const NODE_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { createContext, runInContext } = require('node:vm');
const { code, times, freeze, BUNDLE_NAME } = workerData;
const unhandled = [];
process.on('unhandledRejection', (reason) => { unhandled.push('unhandled rejection: ' + String(reason)); });
const context = createContext({});
// V8 gives every context a console, and a gc under --expose-gc (which cannot be deleted).
runInContext("delete globalThis.console; if ('gc' in globalThis) globalThis.gc = undefined;", context);
Object.defineProperty(context, '__anyloopHost', { configurable: true, value: {
  runJobs: () => new Promise((resolve) => setImmediate(resolve)),
  stream: (line) => parentPort.postMessage({ line }),
} });
(async () => {
  try {
    runInContext(code, context, { filename: BUNDLE_NAME });
  } catch (e) {
    parentPort.postMessage({ startError: String(e) });
    return;
  }
  runInContext('(' + freeze + ')()', context);
  const { sim } = context.__anyloopSim;
  for (const t of times) {
    await sim.advance(t);
    parentPort.postMessage({ progress: t });
  }
  // Rejections nobody handled are reported after the jobs that made them.
  await new Promise((resolve) => setImmediate(resolve));
  parentPort.postMessage({ result: JSON.stringify(sim.result()), unhandled });
})();
`;

interface NodeMessage {
  line?: string;
  startError?: string;
  progress?: number;
  result?: string;
  unhandled?: string[];
}

async function runInNode(
  code: string, times: number[], progress: (t: number) => void, watchdogMs: number, end: number, signal?: RunSignal,
): Promise<EngineRun> {
  signal?.throwIfAborted();
  const streamed = new StreamedRun();
  const worker = new Worker(NODE_WORKER, { eval: true, workerData: { code, times, freeze: FREEZE_INTRINSICS, BUNDLE_NAME } });
  let stop: (() => void) | undefined;
  try {
    return await new Promise<EngineRun>((resolve, reject) => {
      // A busy app never reads its messages: only terminating the thread stops it.
      stop = () => { reject(abortReason(signal!)); void worker.terminate(); };
      signal?.addEventListener('abort', stop, { once: true });
      let timer: ReturnType<typeof setTimeout> | undefined;
      const arm = (): void => {
        clearTimeout(timer);
        if (watchdogMs > 0) timer = setTimeout(hang, watchdogMs);
      };
      // The app's JavaScript has not let the worker speak for watchdogMs of real time.
      const hang = (): void => {
        resolve(abortedRun(streamed, end, `watchdog: a host callback never returned at ${streamed.t} ms (nothing for ${watchdogMs} ms of real time)`, [BUNDLE_NAME]));
      };
      worker.on('message', (m: NodeMessage) => {
        arm();
        if (m.line !== undefined) streamed.line(`\u0001${m.line}`);
        else if (m.progress !== undefined) progress(m.progress);
        else if (m.startError !== undefined) reject(startError(m.startError, streamed));
        else if (m.result !== undefined) {
          clearTimeout(timer);
          const result = JSON.parse(m.result) as SimResult;
          result.trace = traceOf(end, streamed.pins, streamed.nums, streamed.texts);
          resolve({ result, unhandled: m.unhandled ?? [], bundleNames: [BUNDLE_NAME] });
        }
      });
      worker.once('error', (e) => { clearTimeout(timer); reject(e); });
      worker.once('exit', (code) => { clearTimeout(timer); reject(new Error(`the simulator's worker thread exited with code ${code}`)); });
      arm();
    });
  } finally {
    if (stop !== undefined) signal?.removeEventListener('abort', stop);
    await worker.terminate();
  }
}

/** The file name stack traces give the bundle in the node engine. */
const BUNDLE_NAME = 'anyloop-sim-app.js';

/** Why an aborted run stopped: the signal's reason, as the run's rejection. */
function abortReason(signal: RunSignal): unknown {
  try {
    signal.throwIfAborted();
  } catch (e) {
    return e;
  }
  return new Error('the run was stopped');
}

/** The run of an engine that stopped, as far as it streamed. */
function abortedRun(streamed: StreamedRun, end: number, failure: string, bundleNames: string[]): EngineRun {
  return {
    result: {
      trace: traceOf(end, streamed.pins, streamed.nums, streamed.texts),
      failure,
      reports: [],
      reached: streamed.t,
      board: { turns: 0, timersCreated: 0, timersAlive: 0, droppedMessages: 0 },
    },
    unhandled: [],
    bundleNames,
  };
}

/**
 * Run before the bundle: takes the xsnap worker's own globals away from the
 * app (a Moddable device has none of them) and leaves what the driver needs
 * in `__anyloopHost`; defines the commands the host sends.
 */
const XS_PRELUDE = `(() => {
  const g = globalThis;
  const { print, gc, setImmediate, anyloopWatchdog, anyloopHeapBudget, anyloopStack, anyloopMeter, TextEncoder, TextDecoder } = g;
  for (const name of ['print', 'gc', 'setImmediate', 'issueCommand', 'performance', 'currentMeterLimit', 'resetMeter',
    'anyloopWatchdog', 'anyloopHeapBudget', 'anyloopStack', 'anyloopMeter', 'TextEncoder', 'TextDecoder', 'Base64']) delete g[name];
  Object.defineProperty(g, '__anyloopHost', { configurable: true, value: {
    runJobs: () => new Promise((resolve) => setImmediate(resolve)),
    watchdog: anyloopWatchdog,
    watchdogBudget: WATCHDOG,
    stack: anyloopStack,
    stackSlots: STACK,
    stream: (line) => print('\\u0001' + line),
    meter: METER ? anyloopMeter : undefined,
  } });
  Object.defineProperty(g, '__anyloopPrint', { value: print });
  Object.defineProperty(g, 'handleCommand', { value: (message) => {
    anyloopStack(0);
    const [op, arg] = new TextDecoder().decode(message).split(' ');
    if (op === 'advance') return __anyloopSim.sim.advance(Number(arg));
    if (op === 'gc') return gc();
    if (op === 'heap') return anyloopHeapBudget(Number(arg));
    if (op === 'freeze') return FREEZE();
    if (op === 'result') return new TextEncoder().encode(JSON.stringify(__anyloopSim.sim.result())).buffer;
    throw new Error('unknown command ' + op);
  } });
})()`;

/**
 * Freezes every intrinsic as xsl does after preload: each built-in reachable
 * from the global object's standard properties and the hidden intrinsics
 * (iterator, generator and async prototypes), with their prototypes and
 * properties, through accessors too. No taming of the override mistake.
 */
export const FREEZE_INTRINSICS = `function () {
  const seen = new Set();
  const todo = [];
  const add = (v) => { if ((typeof v === 'object' && v !== null) || typeof v === 'function') todo.push(v); };
  for (const name of Object.getOwnPropertyNames(globalThis)) {
    if (/^[A-Z]/.test(name) || ['globalThis', 'eval', 'isFinite', 'isNaN', 'parseFloat', 'parseInt',
      'decodeURI', 'decodeURIComponent', 'encodeURI', 'encodeURIComponent', 'escape', 'unescape', 'harden', 'lockdown'].includes(name)) {
      if (name !== 'globalThis') add(globalThis[name]);
    }
  }
  add(Object.getPrototypeOf(function* () {}));
  add(Object.getPrototypeOf(async function () {}));
  add(Object.getPrototypeOf(async function* () {}));
  add(Object.getPrototypeOf([][Symbol.iterator]()));
  add(Object.getPrototypeOf(new Map()[Symbol.iterator]()));
  add(Object.getPrototypeOf(new Set()[Symbol.iterator]()));
  add(Object.getPrototypeOf(''[Symbol.iterator]()));
  add(Object.getPrototypeOf(/a/[Symbol.matchAll]('')));
  add(Object.getPrototypeOf(Int8Array));
  while (todo.length > 0) {
    const o = todo.pop();
    if (seen.has(o)) continue;
    seen.add(o);
    Object.freeze(o);
    add(Object.getPrototypeOf(o));
    for (const key of Reflect.ownKeys(o)) {
      const d = Object.getOwnPropertyDescriptor(o, key);
      if (d === undefined) continue;
      add(d.value); add(d.get); add(d.set);
    }
  }
}`;

/** The app's failure at start-up, naming the preloaded module whose body called a host function, if one did. */
function startError(message: string, streamed: StreamedRun, cause?: unknown): AppStartError {
  const preload = streamed.preloadCall === null ? ''
    : ` (the preloaded module ${streamed.preloadCall} called a host function in its body: xsl fails the build so)`;
  return new AppStartError(`the app threw at start-up: ${message}${preload}`, { cause });
}

/** The lines of the driver's stream, kept by the host so that a run survives an XS abort. */
class StreamedRun {
  t = 0;
  readonly pins: TracePin[] = [];
  readonly nums: number[] = [];
  readonly texts: string[] = [];
  /** The preloaded module that called a host function while its body ran, if one did. */
  preloadCall: string | null = null;

  line(line: string): void {
    if (!line.startsWith('\u0001')) return;
    const m = JSON.parse(line.slice(1)) as { t?: number; pin?: TracePin; e?: [number, number, number, number]; text?: string; preload?: string };
    if (m.t !== undefined) this.t = m.t;
    else if (m.preload !== undefined) this.preloadCall = m.preload;
    else if (m.pin !== undefined) this.pins.push(m.pin);
    else if (m.e !== undefined) {
      if (m.text !== undefined) {
        m.e[3] = this.texts.length;
        this.texts.push(m.text);
      }
      this.nums.push(...m.e);
    }
  }
}

/**
 * How XS names the bundle in stack traces: scripts are numbered as the
 * worker compiles them; the prelude is #0 and the bundle #2 (a test of the
 * source-mapped reports holds this).
 */
const XS_BUNDLE_NAMES = ['#2'];

const ABORTS: Record<string, string> = {
  'stack overflow': 'XS abort: JavaScript stack overflow',
  'not enough memory': 'XS abort: memory full',
  'too much computation': 'XS abort: watchdog: a host callback never returned',
};

async function runInXs(
  code: string, times: number[], progress: (t: number) => void, limits: DeviceLimits, end: number, signal: RunSignal | undefined, meterApp: boolean,
  profile: ProfileOption | undefined,
): Promise<EngineRun> {
  signal?.throwIfAborted();
  const streamed = new StreamedRun();
  const xs = await startDeviceWorker({ name: 'anyloop-sim', stack: limits.stack, onPrint: (l) => streamed.line(l), ...(profile === undefined ? {} : { profile }) });
  // The worker computes without reading its input: only killing it stops it.
  const stop = () => { void xs.terminate(); };
  signal?.addEventListener('abort', stop, { once: true });
  let computrons = 0;
  let startup: XsEvaluation | undefined;
  try {
    await xs.evaluate(XS_PRELUDE.replace('WATCHDOG', String(limits.watchdog)).replace(/STACK/g, String(limits.stack)).replace('METER', String(meterApp)).replace('FREEZE()', `(${FREEZE_INTRINSICS})()`));
    try {
      startup = await xs.evaluate(code);
    } catch (e) {
      if (e instanceof XsError && !/^XS worker /.test(e.message)) {
        throw startError(e.message, streamed, e);
      }
      throw e;
    }
    computrons = startup.meters.compute;
    // What xsl does once the modules are preloaded; then the app has the device's RAM.
    await xs.issueCommand('freeze');
    await xs.issueCommand(`heap ${workerHeapBudget(limits.heap, limits.stack)}`);
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
    const result = JSON.parse(new TextDecoder().decode((await xs.issueCommand('result')).reply)) as SimResult;
    await xs.evaluate('0'); // every streamed line has arrived once it returns
    // The profiling worker writes its profile when it quits.
    if (profile !== undefined) await xs.close();
    result.trace = traceOf(end, streamed.pins, streamed.nums, streamed.texts);
    const unhandled = xs.stderr.split('\n').filter((l) => l.startsWith('Unhandled exception '))
      .map((l) => `unhandled rejection: ${l.slice('Unhandled exception '.length)}`);
    const meters: XsRunMeters = { startupComputrons: startup.meters.compute, computrons, peakHeapSlots, finalHeapSlots, startupHeapSlots };
    if (result.computrons !== undefined) {
      meters.appComputrons = result.computrons.app;
      meters.hostModuleComputrons = result.computrons.hostModules;
      meters.meterOverheadComputrons = result.computrons.meterOverhead;
      delete result.computrons;
    }
    return {
      result,
      unhandled,
      meters,
      bundleNames: XS_BUNDLE_NAMES,
    };
  } catch (e) {
    signal?.throwIfAborted();
    const reason = e instanceof XsError ? /\(([^)]*)\)/.exec(e.message)?.[1] : undefined;
    const abort = reason === undefined ? undefined : ABORTS[reason];
    if (abort === undefined) throw e;
    // The device would reboot here: the run ends with what the app did until then.
    const at = startup === undefined ? 'while the app started' : `at ${streamed.t} ms`;
    return abortedRun(streamed, end, `${abort} ${at}${reason === 'too much computation' ? ` (over ${limits.watchdog} computrons)` : ''}`, XS_BUNDLE_NAMES);
  } finally {
    signal?.removeEventListener('abort', stop);
    await xs.terminate();
  }
}

/**
 * The bytes the worker may take for its heaps once the app started. The
 * device's creation values (2048 slots, 32 KB of chunks, the stack) come out
 * of its RAM first; the worker's slots and pointers are 64-bit, twice the
 * device's, so it gets twice the rest.
 */
function workerHeapBudget(heap: number, stack: number): number {
  return 2 * Math.max(0, heap - (2048 * 16 + 32 * 1024 + stack * 16));
}
