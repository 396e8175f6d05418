import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { Future, Lock, sleep } from '../src/index.js';
import { NodeLoop, type NodeHost } from '../src/node.js';
import type { TimerEntry } from '../src/contract/loop.js';
import { TURNS_PER_MACROTASK } from '../src/loops/node.js';
import { stat } from 'node:fs';

/**
 * A fake Node host: a manual clock, timers and immediates that run only when
 * the test says so. It counts calls and tracks live handles, so the tests can
 * assert how NodeLoop uses the host without any wall-clock wait.
 */
function fakeHost() {
  let nextId = 0;
  const clock = { now: 0 };
  const timers = new Map<number, { cb: () => void; at: number }>();
  const immediates = new Map<number, () => void>();
  const stats = { setTimeout: 0, clearTimeout: 0, setImmediate: 0, maxLiveTimers: 0, maxLiveImmediates: 0 };
  const host: NodeHost = {
    setTimeout(cb, ms) {
      stats.setTimeout++;
      timers.set(++nextId, { cb, at: clock.now + ms });
      stats.maxLiveTimers = Math.max(stats.maxLiveTimers, timers.size);
      return nextId;
    },
    clearTimeout(id) {
      stats.clearTimeout++;
      timers.delete(id as number);
    },
    setImmediate(cb) {
      stats.setImmediate++;
      immediates.set(++nextId, cb);
      stats.maxLiveImmediates = Math.max(stats.maxLiveImmediates, immediates.size);
      return nextId;
    },
    clearImmediate(id) {
      immediates.delete(id as number);
    },
    now: () => clock.now,
  };
  /** Runs the immediates pending now (one host check phase); returns how many ran. */
  function checkPhase(): number {
    const batch = [...immediates.values()];
    immediates.clear();
    for (const cb of batch) cb();
    return batch.length;
  }
  /** Runs immediates until none is pending. */
  function drain(): void {
    while (checkPhase() > 0);
  }
  /** Moves the clock to `t`, firing the host timers due on the way, each followed by the immediates. */
  function advanceTo(t: number): void {
    for (;;) {
      drain();
      const due = [...timers].filter(([, x]) => x.at <= t).sort((a, b) => a[1].at - b[1].at)[0];
      if (due === undefined) break;
      clock.now = Math.max(clock.now, due[1].at);
      timers.delete(due[0]);
      due[1].cb();
    }
    clock.now = t;
    drain();
  }
  /** Live host handles of any kind. */
  function live(): number {
    return timers.size + immediates.size;
  }
  return { clock, stats, timers, immediates, host, checkPhase, drain, advanceTo, live };
}

