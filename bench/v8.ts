/**
 * The V8 suite: anyloop next to native Promise and the JavaScript peers, each
 * pattern written the way a user of that library would write it, timed side
 * by side (see lib/compare.ts). Every contender name says how it is driven:
 * async functions, or generator tasks, and on which loop.
 */
import { AsyncManualResetEvent } from '@esfx/async-manualresetevent';
import { AsyncMutex } from '@esfx/async-mutex';
import { AsyncQueue } from '@esfx/async-queue';
import { Mutex } from 'async-mutex';
import { Sema } from 'async-sema';
import { createTask, Event, Future, gather, Lock, Queue, Semaphore, sleep, type Coroutine, type Loop } from 'anyloop';
import { NodeLoop } from 'anyloop/node';
import { VirtualTimeLoop } from 'anyloop/testing';
import { expectEqual, type Comparison, type Contender } from './lib/compare.js';
import { simulatedXsLoop } from './lib/sim-loop.js';

const WORKERS = 100;
const FAN_OUT = 1000;

const nodeLoop = new NodeLoop();

function anyloop(name: string, run: Contender['run']): Contender {
  return { name, side: 'anyloop', run };
}
function peer(name: string, run: Contender['run']): Contender {
  return { name, side: 'peer', run };
}

/** Where generator tasks run: the shared NodeLoop, or a fresh VirtualTimeLoop (no host scheduling at all). */
type LoopKind = 'NodeLoop' | 'VirtualTimeLoop';
const LOOP_KINDS: readonly LoopKind[] = ['NodeLoop', 'VirtualTimeLoop'];

function loopFor(kind: LoopKind): Loop {
  return kind === 'NodeLoop' ? nodeLoop : new VirtualTimeLoop();
}

/**
 * Runs `count` generator tasks on `loop` and settles when all are done (or
 * one fails): synchronously on a VirtualTimeLoop, through Node's scheduling
 * on NodeLoop. `started` runs once every task has taken its first step.
 */
function tasks(loop: Loop, count: number, body: (i: number) => Coroutine<void>, started?: () => void): Promise<void> | void {
  const done = gather(Array.from({ length: count }, (_, i) => createTask(body(i), { loop })), { loop });
  // Scheduled after the tasks' first steps, so it runs in the same turn, after them.
  if (started !== undefined) loop.callSoon(started);
  if (loop instanceof VirtualTimeLoop) {
    loop.runUntilComplete(done);
    return;
  }
  return done.then(() => undefined);
}

/** Runs `check` once `done` (a promise, or nothing when the work was synchronous) has settled. */
function after(done: Promise<void> | void, check: () => void): Promise<void> | void {
  if (done === undefined) {
    check();
    return;
  }
  return done.then(check);
}

/** Runs `count` copies of an async worker at once and waits for all. */
function all(count: number, worker: (i: number) => Promise<void>): Promise<void> {
  const ps: Promise<void>[] = [];
  for (let i = 0; i < count; i++) ps.push(worker(i));
  return Promise.all(ps).then(() => undefined);
}

function futureAwait(): Comparison {
  return {
    id: 'future-await',
    title: 'Future resolve+await',
    unit: 'awaits',
    n: 20_000,
    contenders: [
      peer('native Promise (async fn)', async (n) => {
        let sum = 0;
        for (let i = 0; i < n; i++) {
          let resolve!: (v: number) => void;
          const p = new Promise<number>((r) => { resolve = r; });
          resolve(1);
          sum += await p;
        }
        expectEqual(sum, n, 'native awaits');
      }),
      anyloop('Future (async fn, NodeLoop)', async (n) => {
        let sum = 0;
        for (let i = 0; i < n; i++) {
          const f = new Future<number>({ loop: nodeLoop });
          f.setResult(1);
          sum += await f;
        }
        expectEqual(sum, n, 'Future awaits');
      }),
      anyloop('Future (generator task, NodeLoop; a done future does not suspend, as in asyncio)', (n) => {
        let sum = 0;
        return tasks(nodeLoop, 1, function* () {
          for (let i = 0; i < n; i++) {
            const f = new Future<number>({ loop: nodeLoop });
            f.setResult(1);
            sum += yield* f;
          }
          expectEqual(sum, n, 'Future awaits');
        });
      }),
    ],
  };
}

