/**
 * The XS side of the XS suite: bundled with anyloop (from dist/) and the
 * peers into one script that defines `globalThis.bench`. The host
 * (lib/xs-suite.ts) calls `bench.run`, `bench.hold` and `bench.drop` in
 * separate evaluations and reads XS's meters around them. The harness
 * exports `bench`; the bundle's entry makes it a global.
 */
import { AsyncManualResetEvent } from '@esfx/async-manualresetevent';
import { AsyncMutex } from '@esfx/async-mutex';
import { AsyncQueue } from '@esfx/async-queue';
import { Mutex } from 'async-mutex';
import { createTask, Event, Future, gather, Lock, Queue, Semaphore, sleep, timeout, TimeoutError, waitFor, type Coroutine } from 'anyloop';
import { VirtualTimeLoop } from 'anyloop/testing';
import { DigitalIn, DigitalOut, openSerial, type ByteStreamClass, type ByteStreamOptions, type DigitalClass, type StreamReader, type StreamWriter } from 'anyloop/xs';
import { simulatedXsLoop } from '../lib/sim-loop.js';

type Work = (n: number) => void | Promise<void>;

/** xsnap's meter: returns the computrons counted so far and restarts the count at `index`. */
declare function resetMeter(limit: number, index: number): number;

/** Creates one pending wait and returns what must be kept for it to stay pending. */
type Pending = () => unknown;

/** Runs generator tasks on `loop` until all are done. */
function runTasks(loop: VirtualTimeLoop, ...bodies: Coroutine<void>[]): void {
  loop.runUntilComplete(gather(bodies.map((b) => createTask(b, { loop })), { loop }));
}

/** A producer and a consumer on one queue, as generator tasks (see bench/v8.ts: the producer yields once per item). */
function handoffTasks(maxsize: number, n: number): void {
  let sum = 0;
  const loop = new VirtualTimeLoop();
  const q = new Queue<number>(maxsize, { loop });
  const producer = function* (): Coroutine<void> {
    for (let k = 0; k < n; k++) {
      yield* q.put(1);
      if (maxsize === 0) yield* sleep(0, undefined, { loop });
    }
  };
  const consumer = function* (): Coroutine<void> {
    for (let k = 0; k < n; k++) sum += yield* q.get();
  };
  runTasks(loop, producer(), consumer());
  check(sum === n, 'every item received');
}

function* waitOn(ev: Event): Coroutine<void> {
  yield* ev.wait();
}

function* waitOnFuture(fut: Future<void>): Coroutine<void> {
  yield* fut;
}

function* waitForFuture(fut: Future<void>): Coroutine<void> {
  yield* waitFor(fut, 1000);
}

/** An ECMA-419 Digital class whose ports hold nothing: what a DigitalIn or DigitalOut itself keeps. */
const StubDigital = class {
  static readonly Input = 0;
  static readonly Output = 1;
  static readonly Rising = 1;
  static readonly Falling = 2;
  read(): number {
    return 1;
  }
  write(): void {}
  close(): void {}
} as unknown as DigitalClass;

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`bench check failed: ${what}`);
}

/** A queue written with native Promises: what a user writes without a library. */
class NativeQueue<T> {
  private readonly _items: T[] = [];
  private readonly _getters: ((v: T) => void)[] = [];
  private readonly _putters: (() => void)[] = [];
  constructor(private readonly _maxsize: number) {}
  put(item: T): Promise<void> {
    if (this._maxsize > 0 && this._items.length >= this._maxsize) {
      return new Promise<void>((resolve) => { this._putters.push(resolve); }).then(() => this.put(item));
    }
    const g = this._getters.shift();
    if (g !== undefined) g(item);
    else this._items.push(item);
    return Promise.resolve();
  }
  get(): Promise<T> {
    if (this._items.length > 0) {
      const item = this._items.shift()!;
      this._putters.shift()?.();
      return Promise.resolve(item);
    }
    return new Promise<T>((resolve) => { this._getters.push(resolve); });
  }
}

interface QueueLike { put(v: number): PromiseLike<void> | void; get(): PromiseLike<number> }

