import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runScenario } from '../src/sim/host/run.js';
import { isPrintEvent } from '../src/sim/trace.js';
import type { Scenario } from '../src/sim/scenario.js';

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

describe('XsLoop\'s timers and hand-offs in C', () => {
  it('are what XsLoop runs in XS: _soon, _at, _expireAt, _expireCancel, _resultLater and _timedDone, BaseLoop\'s TypeScript in Node', async () => {
    const { node, xs } = await bothEngines(app(`
import { XsLoop } from 'anyloop/xs';
import { VirtualTimeLoop } from 'anyloop/testing';
const own = (C) => ['_soon', '_at', '_expireAt', '_expireCancel', '_resultLater', '_timedDone'].map((m) => Object.prototype.hasOwnProperty.call(C.prototype, m));
trace(\`XsLoop \${own(XsLoop)}, VirtualTimeLoop \${own(VirtualTimeLoop)}\\n\`);
`));
    expect(node).toEqual([{ t: 0, print: 'XsLoop false,false,false,false,false,false, VirtualTimeLoop false,false,false,false,false,false' }]);
    expect(xs).toEqual([{ t: 0, print: 'XsLoop true,true,true,true,true,true, VirtualTimeLoop false,false,false,false,false,false' }]);
  }, SLOW);

  it('keep the heaps as the TypeScript does: equal deadlines, cancels, sweeps, waitFor, intervals, timeouts, bursts', async () => {
    const { node, xs } = await bothEngines(app(`
import Timer from 'timer';
import Time from 'time';
import { XsLoop, interval } from 'anyloop/xs';
import { Event, Future, createTask, sleep, timeout, waitFor } from 'anyloop';

const out = [];
const loop = new XsLoop({ Timer, Time, maxCallbacksPerTurn: 5 });
const say = (s) => out.push(loop.time() + ' ' + s);
// The heaps as they stand: each timer's deadline, sequence and place, the futures' order, the ready ring.
const state = (s) => {
  const t = loop._timers;
  say(s + ': size ' + t.size + ', done ' + t._done + ', seq ' + t._seq + ', ready ' + loop._ready.length + '/' + (loop._ready._mask + 1) +
    ' | ' + t._heap.map((h) => h._when + '/' + h._seq + '@' + h._index + (h._owner === undefined ? 'e' : h._owner === t ? 'h' : '?')).join(' ') +
    ' | ' + t._futures.map((f) => f._when + '/' + f._seq + (f.done() ? 'x' : '')).join(' '));
};
loop.setExceptionHandler((l, ctx) => say('failed: ' + ctx.message + ': ' + ctx.exception.message));
const fail = (what, f) => { try { f(); say(what + ' scheduled'); } catch (e) { say(what + ' threw ' + e.message); } };

// Equal deadlines through _at and callLater, then cancels of the top, a middle one and the last.
const hs = [];
for (let i = 0; i < 9; i++) {
  hs.push(i % 2 ? loop.callLater(10, (n) => say('later ' + n), i) : loop._at(loop.time() + 10, (o) => say('at ' + o.n), { n: i }));
}
hs.push(loop._at(loop.time() + 3, (o) => say('at ' + o.n), { n: 'early' }));
state('nine at 10, one at 3');
hs[9].cancel();
hs[4].cancel();
hs[8].cancel();
state('top, middle and last cancelled');

// Time limits as entries: timeout scopes (some expire, some exit early), equal deadlines among them.
function* scoped(name, ms, work) {
  try {
    say(name + ' ' + (yield* timeout(ms, function* () { yield* sleep(work); return 'in time'; })));
  } catch (e) {
    say(name + ' ' + e.name);
  }
}
for (let i = 0; i < 12; i++) createTask(scoped('timeout' + i, 20 + (i % 3) * 5, (i * 7) % 40), { loop });
// waitFor limits: on a sleep, on a future set by a callback, on an Event.
function* limited(name, aw, ms) {
  try {
    say(name + ' ' + (yield* waitFor(aw, ms)));
  } catch (e) {
    say(name + ' ' + e.name);
  }
}
for (let i = 0; i < 6; i++) createTask(limited('waitFor' + i, sleep(i * 9, 'slept ' + i, { loop }), 25), { loop });
const later = new Future({ loop });
loop.callLater(33, () => later.setResult('set'));
createTask(limited('waitFor-future', later, 40), { loop });
createTask(limited('waitFor-never', new Future({ loop }), 31), { loop });

// Sleeps done before their deadline: the two earliest first (dropped at the top), then most of the rest (a sweep).
const sleeps = [];
for (let i = 0; i < 12; i++) sleeps.push(sleep(60 + (i % 4), i, { loop }));
for (const s of sleeps) s.addDoneCallback((f) => say('sleep ' + (f.cancelled() ? 'cancelled' : f.result())));
loop.callLater(5, () => { sleeps[0].cancel(); sleeps[4].cancel(); state('two earliest sleeps cancelled'); });
loop.callLater(45, () => { for (let i = 1; i < 12; i += 2) sleeps[i].cancel(); state('six more cancelled'); });
loop.callLater(46, () => { sleeps[2].cancel(); state('one more: swept'); });

// Intervals: one ticking four times, one closed while a task waits on it.
const ticker = interval(15, { loop });
createTask(function* () {
  for (let i = 0; i < 4; i++) {
    const { time, missed } = yield* ticker.tick();
    say('tick ' + time + ' missed ' + missed);
    if (i === 1) yield* sleep(20);
  }
  ticker.close();
}, { loop });
const idle = interval(50, { loop });
createTask(function* () {
  try { yield* idle.tick(); } catch (e) { say('idle tick ' + e.name); }
}, { loop });
loop.callLater(30, () => { idle.close(); state('idle interval closed'); });

// Bursts past the ready ring's capacity: callSoon, done callbacks and waiters (_soon).
loop.callLater(12, () => {
  for (let i = 0; i < 40; i++) loop.callSoon((n) => { if (n % 10 === 0) say('burst ' + n); }, i);
  const futures = [];
  for (let i = 0; i < 30; i++) {
    const f = new Future({ loop });
    f.addDoneCallback(() => { if (i % 10 === 0) say('done callback ' + i); });
    futures.push(f);
  }
  for (const f of futures) f.setResult(1);
  state('bursts queued');
});
const event = new Event({ loop });
for (let i = 0; i < 20; i++) createTask(function* () { yield* event.wait(); if (i % 5 === 0) say('woken ' + i); }, { loop });
loop.callLater(13, () => { event.set(); state('event set'); });

// Closed loops and a subclass that refuses: the checks before scheduling.
const closed = new XsLoop({ Timer, Time });
closed.close();
fail('_soon on a closed loop', () => closed._soon(() => {}, {}));
fail('_at on a closed loop', () => closed._at(5, () => {}, {}));
fail('_expireAt on a closed loop', () => closed._expireAt({ _when: 5, _expire() {} }));
class Refusing extends XsLoop {
  _checkSchedule() { super._checkSchedule(); if (this.refuse) throw new Error('refused'); }
}
const refusing = new Refusing({ Timer, Time });
fail('_soon on a subclass', () => refusing._soon(() => {}, {}));
refusing.refuse = true;
fail('_soon on a refusing subclass', () => refusing._soon(() => {}, {}));
fail('_at on a refusing subclass', () => refusing._at(5, () => {}, {}));
fail('_expireAt on a refusing subclass', () => refusing._expireAt({ _when: 5, _expire() {} }));
state('all scheduled');

// Sleeps done at the top of their heap, fewer than half: the turn drops them (no sweep).
loop.callLater(70, () => {
  const late = ['a', 'b', 'c', 'd', 'e'].map((v, i) => sleep([2, 3, 4, 10, 11][i], v, { loop }));
  for (const s of late) s.addDoneCallback((f) => say('late sleep ' + (f.cancelled() ? 'cancelled' : f.result())));
  late[0].cancel();
  late[1].cancel();
  state('two of five late sleeps cancelled');
});
// Entries placed and cancelled through the hooks themselves: the top, the middle one and the last of the heap.
loop.callLater(100, () => {
  const entries = [5, 3, 5, 1, 5, 4, 2].map((d, i) => ({ _when: loop.time() + d, name: 'entry' + i, _expire() { say(this.name + ' expired'); } }));
  for (const e of entries) loop._expireAt(e);
  state('seven entries');
  const byPlace = [...entries].sort((a, b) => a._index - b._index);
  for (const e of [byPlace[0], byPlace[3], byPlace[6]]) {
    loop._expireCancel(e);
    say(e.name + ' cancelled, index ' + e._index);
  }
  state('top, middle and last entries cancelled');
});
for (const t of [1, 10, 11, 21, 26, 31, 41, 61, 62, 65, 90, 73, 75]) loop.callLater(t, () => state('at ' + t));
loop.runForever();
Timer.set(() => {
  loop.stop();
  state('end');
  trace(out.join('\\n') + '\\n');
}, 150);
`), 200);
    expect(xs).toEqual(node);
    const printed = node.map((e) => ('print' in e ? e.print : '')).join('\n');
    for (const seen of ['10 at 2', '10 later 1', '20 timeout3 TimeoutError', '7 timeout1 in time', '9 waitFor1 slept 1',
      '25 waitFor5 TimeoutError', '33 waitFor-future set', '31 waitFor-never TimeoutError', '60 sleep 8', '45 sleep cancelled',
      '60 tick 60 missed 0', '30 idle tick ClosedError', '12 burst 30', '12 done callback 20', '13 woken 15',
      '_soon on a closed loop threw', '_at on a closed loop threw', '_expireAt on a closed loop threw', '_soon on a subclass scheduled',
      '_soon on a refusing subclass threw refused', '_expireAt on a refusing subclass threw refused', '150 end: size 0, done 0',
      '74 late sleep c', '81 late sleep e', '100 entry3 cancelled, index -1', 'top, middle and last entries cancelled: size 4', 'two of five late sleeps cancelled: size 7, done 2']) {
      expect(printed).toContain(seen);
    }
    expect(printed.match(/^\d+ entry\d expired$/gm)).toHaveLength(4);
    expect(printed).not.toContain('entry3 expired');
    // The cancelled handles never ran.
    for (const gone of ['early', '4', '8']) expect(printed).not.toMatch(new RegExp(`^\\d+ at ${gone}$`, 'm'));
    // The sweep ran (done back at 0 with live futures left), and the ready ring grew past its 8 entries.
    expect(printed).toMatch(/six more cancelled: size \d+, done 0, .* \| 50\/\d+ /);
    // The two cancelled late sleeps, at the top of their heap, were dropped by the turn at 73 (no sweep: the others stay in order).
    expect(printed).toMatch(/70 two of five late sleeps cancelled: .*\| 72\/\d+x 73\/\d+x 74\/\d+ 80\/\d+ 81\/\d+$/m);
    expect(printed).toMatch(/73 at 73: size 6, done 0, .*\| 74\/\d+ 80\/\d+ 81\/\d+$/m);
    expect(printed).toMatch(/bursts queued: size \d+, done \S+, seq \d+, ready \d+\/(64|128|256)/);
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

describe('DigitalIn\'s interrupt in C (the port\'s onReadable, DigitalIn._onReadable)', () => {
  async function bothOn(file: string, scenario: Scenario) {
    const [node, xs] = await Promise.all([
      runScenario({ app: file, scenario, engine: 'node' }),
      runScenario({ app: file, scenario, engine: 'xs' }),
    ]);
    expect(node.failure).toBeNull();
    expect(xs.failure).toBeNull();
    return { node: node.trace.events.filter(isPrintEvent), xs: xs.trace.events.filter(isPrintEvent) };
  }
  // Pin 0 bounces 3 times per change, pin 4 makes clean changes and a short pulse.
  const scenario: Scenario = {
    end: 400,
    pins: { 0: { initial: 1 }, 4: { initial: 1 }, 5: { initial: 1 } },
    waveforms: [
      { pin: 0, levels: [[50, 0], [51, 1], [53, 0], [56, 1], [58, 0], [200, 1], [202, 0], [203, 1]] },
      { pin: 4, levels: [[60, 0], [120, 1], [121, 0], [122, 1]] },
      { pin: 5, levels: [[70, 0], [71, 1], [72, 0], [300, 1]] },
    ],
  };

  it('debounces, hands the other paths to the TypeScript, and reports a failing timer, as the TypeScript does', async () => {
    const { node, xs } = await bothOn(app(`
import Timer from 'timer';
import Time from 'time';
import Digital from 'embedded:io/digital';
import { createTask } from 'anyloop';
import { DigitalIn, XsLoop } from 'anyloop/xs';

const own = Object.prototype.hasOwnProperty.call(DigitalIn.prototype, '_scriptOnReadable');
trace(\`C \${own}\\n\`);
// In XS, the interrupts the C hands over to the TypeScript, by pin (none in Node, which has no C).
const handed = {};
const script = DigitalIn.prototype._scriptOnReadable;
if (script !== undefined) DigitalIn.prototype._scriptOnReadable = function () { handed[this.pin] = (handed[this.pin] ?? 0) + 1; return script.call(this); };
const loop = new XsLoop({ Timer, Time });
loop.setExceptionHandler((l, ctx) => trace(\`failed: \${ctx.message}: \${ctx.exception.message}\\n\`));
// A loop whose debounce timer cannot be set: the failure goes to its handler.
class NoTimers extends XsLoop {
  _at() { throw new Error('no timer'); }
}
const broken = new NoTimers({ Timer, Time });
broken.setExceptionHandler((l, ctx) => trace(\`broken: \${ctx.message}: \${ctx.exception.message}\\n\`));
const debounced = new DigitalIn({ pin: 0, mode: Digital.InputPullUp, edge: 'both', debounce: 5, io: Digital, loop });
const plain = new DigitalIn({ pin: 4, mode: Digital.InputPullUp, edge: 'both', io: Digital, loop });
const failing = new DigitalIn({ pin: 5, mode: Digital.InputPullUp, edge: 'both', debounce: 5, io: Digital, loop: broken });
for (const [name, d] of [['debounced', debounced], ['plain', plain]]) {
  createTask(function* () {
    for (;;) {
      const e = yield* d.edge();
      trace(\`\${name} \${e.value} at \${e.time}, timer \${d._timer === undefined ? 'none' : d._timer === null ? 'null' : 'set'}, last change \${d._lastChange}\\n\`);
    }
  }, { loop });
}
loop.runForever();
broken.runForever();
Timer.set(() => {
  debounced.close();
  // Closed: an interrupt does nothing.
  debounced._onReadable();
  trace(\`closed, last change \${debounced._lastChange}, overflows \${debounced.overflows}\\n\`);
  trace(\`handed \${JSON.stringify(handed)}\\n\`);
}, 250);
`), scenario);
    expect(xs[0]).toEqual({ t: 0, print: 'C true' });
    expect(node[0]).toEqual({ t: 0, print: 'C false' });
    // Only the input without debounce was handed to the TypeScript, at each of its interrupts.
    const handed = (events: typeof xs) => events.filter((e) => e.print.startsWith('handed '));
    expect(handed(node)).toEqual([{ t: 250, print: 'handed {}' }]);
    expect(handed(xs)).toEqual([{ t: 250, print: 'handed {"4":4}' }]);
    const others = (events: typeof xs) => events.slice(1).filter((e) => !e.print.startsWith('handed '));
    expect(others(xs)).toEqual(others(node));
    const printed = node.map((e) => e.print);
    expect(printed).toContain('debounced 0 at 58, timer null, last change 58');
    expect(printed.filter((p) => p.startsWith('plain'))).toHaveLength(4);
    expect(printed.filter((p) => p.startsWith('broken: Exception in DigitalIn onReadable (pin 5): no timer')).length).toBeGreaterThan(0);
    expect(printed).toContain('closed, last change 203, overflows 0');
  }, SLOW);
});

describe('The waits that make a waiter in C (Event.wait, Queue.get, Interval.tick)', () => {
  it('make the same waiters and take the same paths as the TypeScript: lone and listed waiters, options, debug, storage hooks, late ticks', async () => {
    const { node, xs } = await bothEngines(app(`
import Timer from 'timer';
import Time from 'time';
import { Event, Queue, LifoQueue, createTask, sleep } from 'anyloop';
import { XsLoop, interval, Interval } from 'anyloop/xs';

const say = (s) => trace(s + '\\n');
// In XS, the calls the C hands over to the TypeScript (none in Node, which has no C).
const handed = {};
for (const [C, m] of [[Event, '_scriptWait'], [Queue, '_scriptGet'], [Queue, '_scriptPut'], [Interval, '_scriptTick']]) {
  const f = C?.prototype[m];
  if (f !== undefined) C.prototype[m] = function (...a) { handed[m] = (handed[m] ?? 0) + 1; return f.apply(this, a); };
}
const own = (C, name) => Object.prototype.hasOwnProperty.call(C.prototype, name);
say(\`C \${own(Event, '_scriptWait')} \${own(Queue, '_scriptGet')}\`);
const loop = new XsLoop({ Timer, Time });
loop.setExceptionHandler((l, ctx) => say(\`failed: \${ctx.message}: \${ctx.exception?.message}\`));
// A waiter's fields, in order, and what it is.
const shape = (w) => \`\${Object.keys(w).join(',')} \${Object.getPrototypeOf(w).constructor.name} \${w._owner !== undefined} \${w.done()}\`;
const ev = new Event({ loop });
const q = new Queue(3, { loop });
const lifo = new LifoQueue(0, { loop });
const ticker = interval(10, { loop });
const signal = { aborted: false, addEventListener() {} };
const tasks = [];
const run = (name, body) => tasks.push(createTask(function* () {
  try { say(\`\${name} -> \${JSON.stringify(yield* body())}\`); } catch (e) { say(\`\${name} failed \${e.name}: \${e.message}\`); }
}, { loop, name }));
const wait = (name, make) => run(name, function* () { const w = make(); say(\`\${name}: \${shape(w)}\`); return yield* w; });
wait('event 1', () => ev.wait());
wait('event 2', () => ev.wait());
wait('event signal', () => ev.wait({ signal }));
wait('get 1', () => q.get());
wait('get 2', () => q.get());
wait('lifo', () => lifo.get());
wait('tick 1', () => ticker.tick());
wait('tick 2', () => ticker.tick());
run('ticks', function* () {
  const out = [];
  for (let i = 0; i < 3; i++) { const w = ticker.tick(); out.push(shape(w)); out.push(yield* w); }
  yield* sleep(35, undefined, { loop });
  const late = ticker.tick();
  out.push(shape(late), yield* late);
  return out;
});
run('producer', function* () {
  yield* sleep(5, undefined, { loop });
  ev.set();
  q.putNowait('a'); q.putNowait('b'); q.putNowait('c');
  lifo.putNowait('x');
  yield* sleep(1, undefined, { loop });
  const w = q.get();
  say(\`ready get: \${shape(w)} \${yield* w}\`);
  say(\`set event: \${shape(ev.wait())}\`);
  ev.clear();
  loop.setDebug(true);
  const d = ev.wait();
  say(\`debug: \${shape(d)} \${typeof d._source}\`);
  d.cancel();
  loop.setDebug(false);
  const e = ev.wait({});
  say(\`empty options: \${shape(e)}\`);
  e.cancel();
  q.shutdown();
  const s = q.get();
  say(\`shut down: \${shape(s)}\`);
  yield* sleep(100, undefined, { loop });
  ticker.close();
  const c = ticker.tick();
  say(\`closed: \${shape(c)}\`);
  say(\`handed \${JSON.stringify(handed)}\`);
  return 'done';
});
loop.runForever();
`), 200);
    expect(xs[0]).toEqual({ t: 0, print: 'C true true' });
    expect(node[0]).toEqual({ t: 0, print: 'C false false' });
    // The common waits ran in C: only the paths the C leaves to the TypeScript were handed over.
    const handed = (events: typeof xs) => events.filter((e) => 'print' in e && e.print.startsWith('handed '));
    expect(handed(node)).toEqual([{ t: expect.any(Number), print: 'handed {}' }]);
    expect(handed(xs)).toEqual([{ t: expect.any(Number), print: 'handed {"_scriptWait":4,"_scriptGet":4,"_scriptTick":5}' }]);
    const others = (events: typeof xs) => events.slice(1).filter((e) => !('print' in e && e.print.startsWith('handed ')));
    expect(others(xs)).toEqual(others(node));
    const printed = node.map((e) => ('print' in e ? e.print : ''));
    // The fields of `new EventWaiter(owner, loop)`, in the order of the build (one that defines class fields defines _loop first).
    const fields = (extra = '') => `(_state,_loop|_loop,_state)${extra},_owner`;
    expect(printed).toEqual(expect.arrayContaining([
      expect.stringMatching(new RegExp(`^event 1: ${fields()} EventWaiter true false$`)),
      expect.stringMatching(new RegExp(`^get 2: ${fields()} GetWaiter true false$`)),
      expect.stringMatching(new RegExp(`^tick 1: ${fields()} TickWaiter true false$`)),
      expect.stringMatching(new RegExp(`^debug: ${fields(',_source')} EventWaiter true false string$`)),
    ]));
    // The paths handed to the TypeScript: an item there, an event set, a shut-down queue, a closed interval, a late tick.
    expect(printed).toEqual(expect.arrayContaining([
      expect.stringMatching(/^ready get: .* Future false true c$/),
      expect.stringMatching(/^set event: .* Future false true$/),
      expect.stringMatching(/^shut down: .* Future false true$/),
      expect.stringMatching(/^closed: .* Future false true$/),
      expect.stringMatching(/\{"time":80,"missed":2\}\]$/),
      'lifo -> "x"',
      'producer -> "done"',
    ]));
  }, SLOW);

  it('puts as the TypeScript does (Queue.put): room, a getter to wake, a cancelled one, full, options, debug, other storage', async () => {
    const { node, xs } = await bothEngines(app(`
import Timer from 'timer';
import Time from 'time';
import { Queue, PriorityQueue, createTask, sleep } from 'anyloop';
import { XsLoop, Interval } from 'anyloop/xs';
const Event = undefined;

const say = (s) => trace(s + '\\n');
// In XS, the calls the C hands over to the TypeScript (none in Node, which has no C).
const handed = {};
for (const [C, m] of [[Event, '_scriptWait'], [Queue, '_scriptGet'], [Queue, '_scriptPut'], [Interval, '_scriptTick']]) {
  const f = C?.prototype[m];
  if (f !== undefined) C.prototype[m] = function (...a) { handed[m] = (handed[m] ?? 0) + 1; return f.apply(this, a); };
}
say(\`C \${Object.prototype.hasOwnProperty.call(Queue.prototype, '_scriptPut')}\`);
const loop = new XsLoop({ Timer, Time });
loop.setExceptionHandler((l, ctx) => say(\`failed: \${ctx.message}: \${ctx.exception?.message}\`));
const shape = (f) => \`\${Object.keys(f).sort().join(',')} \${Object.getPrototypeOf(f).constructor.name} \${f.done()}\${f.done() && !f.cancelled() ? ' ' + JSON.stringify(f.exception() === null ? f.result() : String(f.exception())) : ''}\`;
const q = new Queue(2, { loop });
const free = new Queue(0, { loop });
const pq = new PriorityQueue(0, undefined, { loop });
const got = [];
const getter = (name, queue) => createTask(function* () { got.push(\`\${name} \${yield* queue.get()}\`); }, { loop, name });
getter('g1', q);
const cancelled = getter('g2', q);
getter('g3', q);
createTask(function* () {
  yield* sleep(1, undefined, { loop });
  cancelled.cancel();
  yield* sleep(1, undefined, { loop });
  say('wake: ' + shape(q.put('a')));
  say('cancelled skipped: ' + shape(q.put('b')));
  yield* sleep(1, undefined, { loop });
  say('room: ' + shape(q.put('c')) + ' ' + q.qsize() + ' ' + q._unfinishedTasks);
  say('room 2: ' + shape(q.put('d')) + ' ' + q.qsize());
  const full = q.put('e');
  say('full: ' + shape(full));
  say('options: ' + shape(free.put(1, {})));
  for (let i = 2; i < 8; i++) free.put(i);
  say('unbounded: ' + free.qsize() + ' ' + free._ring._items.length);
  say('priority: ' + shape(pq.put(3)) + ' ' + shape(pq.put(1)) + ' ' + pq.getNowait());
  loop.setDebug(true);
  const d = free.put(9);
  say('debug: ' + shape(d) + ' ' + typeof d._source);
  loop.setDebug(false);
  say('got ' + got.join(', ') + '; ' + q.getNowait() + ' ' + q.getNowait());
  yield* sleep(1, undefined, { loop });
  say('putter: ' + shape(full));
  q.shutdown();
  say('shut down: ' + shape(q.put('f')));
  say(\`handed \${JSON.stringify(handed)}\`);
}, { loop });
loop.runForever();
`), 50);
    expect(xs[0]).toEqual({ t: 0, print: 'C true' });
    expect(node[0]).toEqual({ t: 0, print: 'C false' });
    const handed = (events: typeof xs) => events.filter((e) => 'print' in e && e.print.startsWith('handed '));
    expect(handed(node)).toEqual([{ t: expect.any(Number), print: 'handed {}' }]);
    expect(handed(xs)).toEqual([{ t: expect.any(Number), print: 'handed {"_scriptGet":1,"_scriptPut":5}' }]);
    const others = (events: typeof xs) => events.slice(1).filter((e) => !('print' in e && e.print.startsWith('handed ')));
    expect(others(xs)).toEqual(others(node));
    const printed = node.map((e) => ('print' in e ? e.print : ''));
    expect(printed).toEqual(expect.arrayContaining([
      'wake: _loop,_state,_value Future true undefined',
      'cancelled skipped: _loop,_state,_value Future true undefined',
      'room: _loop,_state,_value Future true undefined 1 3',
      'full: _item,_loop,_owner,_state PutWaiter false',
      'unbounded: 7 8',
      'debug: _loop,_source,_state,_value Future true undefined string',
      'got g1 a, g3 b; c d',
      'putter: _item,_loop,_owner,_state,_value PutWaiter true undefined',
      'shut down: _loop,_state,_unretrieved,_value Future true "QueueShutDown"',
    ]));
  }, SLOW);
});

describe('the C installed by anyloop/xs serves tasks and futures on any loop', () => {
  it('steps tasks, completes futures and hands off through a Queue on a VirtualTimeLoop, as the TypeScript does', async () => {
    const { node, xs } = await bothEngines(app(`
import { createTask, Future, Queue, gather, sleep, waitFor } from 'anyloop';
import { VirtualTimeLoop } from 'anyloop/testing';
import 'anyloop/xs';

const out = [];
const loop = new VirtualTimeLoop();
const fut = new Future({ loop });
const t = createTask(function* () { out.push('start'); const v = yield* fut; out.push('got ' + v); return v; }(), { loop });
loop.callSoon(() => fut.setResult(5));
loop.runUntilComplete(t);
out.push('task ' + t.result());
const q = new Queue(1, { loop });
let sum = 0;
const p = createTask(function* () { for (let k = 0; k < 3; k++) { yield* q.put(k); yield* sleep(1); } }(), { loop });
const c = createTask(function* () { for (let k = 0; k < 3; k++) { sum += yield* waitFor(q.get(), 10); out.push('at ' + loop.time() + ' sum ' + sum); } }(), { loop });
loop.runUntilComplete(gather([p, c], { loop }));
trace(out.join(' | ') + '\\n');
`));
    expect(xs).toEqual(node);
    expect(node).toEqual([{ t: 0, print: 'start | got 5 | task 5 | at 0 sum 0 | at 1 sum 1 | at 2 sum 3' }]);
  }, SLOW);
});