interface QueueLike {
  put(item: number): PromiseLike<void> | void;
  get(): PromiseLike<number>;
}

/** A producer and a consumer on one queue, as async functions: each `await` yields once per item. */
async function handoffAsync(q: QueueLike, n: number): Promise<void> {
  let sum = 0;
  await Promise.all([
    (async () => { for (let i = 0; i < n; i++) await q.put(1); })(),
    (async () => { for (let i = 0; i < n; i++) sum += await q.get(); })(),
  ]);
  expectEqual(sum, n, 'items received');
}

/**
 * A producer and a consumer on one queue, as generator tasks. On an
 * unbounded queue put() never waits, so the producer yields once per item
 * with sleep(0), asyncio's way, as the async functions yield at each `await`.
 */
function handoffTasks(kind: LoopKind, maxsize: number, n: number): Promise<void> | void {
  const loop = loopFor(kind);
  const q = new Queue<number>(maxsize, { loop });
  let sum = 0;
  const done = tasks(loop, 2, function* (i) {
    if (i === 0) {
      for (let k = 0; k < n; k++) {
        yield* q.put(1);
        if (maxsize === 0) yield* sleep(0, undefined, { loop });
      }
    } else {
      for (let k = 0; k < n; k++) sum += yield* q.get();
    }
  });
  return after(done, () => expectEqual(sum, n, 'items received'));
}

function queueHandoff(maxsize: number): Comparison {
  const yields = maxsize === 0 ? ' + sleep(0)' : '';
  return {
    id: `queue-${maxsize === 0 ? 'unbounded' : `maxsize-${maxsize}`}`,
    title: `Queue put/get hand-off, ${maxsize === 0 ? 'unbounded' : `maxsize ${maxsize}`}`,
    unit: 'items',
    n: 20_000,
    contenders: [
      peer(`@esfx/async-queue (async fn${maxsize === 0 ? '' : '; it has no maxsize: unbounded'})`,
        (n) => handoffAsync(new AsyncQueue<number>(), n)),
      anyloop('Queue (async fn, NodeLoop)', (n) => handoffAsync(new Queue<number>(maxsize, { loop: nodeLoop }), n)),
      ...LOOP_KINDS.map((kind) => anyloop(`Queue (generator tasks${yields}, ${kind})`, (n) => handoffTasks(kind, maxsize, n))),
    ],
  };
}

/** The items a backlog comparison keeps waiting in its queue: both ends of the issue's 1k to 100k range. */
export const BACKLOGS = [1_000, 100_000] as const;

/**
 * A producer and a consumer hand items off through a queue that holds
 * `backlog` items throughout: the queue is made and filled on the first
 * run (a warm-up round) and kept, and each run puts and gets `n` items.
 */
function queueBacklog(backlog: number): Comparison {
  const kept = <Q>(make: () => Q, fill: (q: Q) => void): (() => Q) => {
    let q: Q | undefined;
    return () => {
      if (q === undefined) {
        q = make();
        for (let i = 0; i < backlog; i++) fill(q);
      }
      return q;
    };
  };
  // Every item is a 1, so the consumer's sum counts the items it got.
  const esfx = kept(() => new AsyncQueue<number>(), (q) => q.put(1));
  const asyncFn = kept(() => new Queue<number>(0, { loop: nodeLoop }), (q) => q.putNowait(1));
  const tasksQueue = kept(() => new Queue<number>(0, { loop: nodeLoop }), (q) => q.putNowait(1));
  return {
    id: `queue-backlog-${backlog}`,
    title: `Queue put/get hand-off, ${backlog.toLocaleString('en-US')} items waiting`,
    unit: 'items',
    // Fewer at 100k: @esfx/async-queue's get shifts an array, whose cost grows with the backlog.
    n: backlog >= 100_000 ? 1_000 : 5_000,
    contenders: [
      peer('@esfx/async-queue (async fn)', (n) => handoffAsync(esfx(), n)),
      anyloop('Queue (async fn, NodeLoop)', (n) => handoffAsync(asyncFn(), n)),
      anyloop('Queue (generator tasks + sleep(0), NodeLoop)', (n) => {
        const q = tasksQueue();
        let sum = 0;
        const done = tasks(nodeLoop, 2, function* (i) {
          for (let k = 0; k < n; k++) {
            if (i === 0) {
              yield* q.put(1);
              yield* sleep(0, undefined, { loop: nodeLoop });
            } else {
              sum += yield* q.get();
            }
          }
        });
        return after(done, () => expectEqual(sum, n, 'items received'));
      }),
    ],
  };
}

