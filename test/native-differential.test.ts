import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runScenario, type SimReport } from '../src/sim/host/run.js';
import { isPrintEvent } from '../src/sim/trace.js';

// XsLoop's turn in C (src/moddable/native.c) against the TypeScript it
// replaces, on workloads a seeded generator makes: callbacks with every
// shape of arguments, timers at and after now, cancellations before and
// during their turn, failures, callbacks that schedule more, bursts that
// grow the ready queue, futures' done callbacks, tasks that sleep, a
// per-turn limit from 1 up, and stop() (then runForever() from a host
// timer) and close() called from a callback in the middle of a turn. Each
// workload runs in the XS engine with the C, in the XS engine with the C
// taken off XsLoop's prototype (BaseLoop's TypeScript turn, same engine),
// and in Node; the logs (what ran, in which turn, at what loop time, with
// which arguments, and each failure report) must be identical.

const SLOW = 120_000;
const dir = mkdtempSync(join(tmpdir(), 'anyloop-native-differential-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SEEDS = Array.from({ length: 16 }, (_, i) => i + 1);

function app(withoutC: boolean): string {
  const file = join(dir, `workloads${withoutC ? '-ts' : ''}.js`);
  writeFileSync(file, `
import Timer from 'timer';
import Time from 'time';
import { XsLoop } from 'anyloop/xs';
import { Future, createTask, sleep } from 'anyloop';

${withoutC ? 'delete XsLoop.prototype._runOnce;\n' : ''}trace(\`native \${Object.prototype.hasOwnProperty.call(XsLoop.prototype, '_runOnce')}\\n\`);

// mulberry32: the same numbers in every engine.
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function workload(seed) {
  const next = random(seed);
  const pick = (n) => Math.floor(next() * n);
  const log = [];
  const loop = new XsLoop({ Timer, Time, maxCallbacksPerTurn: 1 + pick(6), maxTurnsPerFiring: 1 + pick(4), trace: (s) => log.push('trace ' + s.split('\\n')[0]) });
  const at = () => \`\${loop.turns}@\${loop.time()}\`;
  loop.setExceptionHandler((l, ctx) => log.push(\`\${at()} failed \${ctx.message}: \${ctx.exception?.message}\`));
  const handles = [];
  let ids = 0;
  // One scheduled thing: what it does when it runs is drawn when it is made.
  function schedule(depth) {
    const id = ids++;
    const kind = pick(10);
    const shape = pick(5);
    const args = shape === 0 ? [] : shape === 1 ? [id] : shape === 2 ? [[id, 'a']] : shape === 3 ? [id, 'b', null] : [undefined];
    const more = depth < 2 ? pick(3) : 0;
    const cancelOther = pick(5) === 0;
    const throws = pick(8) === 0;
    // Rarely: stop in the middle of a turn and run again later, or close the loop from a callback.
    const lifecycle = pick(40);
    const callback = (...got) => {
      log.push(\`\${at()} run \${id} \${JSON.stringify(got)}\`);
      if (cancelOther && handles.length > 0) handles[pick(handles.length)].cancel();
      for (let i = 0; i < more; i++) schedule(depth + 1);
      if (lifecycle === 0) {
        loop.stop();
        const after = pick(3);
        Timer.set(() => {
          if (loop.isClosed() || loop.isRunning()) return;
          log.push(\`\${at()} runs again\`);
          loop.runForever();
        }, after);
      } else if (lifecycle === 1) {
        loop.stop();
        loop.close();
        log.push(\`\${at()} closed\`);
      }
      if (throws) throw new Error('boom ' + id);
    };
    if (kind < 5) handles.push(loop.callSoon(callback, ...args));
    else if (kind < 8) handles.push(loop.callLater(pick(4), callback, ...args));
    else if (kind === 8) handles.push(loop.callAt(loop.time() + pick(3), callback, ...args));
    else {
      const f = new Future({ loop });
      f.addDoneCallback((done) => log.push(\`\${at()} done \${id} \${done.result()}\`));
      f.addDoneCallback(() => log.push(\`\${at()} done again \${id}\`));
      handles.push(loop.callSoon(() => f.setResult(id)));
    }
  }
  const burst = 1 + pick(24);
  for (let i = 0; i < burst; i++) schedule(0);
  createTask(function* () {
    for (let i = 0; i < 3; i++) {
      yield* sleep(pick(3), undefined, { loop });
      log.push(\`\${at()} task \${i}\`);
      schedule(2);
    }
  }, { loop });
  loop.runForever();
  return { loop, log };
}

const runs = [${SEEDS.join(', ')}].map((seed) => [seed, workload(seed)]);
Timer.set(() => {
  for (const [seed, { loop, log }] of runs) {
    loop.stop();
    trace(\`seed \${seed}: \${log.length} entries, \${loop.turns} turns\\n\`);
    for (const line of log) trace(line + '\\n');
  }
}, 100);
`);
  return file;
}

const printed = (r: SimReport): string[] => r.trace.events.filter(isPrintEvent).map((e) => e.print);

describe('XsLoop\'s turn in C against the TypeScript on seeded random workloads', () => {
  it(`logs the same, turn by turn, in XS with the C, in XS without it and in Node (${SEEDS.length} seeds)`, async () => {
    const [c, ts, node] = await Promise.all([
      runScenario({ app: app(false), scenario: { end: 200 }, engine: 'xs' }),
      runScenario({ app: app(true), scenario: { end: 200 }, engine: 'xs' }),
      runScenario({ app: app(false), scenario: { end: 200 }, engine: 'node' }),
    ]);
    for (const r of [c, ts, node]) {
      expect(r.failure).toBeNull();
      expect(r.unhandled).toEqual([]);
    }
    const [withC, withoutC, inNode] = [printed(c), printed(ts), printed(node)];
    expect(withC[0]).toBe('native true');
    expect(withoutC[0]).toBe('native false');
    expect(inNode[0]).toBe('native false');
    expect(withC.slice(1)).toEqual(withoutC.slice(1));
    expect(withC.slice(1)).toEqual(inNode.slice(1));
    // The workloads did what they are for: every seed ran, with failures, cancellations and futures among them.
    const all = withC.join('\n');
    for (const seed of SEEDS) expect(all).toMatch(new RegExp(`^seed ${seed}: \\d+ entries, \\d+ turns$`, 'm'));
    expect(all).toContain('failed Exception in callback: boom');
    expect(all).toMatch(/run \d+ \[\[\d+,"a"\]\]/);
    expect(all).toMatch(/done again \d+/);
    expect(all).toMatch(/task 2/);
    expect(all).toMatch(/^\d+@\d+ runs again$/m);
    expect(all).toMatch(/^\d+@\d+ closed$/m);
    expect(withC.length).toBeGreaterThan(300);
  }, SLOW);
});