async function handoff(q: QueueLike, n: number): Promise<void> {
  let sum = 0;
  await Promise.all([
    (async () => { for (let i = 0; i < n; i++) await q.put(1); })(),
    (async () => { for (let i = 0; i < n; i++) sum += await q.get(); })(),
  ]);
  check(sum === n, 'every item received');
}

/** Pending waits on `loop`: each returns what a waiting user keeps. */
const pending: Record<string, (loop: VirtualTimeLoop) => Pending> = {
  'native Promise + resolver': () => {
    const resolvers: ((v: unknown) => void)[] = [];
    return () => { new Promise((r) => { resolvers.push(r); }); return resolvers; };
  },
  'Event.wait': (loop) => {
    const ev = new Event({ loop });
    return () => { ev.wait(); return ev; };
  },
  'Queue.get': (loop) => {
    const q = new Queue<number>(0, { loop });
    return () => { q.get(); return q; };
  },
  'Lock.acquire': (loop) => {
    const lock = new Lock({ loop });
    lock.acquire();
    return () => { lock.acquire(); return lock; };
  },
  'Semaphore.acquire': (loop) => {
    const s = new Semaphore(0, { loop });
    return () => { s.acquire(); return s; };
  },
  '@esfx/async-manualresetevent wait': () => {
    const ev = new AsyncManualResetEvent();
    return () => { ev.wait(); return ev; };
  },
  '@esfx/async-queue get': () => {
    const q = new AsyncQueue<number>();
    return () => { q.get(); return q; };
  },
  'async-mutex acquire': () => {
    const m = new Mutex();
    m.acquire();
    return () => { m.acquire(); return m; };
  },
  '@esfx/async-mutex lock': () => {
    const m = new AsyncMutex();
    m.lock();
    return () => { m.lock(); return m; };
  },
  'pending timer (callLater, no arguments)': (loop) => () => {
    loop.callLater(1000, noop);
    return loop;
  },
  // One Event shared by every task: what a waiting task itself costs.
  'generator task waiting on an Event': (loop) => {
    const ev = new Event({ loop });
    return () => { createTask(waitOn(ev), { loop }); return ev; };
  },
  'generator task waiting on its own Event': (loop) => () => {
    const ev = new Event({ loop });
    createTask(waitOn(ev), { loop });
    return ev;
  },
  'async fn waiting on its own Event': (loop) => () => {
    const ev = new Event({ loop });
    (async () => { await ev.wait(); })();
    return ev;
  },
  'Future (pending)': (loop) => () => new Future({ loop }),
  'Event (unset, no waiter)': (loop) => () => new Event({ loop }),
  'Task created, not started (its generator included)': () => {
    // A loop that never runs: the tasks stay created and never step.
    const idle = new VirtualTimeLoop();
    const fut = new Future<void>({ loop: idle });
    return () => createTask(waitOnFuture(fut), { loop: idle });
  },
  'Task waiting on a Future (its generator included; the Future shared)': (loop) => {
    const fut = new Future<void>({ loop });
    return () => createTask(waitOnFuture(fut), { loop });
  },
  'pending timer (sleep)': (loop) => () => sleep(1000, undefined, { loop }),
  'Task waiting in waitFor(a Future, 1000) (its generator included; the Future shared)': (loop) => {
    const fut = new Future<void>({ loop });
    return () => createTask(waitForFuture(fut), { loop });
  },
  // The parts of an async function awaiting a Future (see bench/README.md, issue 12).
  'Future.then(f, r) pending (the Future included)': (loop) => () => {
    const fut = new Future<void>({ loop });
    fut.then(noop, noop);
    return fut;
  },
  'async fn awaiting a pending thenable that keeps both resolving functions (no anyloop)': () => {
    const kept: unknown[] = [];
    const thenable = { then(resolve: (v: unknown) => void, reject: (e: unknown) => void): void { kept.push(resolve, reject); } };
    return () => {
      (async () => { await thenable; })();
      return kept;
    };
  },
  'Event.wait().then(f, r) pending (the Event included)': (loop) => () => {
    const ev = new Event({ loop });
    ev.wait().then(noop, noop);
    return ev;
  },
  'async fn awaiting its own pending Promise subclass + resolver (no anyloop)': () => {
    // What a Future made a Promise subclass would cost an await: XS's await treats it as a thenable, and its then() makes a subclass promise.
    class Sub<T> extends Promise<T> {}
    const resolvers: ((v: unknown) => void)[] = [];
    return () => {
      (async () => { await new Sub((r) => { resolvers.push(r); }); })();
      return resolvers;
    };
  },
  'async fn awaiting a pending native Promise (the Promise kept, no resolver)': () => {
    const p = new Promise<void>(noop);
    return () => {
      (async () => { await p; })();
      return p;
    };
  },
  'Queue (unbounded, nobody waiting)': (loop) => () => new Queue<number>(0, { loop }),
  'DigitalIn (no debounce) and DigitalOut, on ports of a stub Digital class': (loop) => () =>
    [new DigitalIn({ pin: 0, edge: 'falling', io: StubDigital, loop }), new DigitalOut({ pin: 2, io: StubDigital, loop })],
  'async fn waiting on its own native Promise + resolver': () => {
    const resolvers: ((v: unknown) => void)[] = [];
    return () => {
      (async () => { await new Promise((r) => { resolvers.push(r); }); })();
      return resolvers;
    };
  },
};

