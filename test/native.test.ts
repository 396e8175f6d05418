import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runScenario } from '../src/sim/host/run.js';
import { isPrintEvent } from '../src/sim/trace.js';

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
    const printed = node.filter(isPrintEvent).map((e) => e.print).join('\n');
    expect(printed).toContain('failed: Exception in callback: boom; handle function');
    expect(printed).toContain('failed: Exception in callback: timer boom; handle function');
    expect(printed).toContain('array arg [1,2]');
    expect(printed).not.toContain('cancelled callback ran');
    expect(printed).not.toContain('cancelled timer');
  }, SLOW);
});

describe('The Future layer in C (Future._complete, FutureIterator.next, Waiter._wake, FutureWait.next)', () => {
  it('is installed in XS only, on the prototypes the TypeScript defines them on', async () => {
    const { node, xs } = await bothEngines(app(`
import { Future, waitFor } from 'anyloop';
import 'anyloop/xs';
import { VirtualTimeLoop } from 'anyloop/testing';
const own = (o, name) => Object.prototype.hasOwnProperty.call(o, name);
const wait = Object.getPrototypeOf(waitFor(new Future({ loop: new VirtualTimeLoop() }), null));
trace(\`Future \${own(Future.prototype, '_anyloopFutures')}, FutureWait \${own(wait, '_scriptNext')}\\n\`);
`));
    expect(node).toEqual([{ t: 0, print: 'Future false, FutureWait false' }]);
    expect(xs).toEqual([{ t: 0, print: 'Future true, FutureWait true' }]);
  }, SLOW);

  it('completes futures, wakes waiters and runs waits as the TypeScript does, in every branch', async () => {
    const { node, xs } = await bothEngines(app(`
import Timer from 'timer';
import Time from 'time';
import { XsLoop } from 'anyloop/xs';
import { Future, Event, Queue, createTask, sleep, waitFor } from 'anyloop';

const out = [];
const say = (s) => out.push(s);
const what = (e) => e === undefined ? 'undefined' : \`\${e.name}: \${e.message}\`;
const loop = new XsLoop({ Timer, Time });
loop.setExceptionHandler((l, ctx) => say(\`reported: \${ctx.message}: \${ctx.exception?.message}; future \${ctx.future !== undefined}\`));
// A loop author's own loop: none of anyloop's hooks (_soon, _expireAt), so the C tells it through callSoon.
const custom = {
  callSoon: (cb, ...args) => loop.callSoon(cb, ...args),
  callExceptionHandler: (ctx) => loop.callExceptionHandler(ctx),
  getDebug: () => false,
  time: () => loop.time(),
  callAt: (when, cb, ...args) => loop.callAt(when, cb, ...args),
  callLater: (ms, cb, ...args) => loop.callLater(ms, cb, ...args),
};
const waiter = (name, fut) => createTask(function* () {
  try {
    say(name + ' got ' + (yield* fut));
  } catch (e) {
    say(name + ' failed ' + what(e));
  }
}, { loop: fut.loop });

// No listener, one function, several listeners (functions, tasks, a promise reaction), a throwing callback.
const none = new Future({ loop });
none.setResult('nobody');
say('none ' + none.result());
const one = new Future({ loop });
one.addDoneCallback((f) => say('one callback ' + f.result()));
const many = new Future({ loop });
many.addDoneCallback((f) => say('many callback 1 ' + f.result()));
waiter('many task', many);
many.addDoneCallback(() => { throw new Error('callback boom'); });
many.then((v) => say('many then ' + v));
many.addDoneCallback((f) => say('many callback 2 ' + f.result()));
const awaited = new Future({ loop });
(async () => say('awaited ' + (await awaited)))();
const failing = new Future({ loop });
waiter('failing task', failing);
failing.addDoneCallback((f) => say('failing callback ' + f.exception().message));
const cancelled = new Future({ loop });
waiter('cancelled task', cancelled);
cancelled.addDoneCallback((f) => say('cancelled callback ' + f.cancelled()));
const onCustom = new Future({ loop: custom });
waiter('custom task', onCustom);
onCustom.addDoneCallback((f) => say('custom callback ' + f.result()));
loop.callSoon(() => {
  one.setResult(1);
  many.setResult('m');
  awaited.setResult('a');
  failing.setException(new Error('failed'));
  cancelled.cancel('stop');
  onCustom.setResult('c');
});

// Inline completions: primitives' waiters, woken and resumed in the awaiting step, a throwing inline callback.
const ev = new Event({ loop });
for (const name of ['ev task 1', 'ev task 2']) createTask(function* () { say(name + ' ' + (yield* ev.wait())); }, { loop });
const w = ev.wait();
w.addDoneCallback(() => say('ev callback inline'));
w.addDoneCallback(() => { throw new Error('inline boom'); });
const q = new Queue(0, { loop });
createTask(function* () { for (let i = 0; i < 3; i++) say('q got ' + (yield* q.get())); }, { loop });
const cancelledWait = ev.wait();
createTask(function* () {
  try { yield* cancelledWait; } catch (e) { say('cancelled waiter ' + what(e)); }
}, { loop });
loop.callLater(2, () => {
  cancelledWait.cancel('waiter stop');
  ev.set();
  q.putNowait('x');
  q.putNowait('y');
});
loop.callLater(3, () => q.putNowait('z'));

// waitFor: no limit, a limit completed first, expiring, cancelled, failing, done at once, on the custom loop, outside a task.
const later = (ms, f, how) => loop.callLater(ms, () => how(f));
const waitTask = (name, fut, ms, l = loop) => createTask(function* () {
  try {
    say(name + ' got ' + (yield* waitFor(fut, ms)) + ' at ' + loop.time());
  } catch (e) {
    say(name + ' failed ' + what(e) + ' cause ' + what(e.cause) + ' at ' + loop.time());
  }
}, { loop: l });
const f1 = new Future({ loop }); waitTask('waitFor no limit', f1, null); later(5, f1, (f) => f.setResult('v1'));
const f2 = new Future({ loop }); waitTask('waitFor first', f2, 20); later(5, f2, (f) => f.setResult('v2'));
const f3 = new Future({ loop }); waitTask('waitFor expiring', f3, 4);
f3.addDoneCallback((f) => say('expired future cancelled ' + f.cancelled()));
const f4 = new Future({ loop }); const t4 = waitTask('waitFor cancelled', f4, 20); later(3, t4, (t) => t.cancel('task stop'));
const f5 = new Future({ loop }); waitTask('waitFor failing', f5, 20); later(3, f5, (f) => f.setException(new Error('f5 failed')));
const f6 = new Future({ loop }); f6.setResult('v6'); waitTask('waitFor done', f6, 20);
const f7 = new Future({ loop: custom }); waitTask('waitFor custom', f7, 20, custom); later(5, f7, (f) => f.setResult('v7'));
const f8 = new Future({ loop: custom }); waitTask('waitFor custom expiring', f8, 4, custom);
const f9 = new Future({ loop }); waitTask('waitFor infinite', f9, Infinity); later(6, f9, (f) => f.setResult('v9'));
// A task that caught a cancellation enters with cancelling() 1: the expiry is still a TimeoutError.
const cancelling = createTask(function* () {
  try { yield* sleep(100, undefined, { loop }); } catch (e) { say('caught ' + what(e)); }
  try {
    yield* waitFor(new Future({ loop }), 3);
  } catch (e) {
    say('cancelling waitFor failed ' + what(e) + ' at ' + loop.time());
  }
}, { loop });
later(1, cancelling, (t) => t.cancel('first'));
try {
  waitFor(new Future({ loop }), 5).next();
} catch (e) {
  say('outside a task ' + what(e));
}

loop.runForever();
Timer.set(() => {
  loop.stop();
  trace(out.join('\\n') + '\\n');
}, 50);
`));
    expect(xs).toEqual(node);
    const printed = node.filter(isPrintEvent).map((e) => e.print).join('\n');
    for (const line of [
      'none nobody', 'one callback 1', 'many callback 1 m', 'many task got m', 'many then m', 'many callback 2 m',
      'reported: Exception in callback: callback boom', 'awaited a', 'failing task failed Error: failed',
      'failing callback failed', 'cancelled task failed CancelledError: stop', 'cancelled callback true',
      'custom task got c', 'custom callback c', 'ev task 1 true', 'ev task 2 true', 'ev callback inline',
      'reported: Exception in callback: inline boom; future true', 'q got x', 'q got y', 'q got z',
      'cancelled waiter CancelledError: waiter stop', 'waitFor no limit got v1 at 5', 'waitFor first got v2 at 5',
      'waitFor expiring failed TimeoutError', 'expired future cancelled true', 'waitFor cancelled failed CancelledError',
      'waitFor failing failed Error: f5 failed', 'waitFor done got v6', 'waitFor custom got v7 at 5',
      'waitFor custom expiring failed TimeoutError', 'waitFor infinite got v9 at 6', 'caught CancelledError: first',
      'cancelling waitFor failed TimeoutError: the timeout expired at 4', 'outside a task',
    ]) expect(printed).toContain(line);
  }, SLOW);
});
