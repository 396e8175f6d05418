import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { LifoQueue, PriorityQueue, Queue, QueueEmpty, QueueFull, QueueShutDown } from '../../src/index.js';
import { actor, isLoopAction, loopActions, runLoopAction, RUNS, SEQUENCE, TIME_LIMIT, World } from './harness.js';

type QueueAction = { t: 'put' | 'get'; a: number } | { t: 'putNowait' | 'getNowait' };

const queueActions = [
  { arbitrary: fc.record({ t: fc.constant('put' as const), a: actor }), weight: 3 },
  { arbitrary: fc.record({ t: fc.constant('get' as const), a: actor }), weight: 3 },
  { arbitrary: fc.constant({ t: 'putNowait' as const }), weight: 1 },
  { arbitrary: fc.constant({ t: 'getNowait' as const }), weight: 1 },
];
const action = fc.oneof(...queueActions, ...loopActions);

// At most one shutdown, somewhere in the sequence; half the runs have none,
// since a queue shut down early has little left to do.
const shutdown = fc.option(fc.record({ at: fc.nat(60), immediate: fc.boolean() }), { freq: 2, nil: undefined });

function makeQueue(kind: 'Queue' | 'LifoQueue' | 'PriorityQueue', maxsize: number, w: World): Queue<number> {
  const loop = w.loop;
  if (kind === 'PriorityQueue') return new PriorityQueue<number>(maxsize, undefined, { loop });
  return kind === 'Queue' ? new Queue<number>(maxsize, { loop }) : new LifoQueue<number>(maxsize, { loop });
}

function ignoreShutDown(e: unknown): void {
  if (!(e instanceof QueueShutDown)) throw e;
}

describe('property: Queue, LifoQueue, PriorityQueue', () => {
  it('never lose or duplicate an item, and never leave a getter or putter asleep when it could go on', () => {
    fc.assert(fc.property(
      fc.constantFrom('Queue' as const, 'LifoQueue' as const, 'PriorityQueue' as const),
      fc.nat(3),
      fc.array(action, SEQUENCE),
      shutdown,
      (kind, maxsize, actions, stop) => {
        const w = new World<'put' | 'get'>();
        const q = makeQueue(kind, maxsize, w);
        const put: number[] = [];
        const got: number[] = [];
        let dropped = 0;
        let next = 0;
        const run = (act: QueueAction): void => {
          switch (act.t) {
            case 'put': {
              const item = next++;
              w.start(act.a, 'put', function* () {
                try {
                  yield* q.put(item);
                  put.push(item);
                } catch (e) {
                  ignoreShutDown(e);
                }
              });
              break;
            }
            case 'get':
              w.start(act.a, 'get', function* () {
                try {
                  got.push(yield* q.get());
                } catch (e) {
                  ignoreShutDown(e);
                }
              });
              break;
            case 'putNowait':
              try {
                q.putNowait(next);
                put.push(next);
              } catch (e) {
                if (!(e instanceof QueueFull)) ignoreShutDown(e);
              }
              next++;
              break;
            case 'getNowait':
              try {
                got.push(q.getNowait());
              } catch (e) {
                if (!(e instanceof QueueEmpty)) ignoreShutDown(e);
              }
              break;
          }
        };
        actions.forEach((act, n) => {
          if (n === stop?.at) {
            if (stop.immediate) dropped += q.qsize();
            q.shutdown(stop.immediate);
          }
          if (isLoopAction(act)) runLoopAction(w, act);
          else run(act);
          if (!w.loop._hasWork()) {
            // Quiescent: a waiting getter means nothing to get; a waiting putter, no room.
            for (const { kind: k } of w.pending()) {
              expect(q._isShutdown === true).toBe(false);
              if (k === 'get') expect(q.empty()).toBe(true);
              else expect(q.full()).toBe(true);
            }
          }
        });
        w.finish();
        expect(w.pending()).toEqual([]);
        const left: number[] = [];
        while (!q.empty()) left.push(q.getNowait());
        const out = [...got, ...left];
        expect(new Set(out).size).toBe(out.length);
        for (const item of out) expect(put).toContain(item);
        expect(put.length).toBe(out.length + dropped);
      },
    ), RUNS);
  }, TIME_LIMIT);
});
