import type { AppKind, AppMeasure } from './app-compare.js';
import type { AppParts } from './app-parts.js';
import { readBudgets, targetSlots } from './budgets.js';
import { markdownTable, sig } from './stats.js';
import type { XsResults } from '../xs.js';

/**
 * The markdown of issue 12's XS tables: slots per waiting thing, computrons
 * per operation next to native, and the esp32 app against its native
 * version; each as a `###` heading and its table.
 */
export function waitingTables(xs: Pick<XsResults, 'waitingSlots' | 'computronsPerOp'>, app: Record<AppKind, AppMeasure>): string[] {
  const parts: string[] = [];
  const { count, native: nativeKind, slots: waiting } = readBudgets().xs.waiting;
  parts.push(`### XS: slots per waiting thing (${count.toLocaleString('en-US')} of each held at once, live slots after gc, one engine)`);
  const nativeSlots = xs.waitingSlots[nativeKind]!;
  parts.push(markdownTable(['waiting thing', 'slots', '÷ native', 'target', 'met'], [
    [`native: ${nativeKind}`, sig(nativeSlots), '1', '', ''],
    ...Object.entries(waiting).map(([k, b]) => {
      const s = xs.waitingSlots[k]!;
      const t = targetSlots(b, nativeSlots);
      const target = t === undefined ? '' : b.targetTimesNative === undefined ? `≤ ${sig(t)}` : `≤ ${b.targetTimesNative}× native (${sig(t)})`;
      // Met to the precision shown: the few slots the harness keeps per run (8, over 10,000 things) are no thing's.
      return [k, sig(s), sig(s / nativeSlots), target, t === undefined ? '' : Number(sig(s)) <= t ? 'yes' : '**no**'];
    }),
  ]));

  parts.push('### XS: computrons per operation, anyloop next to native (deterministic)');
  parts.push(markdownTable(['operation (anyloop)', 'computrons', 'native counterpart', 'computrons', 'ratio'],
    Object.entries(readBudgets().xs.computronsPerOperation).map(([k, b]) => {
      const a = xs.computronsPerOp[k]!, n = xs.computronsPerOp[b.native]!;
      return [k, sig(a, 4), b.native, sig(n, 4), sig(a / n)];
    })));

  parts.push(`### XS: the esp32 example app, anyloop (targets/esp32) and native promises (targets/esp32-native), scenario \`${readBudgets().xs.app.scenario}\``);
  parts.push('Heap in live slots after gc above the simulator\'s own; definitions are the app\'s and its libraries\' functions, classes and prototypes once loaded (preload builds them into flash on a device; `anyloop-sim --preload-report` lists the few objects of anyloop that stay in RAM); the running state is the peak above them (RAM). Computrons after start-up, in the host\'s calls into JavaScript (timers, onReadable, promise jobs); the simulated host modules\' share of them (C on a device) apart, and the simulator\'s own JavaScript in them (its bookkeeping around each call, the wrappers that meter the host modules; calibrated per run against direct calls) in neither.');
  const appRow = (what: string, f: (m: AppMeasure) => number): string[] =>
    [what, sig(f(app.anyloop), 4), sig(f(app.native), 4), sig(f(app.anyloop) / f(app.native))];
  parts.push(markdownTable(['measure', 'anyloop', 'native', 'ratio'], [
    appRow('peak heap (slots)', (m) => m.peakSlots),
    appRow('definitions (slots; flash with preload)', (m) => m.definitionSlots),
    appRow('running state (slots above the definitions; RAM)', (m) => m.runningSlots),
    appRow('app computrons', (m) => m.appComputrons),
    appRow('simulated host modules\' computrons (left out above)', (m) => m.hostModuleComputrons),
    appRow('meter overhead computrons (the simulator\'s; left out above)', (m) => m.meterOverheadComputrons),
  ]));

  return parts;
}

/** The markdown of the esp32 apps' running state part by part (a `###` heading, a note and a table per app, a summary). */
export function appPartsTables(p: AppParts): string[] {
  const parts: string[] = [];
  const total = (k: AppKind): number => p.parts[k].reduce((sum, x) => sum + x.slots, 0);
  parts.push(`### XS: the esp32 apps' running state part by part (live slots after gc at ${p.at} ms, scenario \`default\`)`);
  parts.push('Each part is what it adds to a probe app (bench/lib/app-parts.ts) that loads the app\'s modules and builds the parts above it as the app builds them, in the simulator\'s XS on the same board; the last row is the app itself less all the parts, so the rows sum to the app\'s running state at that time. The simulated host objects (Digital, Analog, Timer: C host objects on a device) are in both apps\' parts.');
  for (const k of ['anyloop', 'native'] as const) {
    parts.push(markdownTable([`part (${k})`, 'holds', 'slots'], [
      ...p.parts[k].map((x) => [x.part, x.holds, String(x.slots)]),
      ['total', '', String(total(k))],
    ]));
  }
  const bare = (k: AppKind): number => total(k) - p.hostObjects[k];
  parts.push(markdownTable(['measure', 'anyloop', 'native', 'ratio'], [
    ['running state (slots)', String(total('anyloop')), String(total('native')), sig(total('anyloop') / total('native'))],
    ['of which simulated host objects', String(p.hostObjects.anyloop), String(p.hostObjects.native), sig(p.hostObjects.anyloop / p.hostObjects.native)],
    ['without the simulated host objects', String(bare('anyloop')), String(bare('native')), sig(bare('anyloop') / bare('native'))],
  ]));
  return parts;
}
