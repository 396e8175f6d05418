#!/usr/bin/env node
import { existsSync, realpathSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatTimeline } from '../timeline.js';
import { formatVcd } from '../vcd.js';
import { runScenario, type Engine, type SimReport } from './run.js';

const USAGE = `usage: anyloop-sim <app-entry> [--scenario file.json] [--engine xs|node] [--stack N] [--heap N] [--watchdog N] [--vcd out.vcd] [--json report.json] [--quiet] [--every-edge] [--progress]

Runs a Moddable app (TypeScript or JavaScript) on a simulated ESP32 board on
virtual time, driven by a scenario, in the real XS engine (default) or in Node.
  --scenario    the scenario file (default: scenario.json or scenarios/default.json next to the app)
  --engine      xs (the XS engine, with its meters) or node (in-process)
  --stack       the XS stack in slots, as the board's manifest sets it (default 384)
  --heap        the bytes of RAM XS has on the device (default 168960)
  --watchdog    computrons a host callback may take in XS (default 50000000; 0: none)
  --vcd         write a VCD waveform file of every pin (GTKWave, Surfer, PulseView)
  --json        write the whole report as JSON
  --quiet       print only the summary, not the timeline
  --every-edge  show each change of a bouncing contact on its own line
  --progress    report progress even when stderr is not a terminal`;

/** Where the CLI writes. */
export interface CliIO {
  out(line: string): void;
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
  limits: { stack?: number; heap?: number; watchdog?: number };
}

/**
 * The `anyloop-sim` command. Returns the exit code: 0 when the run finished
 * and every expectation held, 1 when not, 2 when it could not run (a bad
 * command line, a missing file, a bad scenario, an app that does not bundle
 * or throws at start-up). Errors are one clear message, never a stack trace.
 */
export async function main(argv: string[], io: CliIO = processIO()): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.out(USAGE);
    return 0;
  }
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (e) {
    io.err(`anyloop-sim: ${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const progress = progressReporter(io, args.progress);
  let report: SimReport;
  try {
    report = await runScenario({ app: args.app, scenario: args.scenario, engine: args.engine, onProgress: progress.update, ...args.limits });
  } catch (e) {
    progress.clear();
    io.err(`anyloop-sim: ${describe(e)}\n`);
    return 2;
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
  if (args.vcd !== undefined) {
    await writeOut(args.vcd, formatVcd(report.trace));
    io.out(`VCD waveform of ${report.trace.pins.length} pins written to ${args.vcd} (open it in GTKWave, Surfer or PulseView)`);
  }
  if (args.json !== undefined) {
    await writeOut(args.json, `${JSON.stringify(report, null, 2)}\n`);
    io.out(`report written to ${args.json}`);
  }
  return report.ok ? 0 : 1;
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
  const opts: Partial<Args> = { quiet: false, everyEdge: false, progress: false, engine: 'xs', limits: {} };
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
    else if (a.startsWith('-')) throw new UsageError(`unknown option ${a}`);
    else if (app === undefined) app = a;
    else throw new UsageError(`unexpected argument ${a}`);
  }
  if (app === undefined) throw new UsageError('no app entry given');
  if (opts.scenario === undefined) {
    const dir = dirname(resolve(app));
    const found = [join(dir, 'scenario.json'), join(dir, 'scenarios', 'default.json')].find((p) => existsSync(p));
    if (found === undefined) throw new UsageError(`no --scenario given and no scenario.json or scenarios/default.json next to ${app}`);
    const rel = relative(process.cwd(), found);
    opts.scenario = rel.startsWith('..') ? found : rel;
  }
  return { ...opts, app } as Args;
}

function describe(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  // Errors of the simulator are written for people; others keep their class name.
  return ['ScenarioError', 'SimInputError', 'MissingPeerError', 'BundleError', 'AppStartError', 'XsError'].includes(e.name) ? e.message : `${e.name}: ${e.message}`;
}

async function writeOut(path: string, text: string): Promise<void> {
  await mkdir(dirname(resolve(path)), { recursive: true });
  await writeFile(path, text);
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
if (isMain()) main(process.argv.slice(2)).then((code) => { process.exitCode = code; });

function isMain(): boolean {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}