/** Work measured in computrons: `n` operations each. */
const work: Record<string, Work> = {
  'noop': () => {},
  'Queue hand-off, native Promise pattern (async fn)': (n) => handoff(new NativeQueue<number>(0), n),
  'Queue hand-off, @esfx/async-queue (async fn)': (n) => handoff(new AsyncQueue<number>(), n),
  'Queue hand-off, anyloop Queue (async fn, VirtualTimeLoop)': (n) => {
    const loop = new VirtualTimeLoop();
    return loop.runUntilCompleteAsync(handoff(new Queue<number>(0, { loop }), n));
  },
  'Queue(1) hand-off, native Promise pattern (async fn)': (n) => handoff(new NativeQueue<number>(1), n),
  'Queue(1) hand-off, anyloop Queue (async fn, VirtualTimeLoop)': (n) => {
    const loop = new VirtualTimeLoop();
    return loop.runUntilCompleteAsync(handoff(new Queue<number>(1, { loop }), n));
  },
  'Queue hand-off, anyloop Queue (generator tasks + sleep(0), VirtualTimeLoop)': (n) => handoffTasks(0, n),
  'Queue(1) hand-off, anyloop Queue (generator tasks, VirtualTimeLoop)': (n) => handoffTasks(1, n),
  'task step: yield* sleep(0) in a generator task (VirtualTimeLoop)': (n) => {
    let steps = 0;
    runTasks(new VirtualTimeLoop(), (function* () {
      for (let k = 0; k < n; k++) {
        yield* sleep(0);
        steps++;
      }
    })());
    check(steps === n, 'every step ran');
  },
  'sleep: yield* sleep(1) in a generator task (VirtualTimeLoop)': (n) => {
    let steps = 0;
    runTasks(new VirtualTimeLoop(), (function* () {
      for (let k = 0; k < n; k++) {
        yield* sleep(1);
        steps++;
      }
    })());
    check(steps === n, 'every sleep ended');
  },
  'native sleep: await a Promise a host timer resolves (async fn)': async (n) => {
    const host = new HostTimers();
    let steps = 0;
    const body = (async () => {
      for (let k = 0; k < n; k++) {
        await new Promise<void>((resolve) => { host.set(resolve, 1); });
        steps++;
      }
    })();
    await host.drive(body);
    check(steps === n, 'every sleep ended');
  },
  'waitFor: yield* waitFor(future, 1000) in a generator task, another callback completes the future (VirtualTimeLoop)': (n) => {
    let sum = 0;
    const loop = new VirtualTimeLoop();
    runTasks(loop, (function* () {
      for (let k = 0; k < n; k++) {
        const fut = new Future<number>({ loop });
        loop.callSoon(setOne, fut);
        sum += yield* waitFor(fut, 1000);
      }
    })());
    check(sum === n, 'every wait got its value');
  },
  'native waitFor: await a Promise raced with a host timer, the timer cleared (async fn)': async (n) => {
    const host = new HostTimers();
    let sum = 0;
    const body = (async () => {
      for (let k = 0; k < n; k++) {
        const p = new Promise<number>((resolve) => { host.set(() => resolve(1), 0); });
        sum += await withTimeout(host, p);
      }
    })();
    await host.drive(body);
    check(sum === n, 'every wait got its value');
  },
  'native step: await undefined in an async fn': async (n) => {
    let steps = 0;
    for (let k = 0; k < n; k++) {
      await undefined;
      steps++;
    }
    check(steps === n, 'every step ran');
  },
  'put/get/cancel cycles': (n) => {
    const loop = cyclesState.loop;
    const q = cyclesState.queue;
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const cancelled = q.get();
      cancelled.cancel();
      loop.runUntilIdle();
      const woken = q.get();
      q.putNowait(1);
      loop.runUntilIdle();
      sum += woken.result();
      q.put(2);
      sum += q.get().result();
    }
    check(sum === 3 * n && q.qsize() === 0, 'cycles left the queue empty');
  },
  'timer schedule/cancel cycles': (n) => {
    const loop = cyclesState.loop;
    let cancelled = 0;
    for (let i = 0; i < n; i++) {
      const h = loop.callLater(100 + (i % 97), noop);
      h.cancel();
      if (h.cancelled()) cancelled++;
    }
    check(cancelled === n, 'every timer cancelled');
    // Past every deadline, the pending timers have run and every cancelled
    // handle has left the heap: each run ends in the same state.
    loop.advance(1000);
    armTimers(loop);
  },
  'stream lines: a line read in two chunks with readline() and written back': (n) => {
    const { loop, port, reader, writer } = streamState;
    const sent = port.sent;
    let lines = 0;
    const task = createTask(function* () {
      for (let i = 0; i < n; i++) {
        port.feed(LINE.subarray(0, 9));
        port.feed(LINE.subarray(9));
        const line = yield* reader.readline();
        if (line.length === LINE.length && line[line.length - 1] === 10) lines++;
        writer.write(line);
        port.transmit();
        yield* writer.drain();
      }
    }, { loop });
    loop.runUntilComplete(task);
    check(lines === n && port.sent - sent === n * LINE.length, 'every line read and written');
  },
  'timeout waits on a promise that stays pending': (n) => {
    const { waitLoop: loop, never } = cyclesState;
    let expired = 0;
    const task = createTask(function* () {
      for (let i = 0; i < n; i++) {
        try {
          yield* timeout(1, function* () { yield never; }, { loop });
        } catch (e) {
          if (!(e instanceof TimeoutError)) throw e;
          expired++;
        }
      }
    }, { loop });
    loop.runUntilComplete(task);
    check(expired === n, 'every wait timed out');
  },
};

