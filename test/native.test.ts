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

describe('the task step in C', () => {
  it('is the step every task runs in XS (installed by anyloop/xs), the TypeScript one in Node', async () => {
    const { node, xs } = await bothEngines(app(`
import Timer from 'timer';
import Time from 'time';
import { XsLoop } from 'anyloop/xs';
import { createTask } from 'anyloop';
const loop = new XsLoop({ Timer, Time });
const task = createTask(function* () {}, { loop });
// The native step carries what it needs from JavaScript (useNativeStep's kit).
trace(\`native step \${Object.prototype.hasOwnProperty.call(task._doneCallback, 'kit')}\\n\`);
`));
    expect(node).toEqual([{ t: 0, print: 'native step false' }]);
    expect(xs).toEqual([{ t: 0, print: 'native step true' }]);
  }, SLOW);

  it('steps tasks as the TypeScript does: done and pending futures, delegation, cancellation, hostile yields, completion', async () => {
    const { node, xs } = await bothEngines(app(`
import Timer from 'timer';
import Time from 'time';
import { XsLoop } from 'anyloop/xs';
import { Future, createTask, currentTask, delegate, sleep, CancelledError } from 'anyloop';

const out = [];
const say = (s) => out.push(s);
const loop = new XsLoop({ Timer, Time });
loop.setExceptionHandler((l, ctx) => say(\`loop failure: \${ctx.message}: \${ctx.exception?.message}\`));
const what = (e) => (e instanceof CancelledError ? 'CancelledError ' : e?.name + ' ') + e?.message;
function watch(name, t) {
  t.addDoneCallback((f) => say(\`\${name} done: \${f.cancelled() ? 'cancelled ' + f._value : f.exception() ? 'failed ' + what(f.exception()) : 'result ' + f.result()}\`));
  return t;
}
function* attempt(name, body) {
  try { say(name + ' got ' + (yield* body())); } catch (e) { say(name + ' threw ' + what(e)); }
}
function* inner(n) {
  say('inner ' + n + ' task ' + (currentTask() !== null));
  const v = yield* sleep(0, n, { loop });
  if (n === 3) throw new Error('inner failed at ' + n);
  return n > 0 ? (yield* delegate(inner(n + 1))) + v : v;
}

watch('done future', createTask(function* () {
  const f = new Future({ loop });
  f.setResult('ready');
  say('awaited done ' + (yield* f));
  const g = new Future({ loop });
  g.setException(new RangeError('already failed'));
  yield* attempt('done failed future', () => g);
  return 'done-future-task';
}, { loop }));

const pending = new Future({ loop });
const t2 = watch('pending future', createTask(function* () {
  const v = yield* pending;
  say('pending resolved ' + v);
  const w = new Future({ loop });
  loop.callSoon(() => w.setException(new TypeError('later failure')));
  yield* attempt('pending failed future', () => w);
  return v * 2;
}, { loop }));
loop.callSoon(() => pending.setResult(21));

watch('delegation', createTask(function* () {
  yield* attempt('levels', () => delegate(inner(1)));
  return yield* delegate(inner(0));
}, { loop }));

const waiting = new Future({ loop });
const t4 = watch('cancelled while waiting', createTask(function* () {
  try { yield* waiting; } finally { say('finally while waiting, waiting cancelled ' + waiting.cancelled()); }
}, { loop }));
loop.callSoon(() => say('cancel waiting ' + t4.cancel('stop waiting')));

const t5 = watch('cancelled in its step', createTask(function* () {
  say('cancel self ' + currentTask().cancel('in step'));
  const f = new Future({ loop });
  try { yield* f; } catch (e) { say('in-step cancel reached ' + what(e) + ', f cancelled ' + f.cancelled()); }
  return 'swallowed';
}, { loop }));

watch('cancelled in its last step', createTask(function* () {
  yield* sleep(0, undefined, { loop });
  currentTask().cancel('last step');
  return 'not this';
}, { loop }));

const t7 = watch('cancelled before its first step', createTask(function* () {
  say('never runs');
}, { loop }));
say('cancel before start ' + t7.cancel('early'));

watch('fails', createTask(function* () {
  yield* sleep(0, undefined, { loop });
  throw new Error('task body failed');
}, { loop }));

watch('throws CancelledError', createTask(function* () {
  yield* sleep(0, undefined, { loop });
  throw new CancelledError('own cancel');
}, { loop }));

watch('yields a non-Future', createTask(function* () {
  try { yield 42; } catch (e) { say('non-future: ' + what(e)); }
  try { yield; } catch (e) { say('bare yield: ' + what(e)); }
  try { yield { then: 5 }; } catch (e) { say('not thenable: ' + what(e)); }
  return 'survived';
}, { loop }));

watch('yields a thenable', createTask(function* () {
  const v = yield { then(ok) { ok('thenable value'); } };
  say('thenable gave ' + v);
  try { yield { then(ok, fail) { fail(new Error('thenable refused')); } }; } catch (e) { say('thenable threw ' + what(e)); }
  try { yield { get then() { throw new Error('then getter'); } }; } catch (e) { say('hostile then: ' + what(e)); }
  return 'thenables';
}, { loop }));

watch('yields a revoked Proxy', createTask(function* () {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  try { yield proxy; } catch (e) { say('revoked proxy: ' + e.name); }
  const fut = new Future({ loop });
  loop.callSoon(() => fut.setResult('through a proxy'));
  say('proxied future gave ' + (yield new Proxy(fut, {})));
  const lying = new Proxy({}, { getPrototypeOf() { throw new Error('prototype trap'); } });
  try { yield lying; } catch (e) { say('trap: ' + what(e)); }
  return 'proxies';
}, { loop }));

watch('awaits itself', createTask(function* () {
  try { yield currentTask(); } catch (e) { say('self: ' + what(e)); }
  const other = new XsLoop({ Timer, Time });
  try { yield new Future({ loop: other }); } catch (e) { say('other loop: ' + what(e)); }
  return 'alone';
}, { loop }));

watch('catches and delegates again', createTask(function* () {
  function* failing() { yield* sleep(0, undefined, { loop }); throw new RangeError('level failed'); }
  function* middle() {
    try { return yield* delegate(failing()); } catch (e) { say('middle caught ' + what(e)); return 'recovered'; }
  }
  return yield* delegate(middle());
}, { loop }));

loop.runForever();
Timer.set(() => {
  loop.stop();
  trace(out.join('\\n') + '\\n');
}, 50);
`));
    expect(xs).toEqual(node);
    const printed = node.map((e) => ('print' in e ? e.print : '')).join('\n');
    for (const line of [
      'done future done: result done-future-task', 'pending future done: result 42', 'delegation done: result 0',
      'cancelled while waiting done: cancelled', 'in-step cancel reached CancelledError', 'cancelled in its last step done: cancelled',
      'cancelled before its first step done: cancelled', 'fails done: failed Error task body failed',
      'non-future: TypeError', 'thenable gave thenable value', 'revoked proxy: TypeError', 'proxied future gave through a proxy',
      'self: TypeError a task cannot await itself', 'other loop: Error Task got Future attached to a different loop',
      'middle caught RangeError level failed', 'levels threw Error inner failed at 3',
    ]) expect(printed).toContain(line);
    expect(printed).not.toContain('never runs');
    expect(printed).not.toContain('loop failure');
  }, SLOW);
});
