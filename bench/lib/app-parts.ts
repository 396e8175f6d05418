import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Scenario } from '../../src/sim/scenario.js';
import { APPS, runScenario, type AppKind } from './app-compare.js';
import { ROOT } from './bundle.js';

/** One part of an app's running state: what it is, what it holds, its slots. */
export interface AppPart {
  part: string;
  holds: string;
  slots: number;
}

/** The running state of both apps part by part, at their steady state. */
export interface AppParts {
  /** The virtual time of the measure (ms): every task waits as it does for most of the run. */
  at: number;
  parts: Record<AppKind, AppPart[]>;
  /** Slots of the simulated host objects (C on a device) within each app's parts. */
  hostObjects: Record<AppKind, number>;
}

/** A part built by code appended to the probe's body (`loop`, `keep` and the app's imports in scope). */
interface Stage {
  part: string;
  holds: string;
  code: string;
  /** Slots of simulated host objects in this part: the native stage of that name, times `count`. */
  host?: { stage: string; count: number };
}

// The task bodies wait where the app's wait, in generator functions that are
// closures as the app's are: what is left for the app's own row is its
// options, closures and locals.
const ANYLOOP: Stage[] = [
  {
    part: 'XsLoop, running',
    holds: 'the loop (its fields), its ready Ring(16), its timer heap and its two arrays, and its one host timer, which holds the loop (the host-timer callback is one function shared by every XsLoop)',
    code: 'const loop = new XsLoop({ Timer, Time });\nloop.runForever();\nkeep.push(loop);',
    host: { stage: 'host timers', count: 1 / 3 },
  },
  {
    part: 'button: DigitalIn (debounce 20 ms)',
    holds: 'the DigitalIn (its fields), its edge buffer Ring(4), its edge-waiters array, and its port (a simulated Digital input; the onReadable function is one shared by every DigitalIn)',
    code: 'const button = new DigitalIn({ pin: BUTTON_PIN, mode: Digital.InputPullUp, edge: \'falling\', debounce: 20, io: Digital, loop });\nkeep.push(button);',
    host: { stage: 'button: Digital input', count: 1 },
  },
  {
    part: 'LED: DigitalOut',
    holds: 'the DigitalOut (its fields) and its port (a simulated Digital output)',
    code: 'keep.push(new DigitalOut({ pin: LED_PIN, io: Digital, loop }));',
    host: { stage: 'LED: Digital output', count: 1 },
  },
  {
    part: 'sensor: Analog',
    holds: 'a simulated Analog input',
    code: 'keep.push(new Analog({ pin: SENSOR_PIN }));',
    host: { stage: 'sensor: Analog', count: 1 },
  },
  {
    part: 'readings: Queue(4), heartbeat: Event',
    holds: 'the Queue (its fields) and its item Ring(4) (the Rings of its getters and putters are made by the first wait); the Event',
    code: 'const readings = new Queue<number>(4, { loop });\nconst heartbeat = new Event({ loop });\nkeep.push(readings, heartbeat);',
  },
  {
    part: 'button task, waiting on button.edge()',
    holds: 'its generator function (a closure), the Task, its suspended generator, the EdgeWaiter, the iterator of `yield*` on it; and the loop\'s task list (two fields of the loop, set with its first task)',
    code: 'keep.push(createTask(function* () { for (;;) yield* button.edge(); }, { loop, name: \'button\' }));',
  },
  {
    part: 'sampler task, waiting on ticker.tick()',
    holds: 'its generator function, the Task, its generator, the Interval (its fields, its waiters array, its timer Handle), the TickWaiter and its iterator',
    code: 'keep.push(createTask(function* () { const ticker = interval(500, { loop }); for (;;) yield* ticker.tick(); }, { loop, name: \'sampler\' }));',
  },
  {
    part: 'consumer task, waiting in waitFor(readings.get(), 2000)',
    holds: 'its generator function, the Task, its generator, waitFor\'s wait (one iterator holding the future and its deadline, its own entry in the loop\'s timer heap: no TimerHandle), the GetWaiter and the getters Ring it made',
    code: 'keep.push(createTask(function* () { for (;;) yield* waitFor(readings.get(), 2000); }, { loop, name: \'consumer\' }));',
  },
  {
    part: 'watchdog task, waiting in waitFor(heartbeat.wait(), 3000)',
    holds: 'as the consumer, with the Event\'s waiter (a lone waiter is held by the Event itself: no array)',
    code: 'keep.push(createTask(function* () { for (;;) yield* waitFor(heartbeat.wait(), 3000); }, { loop, name: \'watchdog\' }));',
  },
];

const NATIVE: Stage[] = [
  { part: 'sensor: Analog', holds: 'a simulated Analog input', code: 'keep.push(new Analog({ pin: 34 }));' },
  { part: 'LED: Digital output', holds: 'a simulated Digital output', code: 'keep.push(new Digital({ pin: 2, mode: Digital.Output }));' },
  {
    part: 'button: Digital input',
    holds: 'a simulated Digital input with an onReadable callback (the app\'s closure left out: counted below)',
    code: 'keep.push(new Digital({ pin: 0, mode: Digital.InputPullUp, edge: Digital.Rising | Digital.Falling, onReadable: noop }));',
  },
  {
    part: 'host timers',
    holds: 'three pending simulated host timers (the sampler\'s delay, the consumer\'s and the watchdog\'s time limits; their callbacks counted below)',
    code: 'for (let i = 0; i < 3; i++) keep.push(Timer.set(noop, 3000));',
  },
];