function noop(): void {}

function setOne(fut: Future<number>): void {
  fut.setResult(1);
}

/**
 * The device's host timers for the native rows: on a device they are C,
 * so here they are the least JavaScript that calls the earliest callback,
 * one host callback at a time, promise jobs between them.
 */
class HostTimers {
  private _now = 0;
  private readonly _due = new Map<() => void, number>();
  set(cb: () => void, ms: number): () => void {
    this._due.set(cb, this._now + ms);
    return cb;
  }
  clear(t: () => void): void {
    this._due.delete(t);
  }
  async drive(body: Promise<void>): Promise<void> {
    let done = false;
    const end = (): void => { done = true; };
    body.then(end, end);
    while (!done) {
      let first: (() => void) | null = null;
      for (const [cb, when] of this._due) if (first === null || when < this._due.get(first)!) first = cb;
      if (first !== null) {
        this._now = this._due.get(first)!;
        this._due.delete(first);
        first();
      }
      await undefined;
    }
    await body;
  }
}

/** What a Moddable developer writes for a wait with a time limit: a race with a timer, cleared after. */
function withTimeout<T>(host: HostTimers, p: Promise<T>): Promise<T> {
  let timer: (() => void) | undefined;
  const expired = new Promise<never>((_, reject) => { timer = host.set(() => reject(new Error('timed out')), 1000); });
  return Promise.race([p, expired]).finally(() => host.clear(timer!));
}

/** `$GPGLL,4916.45,N*31\r\n`, an NMEA sentence. */
const LINE = new Uint8Array([36, 71, 80, 71, 76, 76, 44, 52, 57, 49, 54, 46, 52, 53, 44, 78, 42, 51, 49, 13, 10]);

