// anyloop on Node: producer/consumer with a bounded Queue, and a Lock that
// keeps each consumer's two-line report together. Run with `npm run build && node targets/node/demo.js`.
import { Lock, Queue, setEventLoop, sleep } from '../../dist/index.js';
import { NodeLoop } from '../../dist/node.js';

const loop = new NodeLoop();
setEventLoop(loop); // primitives created without { loop } bind to it

const queue = new Queue(2); // holds at most 2 jobs: the producer waits when it is full
const printer = new Lock(); // one report at a time

async function producer() {
  for (let i = 1; i <= 6; i++) {
    await queue.put(`job ${i}`);
    console.log(`producer: queued job ${i} (${queue.qsize()} in the queue)`);
  }
  await queue.join(); // every job marked done
  queue.shutdown(); // ends the consumers' for-await loops
  console.log('producer: all jobs done, queue shut down');
}

async function consumer(name, msPerJob) {
  for await (const job of queue) {
    await sleep(msPerJob);
    if (printer.locked()) console.log(`  ${name}: done with ${job}, waits for the printer`);
    await printer.acquire();
    try {
      console.log(`  ${name}: finished ${job}`);
      await sleep(4); // meanwhile another consumer wanting the printer waits its turn
      console.log(`  ${name}: report for ${job} printed`);
    } finally {
      printer.release();
    }
    queue.taskDone();
  }
  console.log(`  ${name}: no more jobs`);
}

await loop.runUntilComplete(Promise.all([producer(), consumer('A', 5), consumer('B', 7)]));
loop.close();
