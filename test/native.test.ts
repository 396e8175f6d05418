import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runScenario } from '../src/sim/host/run.js';

// anyloop/native (src/moddable/native.c): XsLoop's hot paths in C, which the
// simulator's XS engine is built with as a device build links them. Node runs
// the TypeScript they replace: the same app must give the same trace in both.

const SLOW = 60_000;
const dir = mkdtempSync(join(tmpdir(), 'anyloop-native-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let apps = 0;
function app(code: string): string {
  const file = join(dir, `app${++apps}.js`);
  writeFileSync(file, code);
  return file;
}

async function bothEngines(file: string, end = 100) {
  const [node, xs] = await Promise.all([
    runScenario({ app: file, scenario: { end }, engine: 'node' }),
    runScenario({ app: file, scenario: { end }, engine: 'xs' }),
  ]);
  expect(node.failure).toBeNull();
  expect(xs.failure).toBeNull();
  return { node: node.trace.events, xs: xs.trace.events };
}

describe('XsLoop\'s turn in C', () => {
  it('is what XsLoop runs in XS, and BaseLoop\'s TypeScript in Node and for other loops', async () => {
    const { node, xs } = await bothEngines(app(`
import { XsLoop } from 'anyloop/xs';
import { VirtualTimeLoop } from 'anyloop/testing';
// Installed on XsLoop's prototype, shadowing BaseLoop's (XS prints every function as native code).
const own = (C) => Object.prototype.hasOwnProperty.call(C.prototype, '_runOnce');
trace(\`XsLoop \${own(XsLoop)}, VirtualTimeLoop \${own(VirtualTimeLoop)}\\n\`);
`));
    expect(node).toEqual([{ t: 0, print: 'XsLoop false, VirtualTimeLoop false' }]);
    expect(xs).toEqual([{ t: 0, print: 'XsLoop true, VirtualTimeLoop false' }]);
  }, SLOW);

  it('runs callbacks and timers as the TypeScript turn does: FIFO, arguments, snapshots, limits, failures, nested turns', async () => {
    const { node, xs } = await bothEngines(app(`
import Timer from 'timer';
import Time from 'time';
import { XsLoop } from 'anyloop/xs';
import { Future, createTask, sleep, getEventLoop } from 'anyloop';
import { VirtualTimeLoop } from 'anyloop/testing';

const out = [];
const say = (s) => out.push(s);
const loop = new XsLoop({ Timer, Time, maxCallbacksPerTurn: 3, trace: (s) => say('trace ' + s.split('\\n')[0]) });
loop.setExceptionHandler((l, ctx) => say(\`failed: \${ctx.message}: \${ctx.exception.message}; handle \${typeof ctx.handle?.cancel}\`));
loop.callSoon(() => say('no args ' + loop.turns));
loop.callSoon((a) => say('one arg ' + a), 'a');
loop.callSoon((a) => say('array arg ' + JSON.stringify(a)), [1, 2]);
loop.callSoon((a, b, c) => say(\`three args \${a} \${b} \${c} turn \${loop.turns}\`), 1, 2, 3);
loop.callSoon(() => { throw new Error('boom'); });
loop.callSoon(() => say('after the failure'));
const cancelled = loop.callSoon(() => say('cancelled callback ran'));
cancelled.cancel();
loop.callSoon(() => loop.callSoon(() => say('scheduled in a turn runs in a later one ' + loop.turns)));
loop.callLater(5, (x) => say('timer ' + x + ' at ' + loop.time()), 'x');
loop.callLater(5, () => say('second timer, same deadline'));
loop.callLater(7, () => { throw new Error('timer boom'); });
const h = loop.callLater(6, () => say('cancelled timer'));
h.cancel();
const fut = new Future({ loop });
fut.addDoneCallback((f) => say('done callback ' + f.result()));
loop.callSoon(() => fut.setResult(42));
loop.callSoon(() => {
  // A turn of another loop inside a callback gives the running loop back.
  const inner = new VirtualTimeLoop();
  inner.callSoon(() => say('inner running ' + (getEventLoop() === inner)));
  inner.runOnce?.() ?? inner.runUntilComplete(sleep(0, undefined, { loop: inner }));
  say('outer running again ' + (getEventLoop() === loop));
});
createTask(function* () {
  for (let i = 0; i < 3; i++) {
    yield* sleep(i, undefined, { loop });
    say('task step ' + i + ' at ' + loop.time());
  }
  throw new Error('task failed');
}, { loop });
loop.runForever();
Timer.set(() => {
  loop.stop();
  trace(out.join('\\n') + '\\n');
  trace('turns ' + loop.turns + '\\n');
}, 50);
`));
    expect(xs).toEqual(node);
    const printed = node.map((e) => e.print).join('\n');
    expect(printed).toContain('failed: Exception in callback: boom; handle function');
    expect(printed).toContain('failed: Exception in callback: timer boom; handle function');
    expect(printed).toContain('array arg [1,2]');
    expect(printed).not.toContain('cancelled callback ran');
    expect(printed).not.toContain('cancelled timer');
  }, SLOW);
});
