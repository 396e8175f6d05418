import { Future } from '../future/future.js';
import { Event } from '../primitives/event.js';
import { Lock } from '../primitives/lock.js';
import { Queue } from '../primitives/queue.js';
import { sleep } from '../tasks/sleep.js';
import { createTask } from '../tasks/task.js';
import { expectEqual, expectTrue, show, type CheckSpec } from './check-support.js';

/** Tasks and sleep on the loop under test. */
export const taskChecks: readonly CheckSpec[] = [
  {
    name: 'Task: cancel() reaches a coroutine at its wait and its finally gives back the lock',
    async body({ loop, run }) {
      const lock = new Lock({ loop });
      const log: string[] = [];
      const holder = createTask(function* () {
        yield* lock.acquire();
        try {
          log.push('holding');
          yield* new Event({ loop }).wait();
        } finally {
          lock.release();
          log.push('released');
        }
      }(), { loop });
      expectEqual(log, [], 'steps run inside createTask()');
      const second = createTask(function* () {
        holder.cancel('stop');
        yield* lock.acquire();
        log.push('second got the lock');
        lock.release();
        return 'ok';
      }(), { loop });
      expectEqual(await run(second), 'ok', 'the second task returned');
      expectEqual(log, ['holding', 'released', 'second got the lock'], 'steps');
      expectTrue(holder.cancelled(), `the cancelled task ended ${holder.done() ? 'without being cancelled' : 'pending'}`);
    },
  },
  {
    name: 'Task: primitives, Futures and sleep made in a task with no { loop } bind to the task\'s loop',
    async body({ loop, run }) {
      const task = createTask(function* () {
        const ready = new Event();
        ready.set();
        yield* ready.wait();
        const q = new Queue<number>();
        q.putNowait(1);
        const item = yield* q.get();
        yield* sleep(0);
        return [item, new Future<void>().loop === loop];
      }(), { loop });
      expectEqual(await run(task), [1, true], 'the item, and whether a new Future is on the task\'s loop');
    },
  },
  {
    name: 'sleep(0) lets the callbacks already ready run first',
    async body({ loop, run }) {
      const log: string[] = [];
      const task = createTask(function* () {
        log.push('step 1');
        yield* sleep(0, undefined, { loop });
        log.push('step 2');
      }(), { loop });
      loop.callSoon(() => log.push('callback'));
      await run(task);
      expectEqual(log, ['step 1', 'callback', 'step 2'], 'order');
    },
  },
  {
    name: 'sleep(ms) resumes a task with its value, no earlier than ms later',
    needsTimers: true,
    async body({ loop, run }) {
      const task = createTask(function* () {
        const start = loop.time();
        const value = yield* sleep(5, 'woke', { loop });
        return [value, loop.time() - start] as const;
      }(), { loop });
      const [value, slept] = await run(task);
      expectEqual(value, 'woke', 'the value sleep() gave');
      expectTrue(slept >= 5, `sleep(5) resumed after ${show(slept)} ms`);
    },
  },
];