const APP_ROW: Record<AppKind, { part: string; holds: string }> = {
  anyloop: {
    part: 'the app\'s own state',
    holds: 'startApp\'s options and closures beyond the parts above (print, the tasks array, the App object and stop()), the tasks\' locals',
  },
  native: {
    part: 'the app\'s promises, async frames and closures',
    holds: 'three suspended async functions, the promises they await and those promises\' resolving functions, the withTimeout and delay closures, the timer callbacks, onReadable and settle, the queue and heartbeat objects and their arrays',
  },
};

const IMPORTS: Record<AppKind, string> = {
  anyloop: `import { Event, Queue, createTask, waitFor } from 'anyloop';
import { DigitalIn, DigitalOut, XsLoop, interval } from 'anyloop/xs';
import { startApp, BUTTON_PIN, LED_PIN, SENSOR_PIN } from ${JSON.stringify(join(ROOT, APPS.anyloop, 'app.ts'))};`,
  native: `import { startApp } from ${JSON.stringify(join(ROOT, APPS.native, 'app.ts'))};`,
};

/**
 * A probe app: the app's modules loaded (so every probe has the same
 * definitions), then either the first `stages` parts built, or the app
 * itself started. Everything built is kept.
 */
function probe(kind: AppKind, stages: readonly Stage[], startTheApp: boolean): string {
  return `import Timer from 'timer';
import Time from 'time';
import Digital from 'embedded:io/digital';
import Analog from 'embedded:io/analog';
${IMPORTS[kind]}
const keep: unknown[] = [];
const g = globalThis as { app?: unknown; keep?: unknown };
g.app = startApp;
g.keep = keep;
function noop(): void {}
keep.push(Timer, Time, Digital, Analog, noop);
${startTheApp ? 'startApp();' : stages.map((s) => s.code).join('\n')}
`;
}

/** The scenario up to `at`: the default one's pins and sensor, nothing pressed. */
function steadyScenario(at: number): Scenario {
  const s = JSON.parse(readFileSync(join(ROOT, APPS.anyloop, 'scenarios', 'default.json'), 'utf8')) as Scenario & { analog?: { pin: number; values: [number, number][] }[] };
  return {
    end: at,
    pins: s.pins,
    analog: (s.analog ?? []).map((a) => ({ pin: a.pin, values: a.values.filter(([t]) => t < at) })),
  } as Scenario;
}

/**
 * Live slots (after gc) at `at` ms of each probe of an app: the app's
 * modules alone, then each part added, then the app itself.
 */
async function probeSlots(kind: AppKind, stages: readonly Stage[], at: number): Promise<number[]> {
  const dir = mkdtempSync(join(tmpdir(), 'anyloop-parts-'));
  try {
    const out: number[] = [];
    const sources = [...stages.map((_, i) => probe(kind, stages.slice(0, i), false)), probe(kind, stages, false), probe(kind, [], true)];
    for (const [i, source] of sources.entries()) {
      const app = join(dir, `probe${i}.ts`);
      writeFileSync(app, source);
      const r = await runScenario({ app, scenario: steadyScenario(at), engine: 'xs', typecheck: false, sliceMs: at });
      if (!r.ok) throw new Error(`probe ${i} of the ${kind} app failed: ${[r.failure, ...r.unhandled].join('; ')}`);
      out.push(r.meters!.finalHeapSlots);
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function partsOf(kind: AppKind, stages: readonly Stage[], slots: number[]): AppPart[] {
  const parts = stages.map((s, i) => ({ part: s.part, holds: s.holds, slots: slots[i + 1]! - slots[i]! }));
  parts.push({ ...APP_ROW[kind], slots: slots[stages.length + 1]! - slots[stages.length]! });
  return parts;
}

/**
 * Each app's running state part by part, in the simulator's XS on the
 * default scenario's board at `at` ms (both apps' tasks wait there as they
 * do for most of the run; the peak adds a button press in flight). Each
 * part is the live slots it adds to a probe app that builds the parts
 * before it, as the app builds them; the last row is the app itself less
 * all the parts. So the rows sum to the app's running state at `at`.
 */
export async function measureAppParts(at = 240): Promise<AppParts> {
  const anyloop = partsOf('anyloop', ANYLOOP, await probeSlots('anyloop', ANYLOOP, at));
  const native = partsOf('native', NATIVE, await probeSlots('native', NATIVE, at));
  const nativeSlots = (name: string): number => native.find((p) => p.part === name)!.slots;
  const hostObjects = {
    anyloop: Math.round(ANYLOOP.reduce((sum, s) => sum + (s.host === undefined ? 0 : nativeSlots(s.host.stage) * s.host.count), 0)),
    native: NATIVE.reduce((sum, s) => sum + nativeSlots(s.part), 0),
  };
  return { at, parts: { anyloop, native }, hostObjects };
}
