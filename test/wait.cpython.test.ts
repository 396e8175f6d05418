import { describe, expect, it } from 'vitest';
import {
  CancelledError, TimeoutError, asCompleted, createTask, sleep, wait, type Coroutine, type Future, type Task,
} from '../src/index.js';
import { cpythonTraces, traceOf, type Case, type Log } from './support/cpython.js';

// asyncio.wait and asyncio.as_completed, as cpython/wait.py runs them on
// CPython 3.13 (virtual time, ms): each case here is that program, statement
// for statement, and must give the same trace, turn by turn.
const expected = cpythonTraces('wait.py');
const onCI = process.env.CI === 'true';

function* job(log: Log, name: string, ms: number, fail = false): Coroutine<string> {
  yield* sleep(ms);
  log(`${name} finishes`);
  if (fail) throw new RangeError(name);
  return name;
}

function spawn(log: Log, ...specs: [string, number, boolean?][]): Task<string>[] {
  return specs.map(([name, ms, fail]) => createTask(job(log, name, ms, fail), { name }));
}

function names(fs: Set<Future<string>>): string {
  return [...fs].map((f) => (f as Task<string>).getName()).sort().join(',') || '-';
}

const py = (b: boolean): string => (b ? 'True' : 'False');

const cases: Record<string, Case> = {
  *wait_all(log) {
    const ts = spawn(log, ['a', 10], ['b', 20], ['c', 5]);
    const [done, pending] = yield* wait(ts);
    return `done=${names(done)} pending=${names(pending)}`;
  },
  *wait_first_completed(log) {
    const ts = spawn(log, ['a', 10], ['b', 20], ['c', 5]);
    let [done, pending] = yield* wait(ts, { returnWhen: 'FIRST_COMPLETED' });
    log(`done=${names(done)} pending=${names(pending)}`);
    [done, pending] = yield* wait(pending, { returnWhen: 'FIRST_COMPLETED' });
    return `done=${names(done)} pending=${names(pending)}`;
  },
  *wait_first_exception(log) {
    const ts = spawn(log, ['a', 10], ['b', 20, true], ['c', 30]);
    const [done, pending] = yield* wait(ts, { returnWhen: 'FIRST_EXCEPTION' });
    log(`done=${names(done)} pending=${names(pending)}`);
    yield* wait(pending);
    return 'all done';
  },
  *wait_first_exception_none_fails(log) {
    const ts = spawn(log, ['a', 10], ['b', 20]);
    ts[0]!.cancel();
    const [done, pending] = yield* wait(ts, { returnWhen: 'FIRST_EXCEPTION' });
    return `done=${names(done)} pending=${names(pending)} a cancelled ${py(ts[0]!.cancelled())}`;
  },
  *wait_timeout(log) {
    const ts = spawn(log, ['a', 10], ['b', 20]);
    const [done, pending] = yield* wait(ts, { timeout: 15 });
    log(`done=${names(done)} pending=${names(pending)}`);
    yield* ts[1]!;
    return 'b went on';
  },
  *wait_already_done(log) {
    const ts = spawn(log, ['a', 0]);
    yield* sleep(5);
    const [done, pending] = yield* wait(ts, { timeout: 100 });
    return `done=${names(done)} pending=${names(pending)}`;
  },
  *wait_cancelled(log) {
    const ts = spawn(log, ['a', 10], ['b', 20]);
    const w = createTask(wait(ts));
    yield* sleep(12);
    w.cancel();
    try {
      yield* w;
    } catch (e) {
      if (!(e instanceof CancelledError)) throw e;
      log('wait cancelled');
    }
    yield* ts[1]!;
    return `b cancelled ${py(ts[1]!.cancelled())}`;
  },
  *wait_duplicates(log) {
    const ts = spawn(log, ['a', 10]);
    const [done, pending] = yield* wait([ts[0]!, ts[0]!], { returnWhen: 'FIRST_COMPLETED' });
    return `done=${names(done)} pending=${names(pending)}`;
  },
  *as_completed_plain(log) {
    const ts = spawn(log, ['a', 30], ['b', 10], ['c', 20]);
    for (const nextDone of asCompleted(ts)) log(`got ${yield* nextDone}`);
    return 'end';
  },
  async as_completed_async(log) {
    const ts = spawn(log, ['a', 30], ['b', 10], ['c', 20]);
    for await (const done of asCompleted(ts)) {
      // TypeScript types a `for await` value as awaited; it is the Future itself.
      const f = done as unknown as Task<string>;
      log(`got ${f.getName()} original ${py(ts.includes(f))} done ${py(f.done())}`);
    }
    return 'end';
  },
  *as_completed_timeout(log) {
    const ts = spawn(log, ['a', 30], ['b', 10], ['c', 20]);
    try {
      for (const nextDone of asCompleted(ts, { timeout: 25 })) log(`got ${yield* nextDone}`);
    } catch (e) {
      if (!(e instanceof TimeoutError)) throw e;
      log('timeout');
    }
    yield* ts[0]!;
    return `a cancelled ${py(ts[0]!.cancelled())}`;
  },
  *as_completed_exception(log) {
    const ts = spawn(log, ['a', 10, true], ['b', 20]);
    for (const nextDone of asCompleted(ts)) {
      try {
        log(`got ${yield* nextDone}`);
      } catch (e) {
        if (!(e instanceof RangeError)) throw e;
        log(`raised ${e.message}`);
      }
    }
    return 'end';
  },
  *as_completed_done_and_late(log) {
    const ts = spawn(log, ['a', 0], ['b', 10]);
    yield* sleep(1);
    const it = asCompleted(ts)[Symbol.iterator]();
    const first = it.next().value!;
    log(`got ${yield* first}`);
    log(`got ${yield* it.next().value!}`);
    return `more ${py(it.next().done !== true)}`;
  },
  *as_completed_cancel_waiter(log) {
    const ts = spawn(log, ['a', 10], ['b', 20]);
    const it = asCompleted(ts)[Symbol.iterator]();
    const w = createTask(it.next().value!);
    yield* sleep(5);
    w.cancel();
    try {
      yield* w;
    } catch (e) {
      if (!(e instanceof CancelledError)) throw e;
      log('first wait cancelled');
    }
    log(`got ${yield* it.next().value!}`);
    return 'end';
  },
};

describe('wait and asCompleted trace as asyncio.wait and asyncio.as_completed on CPython 3.13', () => {
  it.runIf(expected === null && onCI)('needs CPython 3.13 under CI', () => {
    expect.fail('CPython 3.13 is required under CI=true (set DIFF_PYTHON to its path)');
  });

  for (const [name, body] of Object.entries(cases)) {
    it.skipIf(expected === null)(name, async () => {
      expect(await traceOf(body)).toEqual(expected![name]);
    });
  }

  it('runs every case of cpython/wait.py', () => {
    if (expected !== null) expect(Object.keys(cases).sort()).toEqual(Object.keys(expected).sort());
  });
});
