#!/usr/bin/env node
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { mkdir, open, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PEER_LIMITS, SCENARIO_LIMITS } from '../scenario.js';
import { formatTimeline } from '../timeline.js';
import { formatVcd } from '../vcd.js';
import { formatWarning, preloadReport } from './preload-report.js';
import { runScenario, type Engine, type SimReport } from './run.js';

const USAGE = `usage: anyloop-sim <app-entry> [options]

Runs a Moddable app (TypeScript or JavaScript) on a simulated ESP32 board on
virtual time, driven by a scenario, in the real XS engine (default) or in Node.
A TypeScript app is typechecked against @moddable/typings first.

options:
  --scenario file.json  the scenario (default: scenario.json or scenarios/default.json
                        next to the app, else at the project root, the nearest folder
                        above the app with a package.json)
  --engine xs|node      xs: the XS engine, with its meters (default); node: in a worker thread
  --stack N             the XS stack in slots, as the board's manifest sets it (default 384,
                        mcconfig's default creation stack; most ESP32 boards set 512)
  --heap N              the bytes of RAM XS has on the device (default 168960: ~165 KB)
  --watchdog N          computrons a host callback may take in XS (default 50000000; 0: none)
  --vcd out.vcd         write a VCD waveform file of every pin (GTKWave, Surfer, PulseView)
  --json report.json    write the whole report as JSON
  --quiet               print only the summary, not the timeline
  --every-edge          show each change of a bouncing contact on its own line
  --progress            report progress even when stderr is not a terminal
  --no-typecheck        run a TypeScript app without typechecking it
  --preload-report      print what xsl warns about when it preloads anyloop (its objects
                        left unfrozen, in RAM on the device), then exit; no app needed
  --version             print anyloop's version
  --help                print this

scenario (JSON; times are whole virtual ms from the start):
  end         when the run stops (required; at most ${SCENARIO_LIMITS.end}, where Time.ticks wraps)
  name        shown in the report
  pins        { "<gpio>": { "label": "LED", "initial": 0|1 } }
  press       [{ "pin", "at", "holdMs" (100), "bounceMs" (0, at most ${SCENARIO_LIMITS.bounceMs}), "activeLevel" (0) }]
  waveforms   [{ "pin", "levels": [[t, 0|1], ...] }]
  analog      [{ "pin", "values": [[t, raw reading], ...] }]
  uart        [{ "port", "receive", "transmit", "baud" (${PEER_LIMITS.baud}), "label", "fifo" (${PEER_LIMITS.fifo}),
                 "send": [{ "at", "line" | "text" | "hex" }] }]   (a line ends in CR LF)
  tcp         [{ "address", "port", "label", "down": [[from, to], ...], "readRate", "window" (${PEER_LIMITS.window}),
                 "script": [{ "at", "line" | "text" | "hex" } | { "at", "close": true } | { "at", "reset": true }] }]
  expect      [{ "pin", "at", "level" } | { "pin", "changes", "from", "to" }
               | { "printed": "text", "count", "from", "to" }
               | { "uart": port | "tcp": "address:port", "received": "text", "count", "from", "to" }
               | { "tcp": "address:port", "connects": n, "from", "to" }]
  A scenario expands to at most ${SCENARIO_LIMITS.events.toLocaleString('en-US')} level changes, analog values and peer actions
  (a bounce is one change per ms), its peers send at most ${SCENARIO_LIMITS.bytes.toLocaleString('en-US')} bytes; two
  stimuli may not drive one pin at once.

exit codes:
  0    the run finished and every expectation held
  1    an expectation failed, the app aborted, or it left a failure unhandled
       (a rejected promise, a loop's exception handler report)
  2    it could not run: a bad command line, a missing or unwritable file, a bad
       scenario, a missing tool, an app that does not typecheck, bundle or start
  130  interrupted (SIGINT); 143: terminated (SIGTERM)`;

/** Where the CLI writes. */
export interface CliIO {
  /** Writes a line of the report (stdout). */
  out(line: string): void;
  /** Writes progress and errors (stderr). */
  err(text: string): void;
  /** True when progress may redraw a line in place. */
  errIsTTY: boolean;
}

/** A command line that does not make sense. */
class UsageError extends Error {
  override name = 'UsageError';
}

interface Args {
  app: string;
  scenario: string;
  engine: Engine;
  vcd?: string;
  json?: string;
  quiet: boolean;
  everyEdge: boolean;
  progress: boolean;
  typecheck: boolean;
  limits: { stack?: number; heap?: number; watchdog?: number };
}

/**
 * The `anyloop-sim` command. Returns the exit code: 0 when the run finished
 * and every expectation held, 1 when not (or the app left a failure
 * unhandled), 2 when it could not run (a bad command line, a missing or
 * unwritable file, a bad scenario, an app that does not typecheck, bundle or
 * start). Errors are one clear message, never a stack trace.
 *
 * With `handleSignals` (the command itself), SIGINT and SIGTERM during an XS
 * run stop it and its XS worker, which would otherwise outlive the command,
 * computing; the exit code is then 128 + the signal's number. (A Node run
 * keeps Node's default: the signal ends the process and the run with it.)
 */
