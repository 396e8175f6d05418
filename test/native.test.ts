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
    const printed = node.map((e) => ('print' in e ? e.print : '')).join('\n');
    expect(printed).toContain('failed: Exception in callback: boom; handle function');
    expect(printed).toContain('failed: Exception in callback: timer boom; handle function');
    expect(printed).toContain('array arg [1,2]');
    expect(printed).not.toContain('cancelled callback ran');
    expect(printed).not.toContain('cancelled timer');
  }, SLOW);
});

describe('XsLoop\'s host firing in C', () => {
  it('is XsLoop\'s host timer callback, re-arming and clock in XS, and the TypeScript in Node', async () => {
    const { node, xs } = await bothEngines(app(`
import { XsLoop } from 'anyloop/xs';
// The C functions carry the module's constants (XS prints every function as native code).
const c = XsLoop._constants;
trace(\`\${XsLoop._onHost.constants === c} \${XsLoop.prototype._arm.constants === c} \${typeof c.loop}\\n\`);
`));
    expect(node).toEqual([{ t: 0, print: 'false false symbol' }]);
    expect(xs).toEqual([{ t: 0, print: 'true true symbol' }]);
  }, SLOW);

  it('runs firings as the TypeScript does: turn bounds, timers amid a ping-pong, stop and runForever from callbacks, the tick wrap, a refused re-arming, a failed turn', async () => {
    const { node, xs } = await bothEngines(app(`
import Timer from 'timer';
import Time from 'time';
import { XsLoop } from 'anyloop/xs';
import { createTask, sleep } from 'anyloop';

const say = (s) => trace(s + '\\n');
// The board's counter starts at 0 in a scenario: this one starts 40 ms before the signed 32-bit wrap.
const Wrapping = { get ticks() { return (Time.ticks + 2 ** 31 - 40) | 0; } };
// Moddable's Timer, but schedule() clears the timer and throws while refused (the loop must take a new one).
let refuse = 0;
const HostTimer = {
  set: (callback, ms, repeat) => Timer.set(callback, ms, repeat),
  schedule: (timer, ms, repeat) => {
    say(\`schedule \${ms} \${repeat}\${refuse > 0 ? ' refused' : ''}\`);
    if (refuse > 0) { refuse--; Timer.clear(timer); throw new Error('cleared'); }
    Timer.schedule(timer, ms, repeat);
  },
  clear: (timer) => Timer.clear(timer),
};
const loop = new XsLoop({ Timer: HostTimer, Time: Wrapping, maxTurnsPerFiring: 3, maxCallbacksPerTurn: 2 });
const handler = (l, ctx) => say(\`handler: \${ctx.message}: \${ctx.exception?.message}\`);
loop.setExceptionHandler(handler);
const at = () => \`turn \${loop.turns} time \${loop.time()} ticks \${Wrapping.ticks} armedAt \${loop._armedAt}\`;

// A firing runs at most 3 turns: the host's own timer runs between firings.
Timer.set(() => say('host timer, between firings ' + at()), 0);
function pong(n) {
  say(\`pong \${n} \${at()}\`);
  if (n === 2) loop.callLater(0, () => say('timer due amid the ping-pong ' + at()));
  if (n < 8) loop.callSoon(pong, n + 1);
}
loop.callSoon(pong, 0);
// Two callbacks a turn: the five run over three turns.
for (let i = 0; i < 5; i++) loop.callSoon(() => say(\`batch \${i} \${at()}\`));
// Sleeps across the wrap of the tick counter: loop time stays monotonic.
createTask(function* () {
  for (let i = 0; i < 4; i++) {
    yield* sleep(15, undefined, { loop });
    say(\`slept \${i} \${at()}\`);
  }
  // stop() from a callback ends the firing; the ready callback waits for runForever().
  loop.callSoon(() => say('after the restart ' + at()));
  loop.stop();
  say('stopped ' + loop.isRunning() + ' ' + at());
  Timer.set(() => { say('restart'); loop.runForever(); }, 20);
}, { loop });
// stop() and runForever() in one callback: the loop runs on.
loop.callLater(5, () => {
  loop.stop();
  loop.runForever();
  say('stopped and restarted ' + loop.isRunning() + ' ' + at());
  loop.callLater(3, () => say('runs on ' + at()));
});
// The re-arming after this firing is refused: the loop takes a new host timer, due as meant.
loop.callLater(100, () => {
  refuse = 1;
  loop.callLater(7, () => say('after the refused re-arming ' + at()));
});
loop.runForever();

// A failed turn is reported; the loop goes on.
let failTurn = false;
class Checked extends XsLoop {
  _runOnce(limit) {
    if (failTurn) { failTurn = false; throw new Error('turn boom'); }
    say(\`checked turn \${this.turns} limit \${limit} ready \${this._ready.length}\`);
    return super._runOnce(limit);
  }
}
const other = new Checked({ Timer, Time });
other.setExceptionHandler(handler);
other.callLater(150, () => {
  failTurn = true;
  other.callSoon(() => say('ready at the failed turn ' + other.turns));
});
// A failed turn does not re-arm: the next callback scheduled from outside the loop does.
Timer.set(() => other.callLater(1, () => say('after the failed turn ' + other.turns)), 200);
other.runForever();
Timer.set(() => {
  say(\`end \${at()} now \${loop._now}; other \${other.turns} \${other.time()} \${other._armedAt}\`);
  loop.stop();
  other.stop();
}, 300);
`), 400);
    expect(xs).toEqual(node);
    const printed = node.map((e) => ('print' in e ? e.print : '')).join('\n');
    expect(printed).toContain('host timer, between firings');
    expect(printed).toContain('schedule 7 1073741824 refused');
    expect(printed).toContain('after the refused re-arming');
    expect(printed).toContain('handler: Exception in the XsLoop host timer callback: turn boom');
    expect(printed).toContain('after the failed turn');
    expect(printed).toMatch(/slept 3 turn \d+ time 2147483\d+ ticks -2147483/);
  }, SLOW);
});