/** A lock or semaphore as its library spells it. */
interface Units {
  acquire(): PromiseLike<unknown>;
  release(): void;
}

/**
 * Contention, set up alike for everyone: the driver holds all `units` while
 * the WORKERS line up, then gives them back; from then on a worker that
 * releases queues again behind the others (no newcomer jumps ahead), so about
 * WORKERS waiters wait at every hand-off.
 */
async function contendAsync(u: Units, units: number, n: number): Promise<void> {
  const rounds = Math.ceil(n / WORKERS);
  for (let i = 0; i < units; i++) await u.acquire();
  let held = 0;
  const done = all(WORKERS, async () => {
    for (let k = rounds; k > 0; k--) {
      await u.acquire();
      held++;
      u.release();
    }
  });
  for (let i = 0; i < units; i++) u.release();
  await done;
  expectEqual(held, rounds * WORKERS, 'acquisitions');
}

/** The same contention with generator tasks. */
function contendTasks(kind: LoopKind, make: (loop: Loop) => Lock | Semaphore, units: number, n: number): Promise<void> | void {
  const rounds = Math.ceil(n / WORKERS);
  const loop = loopFor(kind);
  const u = make(loop);
  for (let i = 0; i < units; i++) expectEqual(u.acquire().done(), true, 'a free unit is taken at once');
  let held = 0;
  const done = tasks(loop, WORKERS, function* () {
    for (let k = rounds; k > 0; k--) {
      yield* u.acquire();
      held++;
      u.release();
    }
  }, () => { for (let i = 0; i < units; i++) u.release(); });
  return after(done, () => expectEqual(held, rounds * WORKERS, 'acquisitions'));
}

function lockContention(): Comparison {
  return {
    id: 'lock-contention',
    title: `Lock acquire/release, ${WORKERS} contending workers`,
    unit: 'acquisitions',
    n: 20_000,
    contenders: [
      peer('async-mutex (async fn)', (n) => {
        const m = new Mutex();
        return contendAsync({ acquire: () => m.acquire(), release: () => m.release() }, 1, n);
      }),
      peer('@esfx/async-mutex (async fn)', (n) => {
        const m = new AsyncMutex();
        return contendAsync({ acquire: () => m.lock(), release: () => { m.unlock(); } }, 1, n);
      }),
      anyloop('Lock (async fn, NodeLoop)', (n) => contendAsync(new Lock({ loop: nodeLoop }), 1, n)),
      ...LOOP_KINDS.map((kind) => anyloop(`Lock (generator tasks, ${kind})`,
        (n) => contendTasks(kind, (loop) => new Lock({ loop }), 1, n))),
    ],
  };
}

function semaphore(): Comparison {
  const units = 10;
  return {
    id: 'semaphore-10',
    title: `Semaphore(${units}) acquire/release, ${WORKERS} contending workers`,
    unit: 'acquisitions',
    n: 20_000,
    contenders: [
      peer('async-sema (async fn)', (n) => contendAsync(new Sema(units), units, n)),
      anyloop('Semaphore (async fn, NodeLoop)', (n) => contendAsync(new Semaphore(units, { loop: nodeLoop }), units, n)),
      ...LOOP_KINDS.map((kind) => anyloop(`Semaphore (generator tasks, ${kind})`,
        (n) => contendTasks(kind, (loop) => new Semaphore(units, { loop }), units, n))),
    ],
  };
}

const sets = (n: number): number => Math.ceil(n / FAN_OUT);

