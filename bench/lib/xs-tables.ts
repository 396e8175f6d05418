import type { AppKind, AppMeasure } from './app-compare.js';
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
  parts.push('Heap in live slots after gc above the simulator\'s own; definitions are the app\'s and its libraries\' functions, classes and prototypes once loaded (preload builds them into flash on a device; `anyloop-sim --preload-report` lists the few objects of anyloop that stay in RAM); the running state is the peak above them (RAM). Computrons after start-up, in the host\'s calls into JavaScript (timers, onReadable, promise jobs); the simulated host modules\' share of them (C on a device) apart.');
  const appRow = (what: string, f: (m: AppMeasure) => number): string[] =>
    [what, sig(f(app.anyloop), 4), sig(f(app.native), 4), sig(f(app.anyloop) / f(app.native))];
  parts.push(markdownTable(['measure', 'anyloop', 'native', 'ratio'], [
    appRow('peak heap (slots)', (m) => m.peakSlots),
    appRow('definitions (slots; flash with preload)', (m) => m.definitionSlots),
    appRow('running state (slots above the definitions; RAM)', (m) => m.runningSlots),
    appRow('app computrons', (m) => m.appComputrons),
    appRow('simulated host modules\' computrons (left out above)', (m) => m.hostModuleComputrons),
  ]));

  return parts;
}
