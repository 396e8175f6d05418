import { describe, expect, it } from 'vitest';
import {
  CancelledError, Future, TimeoutError, createTask, currentTask, sleep, waitFor, type Coroutine,
} from '../src/index.js';
import { cpythonTraces, traceOf, type Case, type CountingLoop, type Log } from './support/cpython.js';

// test_asyncio/test_waitfor.py's cases, as cpython/wait_for.py runs them on
// CPython 3.13 (virtual time, ms): each case here is that program, statement
// for statement, and must give the same trace, turn by turn.
const expected = cpythonTraces('wait_for.py');
const onCI = process.env.CI === 'true';

function* slowTask(log: Log, loop: CountingLoop, duration: number): Coroutine<string> {
  const exitAt = loop.time() + duration;
  log('slow start');
  for (;;) {
    const toSleep = exitAt - loop.time();
    if (toSleep <= 0) break;
    try {
      yield* sleep(toSleep);
    } catch (e) {
      if (!(e instanceof CancelledError)) throw e;
      log('slow ignores a cancel');
    }
  }
  log('slow exited');
  return 'slow';
}

function* sleeper(log: Log, ms: number, result = 'inner'): Coroutine<string> {
  log('inner start');
  try {
    yield* sleep(ms);
  } finally {
    log('inner finally');
  }
  return result;
}

function* expectCancelled(fut: Future<unknown>, log: Log, text: string): Coroutine<void> {
  try {
    yield* fut;
  } catch (e) {
    if (!(e instanceof CancelledError)) throw e;
    log(text);
  }
}

const cases: Record<string, Case> = {
  *wait_for_cancelled(log, loop) {
    const t = createTask(waitFor(slowTask(log, loop, 200), 400));
    yield* sleep(0);
    t.cancel();
    yield* expectCancelled(t, log, 'wait_for task cancelled');
    return t.cancelled() ? 'True' : 'False';
  },
  *wait_for_timeout(log, loop) {
    return yield* waitFor(slowTask(log, loop, 200), 100);
  },
  *cancel_right_after_start(log) {
    const t = createTask(function* () { return yield* waitFor(sleeper(log, 50), 100); }());
    yield* sleep(0);
    log(`cancel ${t.cancel() ? 'True' : 'False'}`);
    yield* expectCancelled(t, log, 'caller cancelled');
    return t.cancelled() ? 'True' : 'False';
  },
  *cancel_before_start(log) {
    const t = createTask(function* () { return yield* waitFor(sleeper(log, 50), 100); }());
    log(`cancel ${t.cancel() ? 'True' : 'False'}`);
    yield* expectCancelled(t, log, 'caller cancelled');
    return t.cancelled() ? 'True' : 'False';
  },
  *in_callers_task(log) {
    const me = currentTask();
    return yield* waitFor(function* () {
      log(`inner in the caller's task: ${currentTask() === me ? 'True' : 'False'}`);
      yield* sleep(1);
      return 'done';
    }(), 10);
  },
  *timeout_while_inner_runs(log) {
    try {
      return yield* waitFor(sleeper(log, 50), 10);
    } catch (e) {
      if (e instanceof TimeoutError) log(`TimeoutError from ${(e.cause as Error).name}`);
      throw e;
    }
  },
  *task_timeout(log) {
    const fut = createTask(sleeper(log, 10_000));
    try {
      yield* waitFor(fut, 100);
    } catch (e) {
      if (!(e instanceof TimeoutError)) throw e;
      log(`timeout; task cancelled ${fut.cancelled() ? 'True' : 'False'}`);
    }
    return fut.done() ? 'True' : 'False';
  },
  *waits_for_task_cancellation(log) {
    const innerTask = createTask(function* () {
      try {
        yield* sleep(10_000);
      } catch (e) {
        if (!(e instanceof CancelledError)) throw e;
        yield* sleep(1);
        log('inner cleaned up');
        throw e;
      }
    }());
    try {
      yield* waitFor(innerTask, 1);
    } catch (e) {
      if (!(e instanceof TimeoutError)) throw e;
      log(`TimeoutError from ${(e.cause as Error).name}`);
    }
    return innerTask.cancelled() ? 'True' : 'False';
  },
  *reraises_exception_during_cancellation(log) {
    try {
      yield* waitFor(createTask(function* () {
        try {
          yield* sleep(200);
        } finally {
          // eslint-disable-next-line no-unsafe-finally
          throw new RangeError('foo');
        }
      }()), 1);
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
      log(`ValueError ${e.message}`);
    }
    return 'ok';
  },
  *cancel_suppressed() {
    return yield* waitFor(function* () {
      try {
        yield* sleep(10_000);
      } catch (e) {
        if (e instanceof CancelledError) return 42;
        throw e;
      }
      return 0;
    }(), 100);
  },
  *cancellation_race(log) {
    return yield* waitFor(function* () {
      try {
        yield* sleep(1000);
      } catch (e) {
        if (!(e instanceof CancelledError)) throw e;
        log('inner got the cancel');
      }
      return 1;
    }(), 10);
  },
  *issue86296(log) {
    const innerTask = createTask(function* () { return 'done'; }());
    let reachedEnd = false;
    const task = createTask(function* () {
      yield* waitFor(innerTask, 100);
      yield* sleep(1);
      reachedEnd = true;
    }());
    yield* sleep(0);
    task.cancel();
    yield* expectCancelled(task, log, 'task cancelled');
    return `${innerTask.result()} ${reachedEnd ? 'True' : 'False'}`;
  },
  *zero_timeout_coroutine_not_started(log) {
    let started = false;
    try {
      yield* waitFor(function* () { started = true; }(), 0);
    } catch (e) {
      if (!(e instanceof TimeoutError)) throw e;
      log('timeout');
    }
    return started ? 'True' : 'False';
  },
  *zero_timeout_task(log) {
    const started = new Future<void>();
    const fut = createTask(function* () {
      started.setResult();
      return yield* sleeper(log, 10_000);
    }());
    yield* started;
    try {
      yield* waitFor(fut, -1);
    } catch (e) {
      if (!(e instanceof TimeoutError)) throw e;
      log(`timeout; cancelled ${fut.cancelled() ? 'True' : 'False'}`);
    }
    return fut.done() ? 'True' : 'False';
  },
  *cancel_wait_for_task(log, loop) {
    const task = createTask(function* () { yield* new Future<void>(); }());
    const wait = createTask(waitFor(task, 60_000));
    loop.callSoon(() => wait.cancel());
    yield* expectCancelled(wait, log, 'wait cancelled');
    yield* sleep(0);
    return task.cancelled() ? 'True' : 'False';
  },
  *race_condition(_log, loop) {
    const fut = new Future<string>();
    const w = waitFor(fut, 200);
    loop.callSoon(() => fut.setResult('ok'));
    return yield* w;
  },
};

describe('waitFor: test_waitfor\'s cases trace as on CPython 3.13', () => {
  it.runIf(expected === null && onCI)('needs CPython 3.13 under CI', () => {
    expect.fail('CPython 3.13 is required under CI=true (set DIFF_PYTHON to its path)');
  });

  for (const [name, body] of Object.entries(cases)) {
    it.skipIf(expected === null)(name, async () => {
      expect(await traceOf(body)).toEqual(expected![name]);
    });
  }

  it('runs every case of cpython/wait_for.py', () => {
    if (expected !== null) expect(Object.keys(cases).sort()).toEqual(Object.keys(expected).sort());
  });
});
