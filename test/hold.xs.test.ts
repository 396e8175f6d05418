import { afterAll, describe, expect, it } from 'vitest';
import { xsScript } from '../bench/lib/bundle.js';
import { XsWorker } from '../src/sim/host/xsnap.js';

// XS has no Symbol.dispose and no `using` syntax: the built package must load
// there, and hold()/holding() work through release() and generator blocks.
const SOURCE = `
import { Condition, Lock, Semaphore, createTask, sleep, wait, asCompleted, waitFor } from 'anyloop';
import { VirtualTimeLoop } from 'anyloop/testing';
const loop = new VirtualTimeLoop();
const lock = new Lock({ loop });
const sem = new Semaphore(1, { loop });
const cond = new Condition(undefined, { loop });
const out = [typeof Symbol.dispose];
function* worker(name) {
  const held = yield* lock.hold();
  try {
    out.push(name + ' ' + lock);
    yield* sleep(5);
  } finally {
    held.release();
  }
  yield* sem.holding(function* () { out.push(name + ' ' + sem); yield* sleep(1); });
  yield* cond.holding(function* () { out.push(name + ' ' + cond); });
}
const main = createTask(function* () {
  const ts = [createTask(worker('a')), createTask(worker('b'))];
  const [done] = yield* wait(ts);
  out.push('done ' + done.size);
  for (const next of asCompleted([sleep(2, 'x'), sleep(1, 'y')])) out.push(yield* next);
  out.push(yield* waitFor(sleep(1, 'in time'), 10));
}(), { loop });
loop.runUntilComplete(main);
out.push(String(lock), String(sem));
globalThis.result = out;
`;

describe('hold()/holding(), wait, asCompleted and waitFor on the real XS engine', () => {
  const xs = new XsWorker({ name: 'hold-xs' });
  afterAll(async () => { await xs.terminate(); });

  it('run without Symbol.dispose: release() and holding() give the lock back', async () => {
    await xs.evaluate(await xsScript(SOURCE));
    const r = await xs.evaluateText('new TextEncoder().encode(JSON.stringify(globalThis.result)).buffer');
    expect(JSON.parse(r.text)).toEqual([
      'undefined',
      'a <Lock [locked]>',
      'a <Semaphore [locked]>',
      'b <Lock [locked]>',
      'a <Condition [locked]>',
      'b <Semaphore [locked]>',
      'b <Condition [locked]>',
      'done 2',
      'y', 'x', 'in time',
      '<Lock [unlocked]>', '<Semaphore [unlocked, value:1]>',
    ]);
  }, 60_000);
});
