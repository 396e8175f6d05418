import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runScenario } from '../src/sim/host/run.js';
import type { SimReport } from '../src/sim/host/run.js';
import { isPrintEvent } from '../src/sim/trace.js';
import { loopConformanceChecks } from '../src/testing.js';
import { XsLoop } from '../src/xs.js';
import { SimBoard } from '../src/sim/board.js';
import { timerFor } from '../src/sim/timer.js';
import { timeFor } from '../src/sim/time.js';

// The loop conformance kit (anyloop/testing: the contract checks and every
// primitive's) run by an app on the simulated board, against the XsLoop that
// anyloop/xs gives a Moddable app: in the XS engine that is XsLoop with its
// hot paths in C (src/moddable/native.c), in the Node engine BaseLoop's
// TypeScript. Each check runs to its end on the board's virtual time (the
// host timer the loop runs on, promise jobs served as the ESP32's host
// serves them); the app prints each outcome.
//
// The stack: the kit drives each check through async functions (the app's
// loop over the checks, the check, its body, its run), whose continuations
// run from promise jobs, with the simulator's Timer (C on a device) in
// JavaScript under them; in XS that takes about 570 slots at its deepest,
// with the C as with the TypeScript turn, more than the device's default
// 384. An app's stack at the default is test/sim-device.test.ts's.

const SLOW = 120_000;
const STACK = 1024;
const dir = mkdtempSync(join(tmpdir(), 'anyloop-xs-conformance-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const APP = join(dir, 'conformance.js');
writeFileSync(APP, `
import Timer from 'timer';
import Time from 'time';
import { XsLoop } from 'anyloop/xs';
import { loopConformanceChecks } from 'anyloop/testing';

// anyloop/xs installed the C on XsLoop (it shadows BaseLoop's _runOnce) where the engine has it.
trace(\`native \${Object.prototype.hasOwnProperty.call(XsLoop.prototype, '_runOnce')}\\n\`);
const checks = loopConformanceChecks({
  makeLoop() {
    const loop = new XsLoop({ Timer, Time });
    loop.runForever();
    return loop;
  },
  dispose(loop) {
    loop.stop();
    loop.close();
  },
});
(async () => {
  for (const check of checks) {
    try {
      await check.run();
      trace(\`pass \${check.name}\\n\`);
    } catch (e) {
      trace(\`FAIL \${check.name}: \${String(e?.message ?? e).split('\\n').join(' | ')}\\n\`);
    }
  }
  trace(\`done \${checks.length}\\n\`);
})();
`);

/** The names of the kit's checks for a TimerLoop such as XsLoop, as the kit lists them. */
function expectedChecks(): string[] {
  const board = new SimBoard();
  return loopConformanceChecks({
    makeLoop: () => new XsLoop({ Timer: timerFor(board), Time: timeFor(board) }),
    dispose: (loop) => loop.close(),
  }).map((c) => c.name);
}

const prints = (r: SimReport): string[] => r.trace.events.filter(isPrintEvent).map((e) => e.print);

const runs: Partial<Record<'xs' | 'node', Promise<SimReport>>> = {};
const run = (engine: 'xs' | 'node') => (runs[engine] ??= runScenario({ app: APP, scenario: { end: 10_000 }, engine, stack: STACK }));

describe.each([
  ['xs', 'XsLoop with its turn in C', true],
  ['node', 'XsLoop with BaseLoop\'s TypeScript turn', false],
] as const)('the loop conformance kit in the %s engine (%s)', (engine, _what, native) => {
  it('passes every check, run by an app on the simulated board', async () => {
    const r = await run(engine);
    expect(r.failure).toBeNull();
    expect(r.unhandled).toEqual([]);
    const out = prints(r);
    expect(out[0]).toBe(`native ${native}`);
    // Named, so that a failure says which check broke and how.
    expect(out.filter((line) => line.startsWith('FAIL '))).toEqual([]);
    const names = expectedChecks();
    expect(out.filter((line) => line.startsWith('pass ')).map((line) => line.slice('pass '.length))).toEqual(names);
    expect(out.at(-1)).toBe(`done ${names.length}`);
    expect(names.length).toBeGreaterThan(20);
  }, SLOW);
});

describe('the loop conformance kit in both engines', () => {
  it('ends each check at the same virtual time with the C in XS as with the TypeScript in Node', async () => {
    const [xs, node] = [await run('xs'), await run('node')];
    // The first line says which turn runs: it differs on purpose.
    expect(xs.trace.events.slice(1)).toEqual(node.trace.events.slice(1));
    expect(new Set(xs.trace.events.map((e) => e.t)).size).toBeGreaterThan(2);
  }, SLOW);
});