export async function main(argv: string[], io: CliIO = processIO(), handleSignals = false): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.out(USAGE);
    return 0;
  }
  if (argv.includes('--version')) {
    io.out(version());
    return 0;
  }
  if (argv.includes('--preload-report')) {
    try {
      const warnings = await preloadReport();
      for (const w of warnings) io.out(formatWarning(w));
      io.out(`${warnings.length} objects of anyloop's preloaded modules are not frozen (they stay in RAM on the device)`);
      return 0;
    } catch (e) {
      io.err(`anyloop-sim: ${(e as Error).message}\n`);
      return 2;
    }
  }
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (e) {
    io.err(`anyloop-sim: ${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  // Output files are opened before the run: a path that cannot be written fails now, not after it.
  const outputs: Output[] = [];
  try {
    for (const path of [args.vcd, args.json]) if (path !== undefined) outputs.push(await claimOutput(path));
  } catch (e) {
    await releaseOutputs(outputs);
    io.err(`anyloop-sim: ${(e as Error).message}\n`);
    return 2;
  }
  const progress = progressReporter(io, args.progress);
  const controller = new AbortController();
  const signal = controller.signal;
  const stop = (name: string) => {
    // A second signal ends the command at once.
    if (signal.aborted) process.exit(128 + SIGNALS[name]!);
    controller.abort(name);
  };
  const signals = handleSignals && args.engine === 'xs' ? Object.keys(SIGNALS) : [];
  for (const name of signals) process.on(name, stop);
  let report: SimReport;
  try {
    report = await runScenario({ app: args.app, scenario: args.scenario, engine: args.engine, onProgress: progress.update, typecheck: args.typecheck, signal, ...args.limits });
  } catch (e) {
    progress.clear();
    await releaseOutputs(outputs);
    if (signal.aborted) {
      const name = String(signal.reason);
      io.err(`anyloop-sim: stopped by ${name}\n`);
      return 128 + (SIGNALS[name] ?? 0);
    }
    io.err(`anyloop-sim: ${describe(e)}\n`);
    return 2;
  } finally {
    for (const name of signals) process.off(name, stop);
  }
  progress.clear();
  const name = report.scenario.name === undefined ? '' : ` "${report.scenario.name}"`;
  io.out(`anyloop-sim: ${args.app} on a simulated ESP32, ${args.engine === 'xs' ? 'XS engine' : 'Node'}, scenario${name} (${args.scenario}, ${report.scenario.end} ms)`);
  if (!args.quiet) {
    io.out('');
    for (const line of formatTimeline(report.trace, { everyEdge: args.everyEdge })) io.out(line);
  }
  io.out('');
  for (const line of summary(report)) io.out(line);
  // The files were opened before the run: only a failing disk stops these writes now.
  try {
    if (args.vcd !== undefined) {
      await writeFile(args.vcd, formatVcd(report.trace));
      const uarts = (report.trace.links ?? []).filter((l) => l.kind === 'uart').length;
      const lines = uarts === 0 ? '' : ` and ${2 * uarts} UART lines`;
      io.out(`VCD waveform of ${report.trace.pins.length} pins${lines} written to ${args.vcd} (open it in GTKWave, Surfer or PulseView)`);
    }
    if (args.json !== undefined) {
      await writeFile(args.json, `${JSON.stringify(report, null, 2)}\n`);
      io.out(`report written to ${args.json}`);
    }
  } catch (e) {
    io.err(`anyloop-sim: ${(e as Error).message}\n`);
    return 2;
  }
  return report.ok ? 0 : 1;
}

/** The numbers of the signals the command stops on (128 + n is its exit code, as a shell reports it). */
const SIGNALS: Readonly<Record<string, number>> = { SIGINT: 2, SIGTERM: 15 };

interface Output {
  path: string;
  /** True when the file did not exist before: it is removed if the run does not happen. */
  created: boolean;
}

/** Makes the folder and opens the file for writing (without truncating it), or says in one line why it cannot. */
async function claimOutput(path: string): Promise<Output> {
  try {
    await mkdir(dirname(resolve(path)), { recursive: true });
    const created = !existsSync(path);
    await (await open(path, 'a')).close();
    return { path, created };
  } catch (e) {
    throw new Error(`cannot write ${path}: ${(e as Error).message}`);
  }
}

async function releaseOutputs(outputs: Output[]): Promise<void> {
  for (const o of outputs) if (o.created) await rm(o.path, { force: true });
}

/** anyloop's version, from its package.json (two folders above src/ or dist/). */
function version(): string {
  const pkg = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'package.json');
  return (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
}

/** The lines after the timeline: failures, expectations, the board's counters and XS's meters. */
export function summary(report: SimReport): string[] {
  const lines: string[] = [];
  if (report.failure !== null) lines.push(`run stopped at ${report.reached} ms: ${report.failure}`);
  for (const u of report.unhandled) lines.push(u);
  if (report.expectations.length > 0) {
    const passed = report.expectations.filter((e) => e.ok).length;
    lines.push(`expectations: ${passed} of ${report.expectations.length} held`);
    for (const e of report.expectations) lines.push(`  ${e.ok ? 'ok  ' : 'FAIL'} ${e.message}`);
  }
  const b = report.board;
  lines.push(`board: ${n(b.turns)} host run-loop passes, ${n(b.timersCreated)} host timers created (${b.timersAlive} alive at the end), ${b.droppedMessages} messages dropped`);
  const m = report.meters;
  if (m !== undefined) {
    lines.push(`XS meters: ${n(m.computrons)} computrons (start-up ${n(m.startupComputrons)}), ` +
      `peak ${n(m.peakHeapSlots)} live heap slots (${n(m.startupHeapSlots)} after start-up, ${n(m.finalHeapSlots)} at the end)`);
  }
  lines.push(report.ok ? 'result: ok' : 'result: FAILED');
  return lines;
}

function n(x: number): string {
  return x.toLocaleString('en-US');
}

function parseArgs(argv: string[]): Args {
  let app: string | undefined;
  const opts: Partial<Args> = { quiet: false, everyEdge: false, progress: false, typecheck: true, engine: 'xs', limits: {} };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a === '--scenario') opts.scenario = value();
    else if (a === '--engine') {
      const e = value();
      if (e !== 'xs' && e !== 'node') throw new UsageError(`--engine must be xs or node, got ${e}`);
      opts.engine = e;
    } else if (a === '--stack' || a === '--heap' || a === '--watchdog') {
      const v = value();
      if (!/^\d+$/.test(v)) throw new UsageError(`${a} must be a whole number, got ${v}`);
      opts.limits![a.slice(2) as 'stack' | 'heap' | 'watchdog'] = Number(v);
    } else if (a === '--vcd') opts.vcd = value();
    else if (a === '--json') opts.json = value();
    else if (a === '--quiet') opts.quiet = true;
    else if (a === '--every-edge') opts.everyEdge = true;
    else if (a === '--progress') opts.progress = true;
    else if (a === '--no-typecheck') opts.typecheck = false;
    else if (a.startsWith('-')) throw new UsageError(`unknown option ${a}`);
    else if (app === undefined) app = a;
    else throw new UsageError(`unexpected argument ${a}`);
  }
  if (app === undefined) throw new UsageError('no app entry given');
  if (opts.scenario === undefined) {
    const dirs = [dirname(resolve(app))];
    const root = projectRoot(dirs[0]!);
    if (root !== null && root !== dirs[0]) dirs.push(root);
    const found = dirs.flatMap((d) => [join(d, 'scenario.json'), join(d, 'scenarios', 'default.json')]).find((p) => existsSync(p));
    if (found === undefined) {
      throw new UsageError(`no --scenario given and no scenario.json or scenarios/default.json next to ${app}${root === null ? '' : ' or at the project root'}`);
    }
    const rel = relative(process.cwd(), found);
    opts.scenario = rel.startsWith('..') ? found : rel;
  }
  return { ...opts, app } as Args;
}

/** The nearest folder at or above `dir` with a package.json, or null. */
function projectRoot(dir: string): string | null {
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(join(d, 'package.json'))) return d;
    if (dirname(d) === d) return null;
  }
}

function describe(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  // Errors of the simulator are written for people; others keep their class name.
  return ['ScenarioError', 'SimInputError', 'MissingPeerError', 'BundleError', 'TypecheckError', 'AppStartError', 'XsError'].includes(e.name) ? e.message : `${e.name}: ${e.message}`;
}

function progressReporter(io: CliIO, always: boolean): { update: (t: number, end: number) => void; clear: () => void } {
  let shown = false;
  let lastDraw = 0;
  return {
    update(t, end) {
      const pct = Math.floor((100 * t) / end);
      if (io.errIsTTY) {
        const now = Date.now();
        if (t < end && now - lastDraw < 100) return;
        lastDraw = now;
        io.err(`\r  simulating: ${t} of ${end} ms (${pct}%)`);
        shown = true;
      } else if (always) {
        io.err(`  simulating: ${t} of ${end} ms (${pct}%)\n`);
      }
    },
    clear() {
      if (shown) io.err('\r\x1b[K');
      shown = false;
    },
  };
}

function processIO(): CliIO {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (text) => process.stderr.write(text),
    errIsTTY: process.stderr.isTTY === true,
  };
}

// Run when executed (also through npm's bin symlink), not when imported.
if (isMain()) main(process.argv.slice(2), processIO(), true).then((code) => { process.exitCode = code; });

function isMain(): boolean {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}