describe('NodeLoop on a fake host', () => {
  it('shares one host timer among many timers, armed for the earliest deadline', () => {
    const fake = fakeHost();
    const loop = new NodeLoop({ host: fake.host });
    const log: number[] = [];
    for (let i = 1; i <= 100; i++) loop.callLater(i * 10, () => log.push(i));
    expect(fake.stats.setTimeout).toBe(1);
    expect([...fake.timers.values()][0]!.at).toBe(10);
    fake.advanceTo(1000);
    expect(log).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(fake.stats.maxLiveTimers).toBe(1);
    expect(fake.live()).toBe(0);
  });

  it('re-arms the host timer when an earlier deadline arrives, still with one live timer', () => {
    const fake = fakeHost();
    const loop = new NodeLoop({ host: fake.host });
    const log: number[] = [];
    for (let i = 10; i >= 1; i--) loop.callLater(i, () => log.push(i));
    expect(fake.timers.size).toBe(1);
    expect([...fake.timers.values()][0]!.at).toBe(1);
    expect(fake.stats.maxLiveTimers).toBe(1);
    fake.advanceTo(10);
    expect(log).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('keeps at most one setImmediate pending and, on a host without afterJobs, runs one turn per setImmediate', () => {
    const fake = fakeHost();
    const loop = new NodeLoop({ host: fake.host });
    const log: string[] = [];
    for (let i = 0; i < 10; i++) loop.callSoon(() => { log.push(`a${i}`); loop.callSoon(() => log.push(`b${i}`)); });
    expect(fake.immediates.size).toBe(1);
    fake.checkPhase();
    expect(log).toEqual(Array.from({ length: 10 }, (_, i) => `a${i}`));
    expect(fake.immediates.size).toBe(1);
    fake.checkPhase();
    expect(log.slice(10)).toEqual(Array.from({ length: 10 }, (_, i) => `b${i}`));
    const chain = (n: number): void => {
      log.push(`c${n}`);
      if (n < 5) { loop.callSoon(chain, n + 1); loop.callLater(0, () => log.push(`t${n}`)); }
    };
    loop.callSoon(chain, 0);
    fake.drain();
    expect(log.slice(20)).toEqual(['c0', 'c1', 't0', 'c2', 't1', 'c3', 't2', 'c4', 't3', 'c5', 't4']);
    expect(fake.stats.maxLiveImmediates).toBe(1);
    expect(fake.live()).toBe(0);
  });

  it('runs TURNS_PER_MACROTASK turns per host macrotask behind the promise jobs, then waits for a setImmediate', () => {
    const fake = fakeHost();
    const jobs: (() => void)[] = [];
    const loop = new NodeLoop({ host: { ...fake.host, afterJobs: (cb) => { jobs.push(cb); } } });
    let turns = 0;
    const ping = (): void => { turns++; loop.callSoon(ping); };
    loop.callSoon(ping);
    expect(fake.immediates.size).toBe(0);
    expect(jobs.length).toBe(1);
    // The macrotask that scheduled the first turn: its promise jobs, then turns until the bound.
    while (jobs.length > 0) jobs.shift()!();
    expect(turns).toBe(TURNS_PER_MACROTASK);
    expect(fake.immediates.size).toBe(1);
    // Every later host macrotask of the loop runs as many turns.
    fake.checkPhase();
    while (jobs.length > 0) jobs.shift()!();
    expect(turns).toBe(2 * TURNS_PER_MACROTASK);
    expect(fake.immediates.size).toBe(1);
    loop.close();
    expect(fake.live()).toBe(0);
  });

  it('runs callbacks without any run call (host-integrated)', () => {
    const fake = fakeHost();
    const loop = new NodeLoop({ host: fake.host });
    const lock = new Lock({ loop });
    lock.acquire();
    const waiter = lock.acquire();
    loop.callLater(5, () => lock.release());
    fake.advanceTo(5);
    expect(waiter.done()).toBe(true);
    expect(lock.locked()).toBe(true);
    expect(loop.isRunning()).toBe(false);
  });

  it('releases the host timer when its last live timer is cancelled, not before', () => {
    const fake = fakeHost();
    const loop = new NodeLoop({ host: fake.host });
    const a = loop.callLater(10, () => {});
    const b = loop.callLater(20, () => {});
    a.cancel();
    expect(fake.timers.size).toBe(1);
    b.cancel();
    expect(fake.live()).toBe(0);
  });

  it('releases the host timer when its last sleep is cancelled (a sleep is its own timer entry)', () => {
    const fake = fakeHost();
    const loop = new NodeLoop({ host: fake.host });
    const a = sleep(10, undefined, { loop });
    const b = sleep(20, undefined, { loop });
    a.cancel();
    expect(fake.timers.size).toBe(1);
    b.cancel();
    expect(fake.live()).toBe(0);
  });

  it('releases the host timer when its last timer entry goes (a time limit, a timeout scope, an interval: no TimerHandle)', () => {
    const fake = fakeHost();
    const loop = new NodeLoop({ host: fake.host });
    const a: TimerEntry = { _when: 10, _expire: () => {} };
    const b: TimerEntry = { _when: 20, _expire: () => {} };
    loop._expireAt(a);
    loop._expireAt(b);
    loop._expireCancel(a);
    expect(fake.timers.size).toBe(1);
    loop._expireCancel(b);
    expect(fake.live()).toBe(0);
  });

  it('re-arms for the remaining time when the host timer fires early, and runs nothing early', () => {
    const fake = fakeHost();
    const loop = new NodeLoop({ host: fake.host });
    let ranAt = -1;
    loop.callLater(10, () => { ranAt = fake.clock.now; });
    const [id, entry] = [...fake.timers][0]!;
    fake.timers.delete(id);
    fake.clock.now = 9.5;
    entry.cb();
    fake.drain();
    expect(ranAt).toBe(-1);
    expect([...fake.timers.values()].map((t) => t.at)).toEqual([10.5]);
    fake.advanceTo(10.5);
    expect(ranAt).toBe(10.5);
  });

  it('reports a failing callback and goes on', () => {
    const fake = fakeHost();
    const loop = new NodeLoop({ host: fake.host });
    const seen: unknown[] = [];
    loop.setExceptionHandler((_l, ctx) => seen.push(ctx.exception));
    const boom = new Error('boom');
    let after = false;
    loop.callSoon(() => { throw boom; });
    loop.callSoon(() => { after = true; });
    fake.drain();
    expect(seen).toEqual([boom]);
    expect(after).toBe(true);
  });

  it('runForever() holds a keep-alive host timer until stop()', async () => {
    const fake = fakeHost();
    const loop = new NodeLoop({ host: fake.host });
    const forever = loop.runForever();
    expect(loop.isRunning()).toBe(true);
    expect(fake.timers.size).toBe(1);
    await expect(loop.runForever()).rejects.toThrow(/already running forever/);
    loop.callLater(5, () => loop.stop());
    expect(fake.timers.size).toBe(1);
    fake.advanceTo(5);
    await forever;
    expect(loop.isRunning()).toBe(false);
    expect(fake.live()).toBe(0);
  });

  it('close() cancels everything and releases the host; scheduling afterwards throws', async () => {
    const fake = fakeHost();
    const loop = new NodeLoop({ host: fake.host });
    const soon = loop.callSoon(() => {});
    const later = loop.callLater(10, () => {});
    loop.close();
    expect(soon.cancelled()).toBe(true);
    expect(later.cancelled()).toBe(true);
    expect(fake.live()).toBe(0);
    expect(loop.isClosed()).toBe(true);
    expect(() => loop.callSoon(() => {})).toThrow(/NodeLoop is closed/);
    expect(() => loop.callLater(1, () => {})).toThrow(/NodeLoop is closed/);
    expect(() => loop.callAt(1, () => {})).toThrow(/NodeLoop is closed/);
    await expect(loop.runForever()).rejects.toThrow(/NodeLoop is closed/);
    await expect(loop.runUntilComplete(Promise.resolve())).rejects.toThrow(/NodeLoop is closed/);
    loop.close();
  });

  it('close() from a callback cancels the rest of the turn and releases the host', () => {
    const fake = fakeHost();
    const loop = new NodeLoop({ host: fake.host });
    const log: string[] = [];
    loop.callSoon(() => { log.push('a'); loop.close(); });
    loop.callSoon(() => log.push('b'));
    loop.callLater(1, () => log.push('timer'));
    fake.advanceTo(10);
    expect(log).toEqual(['a']);
    expect(fake.live()).toBe(0);
  });

  it('close() while running throws and leaves the loop open', async () => {
    const fake = fakeHost();
    const loop = new NodeLoop({ host: fake.host });
    const forever = loop.runForever();
    expect(() => loop.close()).toThrow(/call stop\(\) first/);
    expect(loop.isClosed()).toBe(false);
    loop.stop();
    await forever;
    loop.close();
    expect(loop.isClosed()).toBe(true);
  });

  it('rejects bad options and a bad host with TypeError', () => {
    expect(() => new NodeLoop(42 as never)).toThrow(TypeError);
    expect(() => new NodeLoop({ host: { now: () => 0 } as never })).toThrow(TypeError);
  });
});

describe('NodeLoop on Node', () => {
  it('runUntilComplete() resolves with the result of a Future or a promise', async () => {
    const loop = new NodeLoop();
    const fut = new Future<string>({ loop });
    loop.callLater(1, () => fut.setResult('done'));
    expect(await loop.runUntilComplete(fut)).toBe('done');
    expect(await loop.runUntilComplete(Promise.resolve(7))).toBe(7);
    expect(loop.isRunning()).toBe(false);
    loop.close();
  });

  it('runUntilComplete() rejects with the exception, and with an Error when stop() comes first', async () => {
    const loop = new NodeLoop();
    const bad = new Future<void>({ loop });
    const boom = new Error('boom');
    loop.callSoon(() => bad.setException(boom));
    await expect(loop.runUntilComplete(bad)).rejects.toBe(boom);
    const never = new Future<void>({ loop });
    const run = loop.runUntilComplete(never);
    expect(loop.isRunning()).toBe(true);
    loop.callSoon(() => loop.stop());
    await expect(run).rejects.toThrow(/stopped before the future completed/);
    await expect(loop.runUntilComplete(42 as never)).rejects.toThrow(TypeError);
    never.cancel();
    loop.close();
  });

  it('time() is the host\'s monotonic clock, performance.now', () => {
    const spy = vi.spyOn(performance, 'now').mockReturnValue(1234.5);
    try {
      expect(new NodeLoop().time()).toBe(1234.5);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('NodeLoop turns on Node', () => {
  it('runs several turns in one host macrotask: a 10-turn ping-pong ends before a setImmediate queued beside it', async () => {
    const loop = new NodeLoop();
    const log: string[] = [];
    const ping = (n: number): void => {
      log.push(`turn ${n}`);
      if (n < 10) loop.callSoon(ping, n + 1);
    };
    const immediate = new Promise<void>((resolve) => setImmediate(() => { log.push('setImmediate'); resolve(); }));
    loop.callSoon(ping, 1);
    await immediate;
    expect(log).toEqual([...Array.from({ length: 10 }, (_, i) => `turn ${i + 1}`), 'setImmediate']);
    loop.close();
  });

  it('runs the promise jobs a turn queued, and the jobs those queue, before the next turn', async () => {
    const loop = new NodeLoop();
    const log: string[] = [];
    const fut = new Future<number>({ loop });
    void (async () => {
      log.push(`awaited ${await fut}`);
      for (let i = 0; i < 20; i++) await Promise.resolve();
      log.push('20 awaits later');
    })();
    const done = new Future<void>({ loop });
    loop.callSoon(() => {
      log.push('turn 1');
      fut.setResult(1);
      void Promise.resolve().then(() => log.push('job')).then(() => log.push('job of the job'));
      loop.callSoon(() => { log.push('turn 2'); done.setResult(); });
    });
    await loop.runUntilComplete(done);
    expect(log[0]).toBe('turn 1');
    expect(new Set(log.slice(1, -1))).toEqual(new Set(['awaited 1', 'job', 'job of the job', '20 awaits later']));
    expect(log.at(-1)).toBe('turn 2');
    loop.close();
  });

  it('lets a timer and an I/O callback in while tasks ping-pong without end', async () => {
    const loop = new NodeLoop();
    const seen = { timer: false, io: false };
    let turns = 0;
    const ping = (): void => {
      turns++;
      if (!seen.timer || !seen.io) loop.callSoon(ping);
    };
    loop.callSoon(ping);
    await new Promise<void>((resolve) => {
      setTimeout(() => { seen.timer = true; if (seen.io) resolve(); }, 1);
      stat(import.meta.dirname, () => { seen.io = true; if (seen.timer) resolve(); });
    });
    expect(seen).toEqual({ timer: true, io: true });
    expect(turns).toBeGreaterThan(0);
    loop.close();
  });
});

describe('a Node process using NodeLoop', () => {
  const dir = mkdtempSync(join(tmpdir(), 'anyloop-node-loop-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('exits by itself once the loop has nothing left, even with a cancelled far timer', async () => {
    transpileSources(join(import.meta.dirname, '../src'), join(dir, 'src'));
    writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
    writeFileSync(join(dir, 'main.js'), `
      import { NodeLoop } from './src/node.js';
      const loop = new NodeLoop();
      loop.callLater(3_600_000, () => console.log('never')).cancel();
      loop.callLater(1, () => console.log('timer'));
      loop.callSoon(() => console.log('soon'));
    `);
    const { stdout } = await promisify(execFile)(process.execPath, ['main.js'], { cwd: dir, timeout: 60_000 });
    expect(stdout).toBe('soon\ntimer\n');
  }, 60_000);
});

/** Transpiles every .ts file under `from` to .js under `to` (imports already say .js). */
function transpileSources(from: string, to: string): void {
  for (const entry of readdirSync(from, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    const file = join(entry.parentPath, entry.name);
    const out = join(to, relative(from, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(out), { recursive: true });
    const js = ts.transpileModule(readFileSync(file, 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    writeFileSync(out, js);
  }
}