/** FAN_OUT async functions wait on a fresh event, which is then set; `n` wake-ups in all. */
async function fanOutAsync(make: () => { wait(): PromiseLike<unknown>; set(): void }, n: number): Promise<void> {
  let woken = 0;
  for (let k = sets(n); k > 0; k--) {
    const ev = make();
    const waiting = all(FAN_OUT, async () => { await ev.wait(); woken++; });
    ev.set();
    await waiting;
  }
  expectEqual(woken, sets(n) * FAN_OUT, 'wake-ups');
}

function eventFanOut(): Comparison {
  return {
    id: 'event-fan-out',
    title: `Event wait/set, fan-out to ${FAN_OUT.toLocaleString('en-US')} waiters`,
    unit: 'wake-ups',
    n: 20_000,
    contenders: [
      peer('@esfx/async-manualresetevent (async fn)', (n) => fanOutAsync(() => new AsyncManualResetEvent(), n)),
      anyloop('Event (async fn, NodeLoop)', (n) => fanOutAsync(() => new Event({ loop: nodeLoop }), n)),
      ...LOOP_KINDS.map((kind) => anyloop(`Event (generator tasks, ${kind})`, async (n) => {
        let woken = 0;
        for (let k = sets(n); k > 0; k--) {
          const loop = loopFor(kind);
          const ev = new Event({ loop });
          await tasks(loop, FAN_OUT, function* () {
            yield* ev.wait();
            woken++;
          }, () => ev.set());
        }
        expectEqual(woken, sets(n) * FAN_OUT, 'wake-ups');
      })),
    ],
  };
}

const BATCH = 1000;
const batches = (n: number): number => Math.ceil(n / BATCH);

/** Schedules callbacks BATCH at a time with `schedule`, waiting for each batch to run; `n` callbacks in all. */
async function dispatchOnHost(schedule: (tick: () => void) => void, n: number): Promise<void> {
  let ran = 0;
  for (let b = batches(n); b > 0; b--) {
    await new Promise<void>((resolve) => {
      const tick = (): void => { if (++ran % BATCH === 0) resolve(); };
      for (let i = 0; i < BATCH; i++) schedule(tick);
    });
  }
  expectEqual(ran, batches(n) * BATCH, 'callbacks');
}

function callSoonDispatch(): Comparison {
  return {
    id: 'call-soon',
    title: `callSoon dispatch, batches of ${BATCH.toLocaleString('en-US')} callbacks`,
    unit: 'callbacks',
    n: 100_000,
    contenders: [
      peer('setImmediate', (n) => dispatchOnHost((tick) => setImmediate(tick), n)),
      anyloop('NodeLoop.callSoon', (n) => dispatchOnHost((tick) => nodeLoop.callSoon(tick), n)),
      anyloop('XsLoop.callSoon on the simulated board (64 callbacks per turn, up to 8 turns per host pass)', (n) => {
        const { board, loop } = simulatedXsLoop();
        let ran = 0;
        const tick = (): void => { ran++; };
        for (let b = batches(n); b > 0; b--) {
          for (let i = 0; i < BATCH; i++) loop.callSoon(tick);
          board.runUntil(board.now);
        }
        loop.stop();
        loop.close();
        expectEqual(ran, batches(n) * BATCH, 'callbacks');
      }),
      anyloop('VirtualTimeLoop.callSoon (runUntilIdle)', (n) => {
        const loop = new VirtualTimeLoop();
        let ran = 0;
        const tick = (): void => { ran++; };
        for (let b = batches(n); b > 0; b--) {
          for (let i = 0; i < BATCH; i++) loop.callSoon(tick);
          loop.runUntilIdle();
        }
        expectEqual(ran, batches(n) * BATCH, 'callbacks');
      }),
    ],
  };
}

/** Every V8 comparison, in report order. */
export function v8Comparisons(): Comparison[] {
  return [
    futureAwait(),
    queueHandoff(0),
    queueHandoff(1),
    ...BACKLOGS.map(queueBacklog),
    lockContention(),
    semaphore(),
    eventFanOut(),
    callSoonDispatch(),
  ];
}
