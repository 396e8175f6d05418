import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startDeviceWorker } from '../src/sim/host/device-worker.js';
import { runScenario } from '../src/sim/host/run.js';
import type { Scenario } from '../src/sim/scenario.js';

// The XS engine runs an app as a default Moddable ESP32 build does: the
// board's stack (384 slots unless told), a heap budget, built-ins frozen
// after start-up, no xsnap globals, promise jobs served in the pass that
// queued them, and a watchdog on each host callback.

const SLOW = 60_000;
const dir = mkdtempSync(join(tmpdir(), 'anyloop-sim-device-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let apps = 0;
function app(code: string): string {
  const file = join(dir, `app${++apps}.js`);
  writeFileSync(file, code);
  return file;
}

/**
 * A task whose coroutine waits `depth` yield* levels deep, inside a
 * timeout(), inside a TaskGroup; each level a plain `yield*`, or
 * `yield* delegate(...)` with `delegated`.
 */
function deepTask(depth: number, delegated = false): string {
  return app(`
import Timer from 'timer';
import Time from 'time';
import { XsLoop } from 'anyloop/xs';
import { TaskGroup, createTask, delegate, sleep, timeout } from 'anyloop';

const loop = new XsLoop({ Timer, Time });
function* nest(n) {
  if (n === 0) {
    yield* sleep(10, undefined, { loop });
    return 0;
  }
  return 1 + (yield* ${delegated ? 'delegate(nest(n - 1))' : 'nest(n - 1)'});
}
createTask(function* () {
  yield* TaskGroup.run(function* () {
    yield* timeout(1000, function* () {
      const depth = yield* nest(${depth});
      trace(\`resumed at depth \${depth}\\n\`);
    }, { loop });
  }, { loop });
}, { loop });
loop.runForever();
`);
}

const run = (file: string, scenario: Scenario, options: { stack?: number; heap?: number; watchdog?: number } = {}) =>
  runScenario({ app: file, scenario, engine: 'xs', ...options });

describe('the XS engine has the device stack', () => {
  // A task steps only the innermost of anyloop's own levels (the TaskGroup,
  // the timeout and their bodies are levels of the task, not nested
  // generators): what is left is the host's path to the task's step, the
  // app's own yield* levels (29 slots each in XS) and the sleep at the bottom.
  it('resumes a task 8 yield* levels deep in a timeout in a TaskGroup at the default 384-slot stack', async () => {
    const r = await run(deepTask(8), { end: 100 });
    expect(r.failure).toBeNull();
    expect(r.trace.events).toEqual([{ t: 10, print: 'resumed at depth 8' }]);
  }, SLOW);

  it('aborts the run with the device\'s stack-overflow report one level deeper', async () => {
    const r = await run(deepTask(9), { end: 100 });
    expect(r.failure).toBe('XS abort: JavaScript stack overflow at 0 ms');
    expect(r.reached).toBe(0);
    expect(r.ok).toBe(false);
  }, SLOW);

  it('takes a board\'s stack: 12 levels fit in 512 slots, 13 do not', async () => {
    expect((await run(deepTask(12), { end: 100 }, { stack: 512 })).trace.events).toEqual([{ t: 10, print: 'resumed at depth 12' }]);
    expect((await run(deepTask(13), { end: 100 }, { stack: 512 })).failure).toBe('XS abort: JavaScript stack overflow at 0 ms');
  }, SLOW);

  it('resumes a task 10 and 200 levels deep in a timeout in a TaskGroup at 384 slots when each level is yield* delegate(...)', async () => {
    for (const depth of [10, 200]) {
      const r = await run(deepTask(depth, true), { end: 100 });
      expect(r.failure).toBeNull();
      expect(r.trace.events).toEqual([{ t: 10, print: `resumed at depth ${depth}` }]);
    }
  }, SLOW);

  it('refuses a stack too small to run anything', async () => {
    await expect(run(deepTask(0), { end: 100 }, { stack: 10 })).rejects.toThrow(RangeError);
  });

  it('refuses to profile a run outside XS (the profiling worker is an XS engine)', async () => {
    await expect(runScenario({ app: deepTask(0), scenario: { end: 100 }, engine: 'node', profile: { worker: 'xsnap-worker', prefix: join(dir, 'p') } })).rejects.toThrow(TypeError);
  });
});

describe('the XS engine has the device heap and watchdog', () => {
  it('ends an app that allocates without bound at the heap budget, with what it printed before', async () => {
    const r = await run(app(`
import Timer from 'timer';
trace('started\\n');
Timer.set(() => {
  const all = [];
  for (let i = 0; i < 3e6; i++) all.push({ n: i });
  trace(\`kept \${all.length}\\n\`);
}, 20);
`), { end: 100 });
    expect(r.failure).toBe('XS abort: memory full at 20 ms');
    expect(r.trace.events).toEqual([{ t: 0, print: 'started' }]);
  }, SLOW);

  it('ends a callback that never returns with a watchdog report saying when it was stuck', async () => {
    const r = await run(app(`
import Timer from 'timer';
import Time from 'time';
Timer.set(() => trace('waiting for the clock\\n'), 30);
// Virtual time stands still while JavaScript runs: this never ends.
Timer.set(() => { const start = Time.ticks; while (Time.ticks === start); }, 50);
`), { end: 100 }, { watchdog: 1_000_000 });
    expect(r.failure).toBe('XS abort: watchdog: a host callback never returned at 50 ms (over 1000000 computrons)');
    expect(r.trace.events).toEqual([{ t: 30, print: 'waiting for the clock' }]);
    expect(r.ok).toBe(false);
  }, SLOW);

  it('ends it in the node engine too, within its real-time watchdog', async () => {
    const r = await runScenario({ engine: 'node', scenario: { end: 100 }, watchdogMs: 1000, app: app(`
import Timer from 'timer';
import Time from 'time';
Timer.set(() => trace('waiting for the clock\\n'), 30);
Timer.set(() => { const start = Time.ticks; while (Time.ticks === start); }, 50);
`) });
    expect(r.failure).toBe('watchdog: a host callback never returned at 50 ms (nothing for 1000 ms of real time)');
    expect(r.trace.events).toEqual([{ t: 30, print: 'waiting for the clock' }]);
    expect(r.ok).toBe(false);
  }, SLOW);
});

describe('both engines freeze the built-ins after start-up, as xsl does, and have only Moddable\'s globals', () => {
  it.each(['node', 'xs'] as const)('fails a write to a frozen built-in (the override mistake is not tamed), and anyloop errors still work (%s)', async (engine) => {
    const r = await runScenario({ engine, scenario: { end: 100 }, app: app(`
import Timer from 'timer';
import { Future, TimeoutError, waitFor } from 'anyloop';
import { XsLoop } from 'anyloop/xs';
import Time from 'time';

class AppError extends Error {}
Timer.set(() => {
  try {
    new AppError('x').name = 'AppError';
    trace('assigned\\n');
  } catch (e) {
    trace(\`\${e.name}: \${Object.isFrozen(Error.prototype)}\\n\`);
  }
});
const loop = new XsLoop({ Timer, Time });
waitFor(new Future({ loop }), 10, { loop }).catch((e) => trace(\`\${e instanceof TimeoutError} \${e.name}\\n\`));
loop.runForever();
`) });
    expect(r.failure).toBeNull();
    expect(r.trace.events).toEqual([{ t: 0, print: 'TypeError: true' }, { t: 10, print: 'true TimeoutError' }]);
  }, SLOW);

  it.each(['node', 'xs'] as const)('hides the host\'s globals: an app using setTimeout fails with a ReferenceError (%s)', async (engine) => {
    const r = await runScenario({ engine, scenario: { end: 100 }, app: app(`
import Timer from 'timer';
Timer.set(() => setTimeout(() => trace('late\\n'), 1), 5);
trace(\`\${typeof print} \${typeof gc} \${typeof setImmediate} \${typeof issueCommand} \${typeof process} \${typeof require} \${typeof console} \${typeof trace}\\n\`);
`) });
    expect(r.trace.events).toEqual([{ t: 0, print: 'undefined undefined undefined undefined undefined undefined undefined function' }]);
    expect(r.failure).toMatch(/^XS aborted: an exception escaped a timer callback: ReferenceError: .*setTimeout/);
  }, SLOW);
});

describe('promise jobs run when the device runs them', () => {
  it.each(['node', 'xs'] as const)('an awaited promise resumes in the pass that queued it, not at the next timer (%s)', async (engine) => {
    const r = await runScenario({
      app: app(`
import Timer from 'timer';
import Digital from 'embedded:io/digital';
const led = new Digital({ pin: 2, mode: Digital.Output });
Timer.set(async () => {
  await Promise.resolve();
  led.write(1);
}, 100);
Timer.set(() => trace('next timer\\n'), 1000);
`),
      scenario: { end: 2000 },
      engine,
    });
    expect(r.failure).toBeNull();
    expect(r.trace.events).toEqual([{ t: 100, pin: 2, level: 1, by: 'app' }, { t: 1000, print: 'next timer' }]);
  }, SLOW);
});

describe('meterApp: the app metered apart from the simulated host modules', () => {
  /** A timer callback that makes `calls` host-module calls (Timer.set and Timer.clear) after `work` loop iterations of its own. */
  const busy = (calls: number, work: number) => app(`
import Timer from 'timer';
Timer.set(() => {
  let sum = 0;
  for (let i = 0; i < ${work}; i++) sum += i;
  for (let i = 0; i < ${calls}; i++) Timer.clear(Timer.set(() => {}, 1000));
  trace(\`done \${sum > 0}\\n\`);
}, 10);
`);
  const meters = async (calls: number, work: number) => {
    const r = await runScenario({ app: busy(calls, work), scenario: { end: 100 }, engine: 'xs', meterApp: true });
    expect(r.failure).toBeNull();
    return r.meters!;
  };

  it('counts the host modules\' work in the app\'s calls apart: more calls raise it, more of the app\'s own work raises the app\'s', async () => {
    const base = await meters(100, 1000);
    const moreCalls = await meters(200, 1000);
    const moreWork = await meters(100, 2000);
    const callHost = moreCalls.hostModuleComputrons! - base.hostModuleComputrons!;
    const callApp = moreCalls.appComputrons! - base.appComputrons!;
    // 100 calls more: the host modules' share grows more than the app's (its loop and the calls' entry).
    expect(callHost).toBeGreaterThan(callApp);
    expect(callApp).toBeGreaterThan(0);
    // 1000 iterations more of the app's own loop: all of it is the app's.
    expect(moreWork.hostModuleComputrons).toBe(base.hostModuleComputrons);
    expect(moreWork.appComputrons! - base.appComputrons!).toBeGreaterThan(1000);
    // Without meterApp there are no such meters.
    const plain = await runScenario({ app: busy(100, 1000), scenario: { end: 100 }, engine: 'xs' });
    expect(plain.meters!.appComputrons).toBeUndefined();
  }, SLOW);

  /** What `code` costs run directly in the device's engine, where `m` is the meter (a native function). */
  const direct = async (code: string): Promise<number> => {
    const printed: string[] = [];
    const xs = await startDeviceWorker({ stack: 4096, onPrint: (s) => printed.push(String(s)) });
    try {
      await xs.evaluate(`(() => { const m = anyloopMeter; ${code} })()`);
    } finally {
      await xs.close();
    }
    return Number(printed.join(''));
  };
  const appComputrons = async (code: string, end: number): Promise<number> => {
    const r = await runScenario({ app: app(code), scenario: { end }, engine: 'xs', meterApp: true });
    expect(r.failure).toBeNull();
    expect(r.meters!.meterOverheadComputrons).toBeGreaterThan(0);
    return r.meters!.appComputrons!;
  };

  it('charges a host firing no more than calling its callback directly costs: the simulator\'s bookkeeping and promise-job runs are left out', async () => {
    // 100 firings more of an empty callback (each followed by a run of the promise jobs, none queued).
    const repeat = "import Timer from 'timer';\nTimer.repeat(() => {}, 10);\n";
    const perFiring = (await appComputrons(repeat, 2005) - await appComputrons(repeat, 1005)) / 100;
    const call = await direct(`const cb = () => {}; let a = m(); a = m() - a; const b = m(); cb(); print(String(m() - b - a));`);
    expect(perFiring).toBeGreaterThan(0);
    expect(perFiring).toBeLessThanOrEqual(call);
  }, SLOW);

  it('charges a host-module call what calling a native function costs, the metering wrapper left out', async () => {
    const body = 'Timer.clear(Timer.set(() => {}, 1000)); led.write(i & 1); sum += Time.ticks;';
    // Whatever the loop's sum, it is used: the bundler then keeps the loop as written.
    const loop = (n: number, b = body) => `let sum = 0; for (let i = 0; i < ${n}; i++) { ${b} } if (sum < 0) trace('never');`;
    const inApp = (n: number) => appComputrons(`
import Timer from 'timer';
import Time from 'time';
import Digital from 'embedded:io/digital';
const led = new Digital({ pin: 2, mode: Digital.Output });
Timer.set(() => { ${loop(n)} }, 10);
`, 100);
    const more = await inApp(200) - await inApp(100);
    // The same loop, in a closure as the app's callback is, with native functions (the meter) and a native getter (byteLength) for the host modules'.
    const native = await direct(`const Timer = { set: m, clear: m }, led = { write: m }, Time = new ArrayBuffer(0), trace = m;
const run = [() => { ${loop(200, body.replace('Time.ticks', 'Time.byteLength'))} }, () => { ${loop(100, body.replace('Time.ticks', 'Time.byteLength'))} }];
let a = m();
run[0]();
const x = m() - a;
a = m();
run[1]();
print(String(x - (m() - a)));`);
    // Within a computron per iteration (the bundler's rendering of the loop, the calibration's rounding); each iteration makes four calls.
    expect(Math.abs(more - native)).toBeLessThanOrEqual(100);
  }, SLOW);
});
