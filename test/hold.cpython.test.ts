import { describe, expect, it } from 'vitest';
import {
  Barrier, BoundedSemaphore, CancelledError, Condition, Event, LifoQueue, Lock, PriorityQueue, Queue, Semaphore,
  createTask, gather, sleep, type Coroutine, type Task,
} from '../src/index.js';
import { cpythonTraces, traceOf, type Case, type Log } from './support/cpython.js';

// `async with` on Lock, Semaphore, BoundedSemaphore and Condition, and the
// primitives' reprs, as cpython/locks.py runs them on CPython 3.13: each case
// here is that program and must give the same trace, turn by turn. The
// `async with` blocks run twice: as `holding(body)` and as `using _ = yield* hold()`.
const expected = cpythonTraces('locks.py');
const onCI = process.env.CI === 'true';

type Style = 'holding' | 'using';
type Holdable = Lock | Semaphore | Condition;

function* block<R>(style: Style, prim: Holdable, body: () => Coroutine<R>): Coroutine<R> {
  if (style === 'holding') return yield* prim.holding(body);
  using _held = yield* prim.hold();
  return yield* body();
}

function* worker(style: Style, log: Log, prim: Holdable, name: string, ms: number, fail = false): Coroutine<void> {
  log(`${name} wants ${prim}`);
  yield* block(style, prim, function* () {
    log(`${name} holds ${prim}`);
    yield* sleep(ms);
    if (fail) throw new RangeError(name);
  });
  log(`${name} left`);
}

function* outcome(log: Log, t: Task<unknown>): Coroutine<void> {
  try {
    yield* t;
  } catch (e) {
    if (e instanceof CancelledError) log(`${t.getName()} cancelled`);
    else if (e instanceof RangeError) log(`${t.getName()} raised ${e.message}`);
    else throw e;
  }
}

function cases(style: Style): Record<string, Case> {
  return {
    *lock_held_blocks(log) {
      const lock = new Lock();
      const ts = [...'abcd'].map((n) => createTask(worker(style, log, lock, n, 10, n === 'b'), { name: n }));
      yield* sleep(5);
      log(`${lock}`);
      ts[2]!.cancel();
      yield* sleep(7);
      ts[3]!.cancel();
      yield* sleep(0);
      log(`${lock}`);
      for (const t of ts) yield* outcome(log, t);
      return `${lock}`;
    },
    *lock_cancel_holder(log) {
      const lock = new Lock();
      const a = createTask(worker(style, log, lock, 'a', 100), { name: 'a' });
      const b = createTask(worker(style, log, lock, 'b', 10), { name: 'b' });
      yield* sleep(1);
      a.cancel();
      yield* outcome(log, a);
      log(`${lock}`);
      yield* outcome(log, b);
      return `${lock}`;
    },
    *semaphore_blocks(log) {
      const sem = new Semaphore(2);
      const ts = [...'abc'].map((n, i) => createTask(worker(style, log, sem, n, 10 * (i + 1)), { name: n }));
      yield* sleep(1);
      log(`${sem}`);
      ts[0]!.cancel();
      for (const t of ts) yield* outcome(log, t);
      const bsem = new BoundedSemaphore(1);
      log(`${bsem}`);
      yield* worker(style, log, bsem, 'd', 1);
      return `${bsem}`;
    },
    *condition_blocks(log) {
      const cond = new Condition();
      const waiter = (name: string): Coroutine<void> => block(style, cond, function* () {
        log(`${name} waits ${cond}`);
        yield* cond.wait();
        log(`${name} notified ${cond}`);
      });
      const ts = [...'ab'].map((n) => createTask(waiter(n), { name: n }));
      yield* sleep(1);
      log(`${cond}`);
      yield* block(style, cond, function* () {
        log(`main holds ${cond}`);
        cond.notifyAll();
      });
      ts[1]!.cancel();
      for (const t of ts) yield* outcome(log, t);
      return `${cond}`;
    },
  };
}

const reprCases: Record<string, Case> = {
  *event_and_barrier(log) {
    const ev = new Event();
    const b = new Barrier(3);
    log(`${ev}`);
    log(`${b}`);
    const w = createTask(function* () { return yield* ev.wait(); }());
    let bw = [0, 1].map(() => createTask(function* () { return yield* b.wait(); }()));
    yield* sleep(0);
    log(`${ev}`);
    log(`${b}`);
    ev.set();
    yield* w;
    log(`${ev}`);
    yield* b.wait();
    log(`${b}`);
    yield* sleep(0);
    log(`${b}`);
    yield* gather(bw);
    bw = [createTask(function* () { return yield* b.wait(); }())];
    yield* sleep(0);
    yield* b.abort();
    log(`${b}`);
    yield* gather(bw, { returnExceptions: true });
    yield* b.reset();
    return `${b}`;
  },
  *queues(log) {
    const q = new Queue<unknown>(2);
    log(`${q}`);
    const getter = createTask(function* () { return yield* q.get(); }());
    yield* sleep(0);
    log(`${q}`);
    yield* q.put(1);
    log(`${q}`);
    yield* getter;
    yield* q.put('a');
    yield* q.put([1, 'b']);
    const putter = createTask(function* () { return yield* q.put(3); }());
    yield* sleep(0);
    log(`${q}`);
    q.getNowait();
    q.taskDone();
    yield* sleep(0);
    yield* sleep(0);
    log(`${q}`);
    q.shutdown();
    log(`${q}`);
    const lq = new LifoQueue<number>();
    const pq = new PriorityQueue<number>();
    for (const v of [5, 3, 8, 1, 9, 2, 7]) {
      lq.putNowait(v);
      pq.putNowait(v);
    }
    log(`${lq}`);
    log(`${pq}`);
    pq.getNowait();
    pq.getNowait();
    log(`${pq}`);
    yield* putter;
    return 'end';
  },
};

describe('holding a primitive for a block, and reprs, trace as on CPython 3.13', () => {
  it.runIf(expected === null && onCI)('needs CPython 3.13 under CI', () => {
    expect.fail('CPython 3.13 is required under CI=true (set DIFF_PYTHON to its path)');
  });

  for (const style of ['holding', 'using'] as const) {
    for (const [name, body] of Object.entries(cases(style))) {
      it.skipIf(expected === null)(`${name} (${style === 'holding' ? 'yield* prim.holding(body)' : 'using _ = yield* prim.hold()'})`, async () => {
        expect(await traceOf(body)).toEqual(expected![name]);
      });
    }
  }
  for (const [name, body] of Object.entries(reprCases)) {
    it.skipIf(expected === null)(name, async () => {
      expect(await traceOf(body)).toEqual(expected![name]);
    });
  }

  it('runs every case of cpython/locks.py', () => {
    if (expected !== null) expect([...Object.keys(cases('holding')), ...Object.keys(reprCases)].sort()).toEqual(Object.keys(expected).sort());
  });
});