/** An ECMA-419 serial port whose bytes the harness feeds, with a 32-byte output buffer the wire empties at once. */
class StubSerial {
  /** Bytes written that went out. */
  sent = 0;
  private _input: Uint8Array = new Uint8Array(0);

  constructor(private readonly _options: ByteStreamOptions) {}

  feed(bytes: Uint8Array): void {
    this._input = bytes;
    this._options.onReadable(bytes.length);
  }

  read(count: number): ArrayBuffer {
    const bytes = this._input.slice(0, count);
    this._input = this._input.subarray(count);
    return bytes.buffer as ArrayBuffer;
  }

  write(bytes: Uint8Array): void {
    this.sent += bytes.length;
  }

  transmit(): void {
    this._options.onWritable(32);
  }

  close(): void {}
}

const streamState = (() => {
  const loop = new VirtualTimeLoop();
  let port: StubSerial | null = null;
  const io = class {
    constructor(options: ByteStreamOptions) {
      port = new StubSerial(options);
      return port;
    }
  } as unknown as ByteStreamClass;
  const [reader, writer]: [StreamReader, StreamWriter] = loop.runUntilComplete(openSerial({ io, loop, limit: 32 }));
  port!.transmit();
  return { loop, port: port! as StubSerial, reader, writer };
})();


/** Timers that stay pending during the cycles, earlier than the cycled ones, so that those sit below the top of the heap. */
function armTimers(loop: VirtualTimeLoop): void {
  for (let i = 0; i < 8; i++) loop.callLater(10 + i, noop);
}

const cyclesState = (() => {
  const loop = new VirtualTimeLoop();
  armTimers(loop);
  return { loop, queue: new Queue<number>(0, { loop }), waitLoop: new VirtualTimeLoop(), never: new Promise<never>(() => {}) };
})();

const state: { held: unknown[]; error: string | null } = { held: [], error: null };

/** What the host calls, as `bench` in the XS global scope. */
export const bench = {
  /** Names of the pending-wait kinds and of the work items. */
  names: () => ({ pending: Object.keys(pending), work: Object.keys(work) }),
  /** Creates `n` pending waits of `kind` and keeps them. */
  hold(kind: string, n: number): void {
    const make = pending[kind];
    if (make === undefined) throw new Error(`no pending kind ${kind}`);
    const loop = new VirtualTimeLoop();
    const one = make(loop);
    const kept = new Set<unknown>([loop]);
    for (let i = 0; i < n; i++) kept.add(one());
    // Tasks take their first step, and wait.
    loop.runUntilIdle();
    state.held = [...kept];
  },
  /** Drops what `hold` kept. */
  drop(): void {
    state.held = [];
  },
  /** Runs `n` operations of a work item; a failure is kept for `error()`. */
  run(name: string, n: number): void {
    const w = work[name];
    if (w === undefined) throw new Error(`no work ${name}`);
    state.error = null;
    const fail = (e: unknown): void => { state.error = String(e instanceof Error ? `${e.name}: ${e.message}` : e); };
    try {
      const r = w(n);
      if (r !== undefined) r.then(undefined, fail);
    } catch (e) {
      fail(e);
    }
  },
  /**
   * Computrons per schedule+cancel on a fresh loop holding `pending` timers
   * (the same pattern as scale.ts in V8, in one pass: computrons count no
   * collection), measured with XS's meter around the operations only.
   */
  timerScale(loopKind: 'VirtualTimeLoop' | 'XsLoop', pending: number, ops: number): number {
    const loop = loopKind === 'XsLoop' ? simulatedXsLoop().loop : new VirtualTimeLoop();
    let seed = 12345;
    const next = (): number => { seed = (seed * 1103515245 + 12345) >>> 0; return seed % pending; };
    for (let i = 0; i < pending; i++) loop.callLater(1000 + next(), noop);
    resetMeter(0, 0);
    for (let i = 0; i < ops; i++) loop.callLater(1000 + next(), noop).cancel();
    return resetMeter(0, 0) / ops;
  },
  /** The failure of the last run, or null. */
  error: (): string | null => state.error,
};
