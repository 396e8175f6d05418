import { QueueShutDown } from '../contract/errors.js';
import { Queue } from '../primitives/queue.js';
import { expectEqual, expectTrue, rejection, show, type CheckSpec } from './check-support.js';

/** Queue on the loop under test. */
export const queueChecks: readonly CheckSpec[] = [
  {
    name: 'Queue: a bounded queue hands items over in order; join() and shutdown() end the work',
    async body({ loop, runAsync }) {
      const queue = new Queue<number>(1, { loop });
      const got: number[] = [];
      const producer = async (): Promise<unknown> => {
        for (let i = 0; i < 5; i++) await queue.put(i);
        await queue.join();
        queue.shutdown();
        return rejection(queue.put(99), 'put() after shutdown()');
      };
      const consumer = async (): Promise<void> => {
        for await (const item of queue) {
          expectTrue(queue.qsize() <= 1, `a queue of maxsize 1 holds ${queue.qsize()} items`);
          got.push(item);
          queue.taskDone();
        }
      };
      const [late] = await runAsync(() => Promise.all([producer(), consumer()]));
      expectEqual(got, [0, 1, 2, 3, 4], 'items received');
      expectTrue(late instanceof QueueShutDown, `put() after shutdown() failed with ${show(late)}, not QueueShutDown`);
    },
  },
  {
    name: 'Queue: a getter woken and then cancelled does not lose the item',
    async body({ loop, run }) {
      const queue = new Queue<string>(0, { loop });
      const first = queue.get();
      const second = queue.get();
      queue.putNowait('item');
      first.cancel();
      expectEqual(await run(second), 'item', 'the second getter got');
      expectTrue(first.cancelled(), 'the cancelled getter was not cancelled');
      expectTrue(queue.empty(), 'the item is still in the queue');
    },
  },
];
