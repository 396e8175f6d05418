import type { BlockingOp, Item, ObjectSpec, Op, Program, ReturnWhen, TaskSpec } from './program.js';

/** A small seeded PRNG (mulberry32): the same seed gives the same programs everywhere. */
export class Rng {
  private _s: number;

  constructor(seed: number) {
    this._s = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    let t = (this._s = (this._s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
}

/** The seed of program `index` in a run seeded with `seed`. */
export function programSeed(seed: number, index: number): number {
  return (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(index + 1, 0xc2b2ae35)) >>> 0;
}

// Small durations, so that deadlines often coincide (ties are where order bugs hide).
const DURATIONS = [0, 0, 1, 1, 2, 3, 5];
const KINDS = [
  'Lock', 'Semaphore', 'BoundedSemaphore', 'Event', 'Condition', 'Queue', 'LifoQueue', 'PriorityQueue', 'Barrier',
] as const;
const PREFIX: Record<(typeof KINDS)[number], string> = {
  Lock: 'L', Semaphore: 'S', BoundedSemaphore: 'BS', Event: 'E', Condition: 'C',
  Queue: 'Q', LifoQueue: 'LQ', PriorityQueue: 'PQ', Barrier: 'B',
};
// Rare, since it ends a queue's normal life: the chance of a shutdown among a queue's ops.
const SHUTDOWN_CHANCE = 0.06;
// Ops that may wake another task: a cancel right after one hits a task woken but not yet resumed.
const WAKING = new Set([
  'release', 'set', 'notify', 'notifyAll', 'put', 'putNowait', 'get', 'getNowait', 'taskDone', 'wait', 'abort', 'reset',
  'shutdown',
]);

/** What the oracle supports beyond Python 3.11. */
export interface Features {
  /** `Queue.shutdown()` (Python 3.13). */
  shutdown: boolean;
  /** `waitFor`, `hold`, `waitTasks`, `asCompleted` (Python 3.13's `wait_for` and `as_completed`). */
  coordination?: boolean;
}

const RETURN_WHEN: readonly ReturnWhen[] = ['FIRST_COMPLETED', 'FIRST_EXCEPTION', 'ALL_COMPLETED'];
// What a hold block may hold: what `async with` takes.
const HOLDABLE = new Set(['Lock', 'Semaphore', 'BoundedSemaphore', 'Condition']);

/** A random, well-formed program: a task releases only what it acquired and waits on a Condition only holding it. */
export function generateProgram(rng: Rng, features: Features): Program {
  // A fifth of the programs focus on one primitive with more tasks: more contention, longer waiter queues.
  const focused = rng.chance(0.2);
  const objects = generateObjects(rng, focused ? 1 : rng.int(1, 4));
  const nTasks = focused ? rng.int(3, 6) : rng.int(2, 5);
  const counter = { item: 0 };
  const tasks: TaskSpec[] = [];
  for (let i = 0; i < nTasks; i++) {
    const task: TaskSpec = { ops: generateOps(rng, features, objects, i, nTasks, counter) };
    if (rng.chance(0.25)) task.resilient = true;
    tasks.push(task);
  }
  return { objects, tasks };
}

function generateObjects(rng: Rng, n: number): ObjectSpec[] {
  const objects: ObjectSpec[] = [];
  const count: Partial<Record<string, number>> = {};
  for (let j = 0; j < n; j++) {
    const kind = rng.pick(KINDS);
    const name = PREFIX[kind] + String(count[kind] = (count[kind] ?? -1) + 1);
    switch (kind) {
      case 'Semaphore':
      case 'BoundedSemaphore':
        objects.push({ name, kind, value: rng.int(kind === 'BoundedSemaphore' ? 1 : 0, 3) });
        break;
      case 'Condition': {
        const locks = objects.filter((o) => o.kind === 'Lock');
        if (locks.length > 0 && rng.chance(0.5)) objects.push({ name, kind, lock: rng.pick(locks).name });
        else objects.push({ name, kind });
        break;
      }
      case 'Queue':
      case 'LifoQueue':
      case 'PriorityQueue':
        objects.push({ name, kind, maxsize: rng.int(0, 3) });
        break;
      case 'Barrier':
        objects.push({ name, kind, parties: rng.int(1, 3) });
        break;
      default:
        objects.push({ name, kind });
    }
  }
  return objects;
}

function generateOps(
  rng: Rng, features: Features, objects: ObjectSpec[], self: number, nTasks: number, counter: { item: number },
): Op[] {
  const ops: Op[] = [];
  const held = new Map<string, number>();
  const n = rng.int(1, 8);
  const cancel = (): Op => ({ op: 'cancel', task: rng.chance(0.1) ? self : (self + rng.int(1, nTasks - 1)) % nTasks });
  // A timeout scope around a blocking op, now and then two nested scopes.
  // With coordination, 40 % of those are an in-task waitFor instead.
  const scope = (): 'timeout' | 'waitFor' => (features.coordination && rng.chance(0.4) ? 'waitFor' : 'timeout');
  const maybeTimeout = (body: BlockingOp): BlockingOp => {
    if (!rng.chance(0.3)) return body;
    const inner: BlockingOp = { op: scope(), ms: rng.pick(DURATIONS), body };
    return rng.chance(0.15) ? { op: scope(), ms: rng.pick(DURATIONS), body: inner } : inner;
  };
  const others = (): number[] => {
    const ts = new Set<number>();
    for (let c = rng.int(1, 3); c > 0; c--) ts.add((self + rng.int(1, nTasks - 1)) % nTasks);
    return [...ts];
  };
  const maybeNull = (): number | null => (rng.chance(0.4) ? null : rng.pick(DURATIONS));
  while (ops.length < n) {
    if (features.coordination && rng.chance(0.12)) {
      const c = rng.next();
      const holdable = objects.filter((o) => HOLDABLE.has(o.kind) && !(o.kind !== 'Semaphore' && (held.get(o.name) ?? 0) > 0));
      if (c < 0.4 && holdable.length > 0) {
        const obj = rng.pick(holdable);
        const body: Op[] = [];
        for (let b = rng.int(1, 2); b > 0; b--) {
          const d = rng.next();
          if (d < 0.35) body.push(maybeTimeout({ op: 'sleep', ms: rng.pick(DURATIONS) }));
          else if (d < 0.5) body.push({ op: 'probe', obj: rng.pick(objects).name });
          else if (d < 0.65) body.push(cancel());
          else if (obj.kind === 'Condition') {
            body.push(d < 0.8 ? maybeTimeout({ op: 'wait', obj: obj.name }) : { op: d < 0.9 ? 'notifyAll' : 'notify', obj: obj.name, n: 1 } as Op);
          } else body.push({ op: 'sleep', ms: 0 });
        }
        ops.push(maybeTimeout({ op: 'hold', obj: obj.name, style: rng.chance(0.5) ? 'holding' : 'using', body }));
      } else if (c < 0.7) {
        ops.push(maybeTimeout({ op: 'waitTasks', tasks: others(), ms: maybeNull(), returnWhen: rng.pick(RETURN_WHEN) }));
      } else {
        ops.push(maybeTimeout({ op: 'asCompleted', tasks: others(), ms: maybeNull() }));
      }
      continue;
    }
    const r = rng.next();
    if (r < 0.1) {
      ops.push(maybeTimeout({ op: 'sleep', ms: rng.pick(DURATIONS) }));
      continue;
    }
    if (r < 0.16) {
      ops.push(cancel());
      continue;
    }
    if (r < 0.19 && self < nTasks - 1) {
      // Awaiting another task: cancelling the awaiting task cancels the awaited one too. Only
      // later tasks, so awaits never form a cycle (cancelling a cycle recurses without end in
      // asyncio and anyloop alike).
      ops.push(maybeTimeout({ op: 'awaitTask', task: rng.int(self + 1, nTasks - 1) }));
      continue;
    }
    const obj = rng.pick(objects);
    if (r < 0.22) {
      ops.push({ op: 'probe', obj: obj.name });
      continue;
    }
    const name = obj.name;
    const h = held.get(name) ?? 0;
    let op: Op;
    switch (obj.kind) {
      case 'Lock':
      case 'Semaphore':
      case 'BoundedSemaphore':
        if (h > 0 && rng.chance(0.6)) {
          // Sometimes every unit at once: releases in one step wake several waiters together.
          const count = obj.kind !== 'Lock' && rng.chance(0.5) ? h : 1;
          for (let c = 1; c < count; c++) ops.push({ op: 'release', obj: name });
          op = { op: 'release', obj: name };
          held.set(name, h - count);
        } else {
          op = maybeTimeout({ op: 'acquire', obj: name });
          held.set(name, h + 1);
        }
        break;
      case 'Event':
        op = rng.chance(0.45) ? maybeTimeout({ op: 'wait', obj: name }) : { op: rng.chance(0.7) ? 'set' : 'clear', obj: name };
        break;
      case 'Condition':
        if (h === 0) {
          op = maybeTimeout({ op: 'acquire', obj: name });
          held.set(name, 1);
        } else {
          const c = rng.next();
          if (c < 0.4) op = maybeTimeout({ op: 'wait', obj: name });
          else if (c < 0.6) op = { op: 'notify', obj: name, n: rng.int(1, 2) };
          else if (c < 0.7) op = { op: 'notifyAll', obj: name };
          else {
            op = { op: 'release', obj: name };
            held.set(name, 0);
          }
        }
        break;
      case 'Queue':
      case 'LifoQueue':
      case 'PriorityQueue': {
        // Priorities repeat, so equal priorities fall back to comparing values, as Python lists do.
        const item: Item = obj.kind === 'PriorityQueue' ? [rng.int(0, 2), ++counter.item] : ++counter.item;
        // With shutdown (drawn only then, so that it changes no other draw when off): often after a
        // sleep, so that others are waiting when it comes; consumers that mark what they get done
        // and more joiners, so that a shutdown(true) finds joiners it can release.
        if (features.shutdown && rng.chance(SHUTDOWN_CHANCE)) {
          if (rng.chance(0.6)) ops.push({ op: 'sleep', ms: rng.pick(DURATIONS) });
          op = { op: 'shutdown', obj: name, immediate: rng.chance(0.5) };
          break;
        }
        const c = rng.next();
        if (c < 0.33) op = maybeTimeout({ op: 'put', obj: name, item });
        else if (c < 0.66) {
          op = maybeTimeout({ op: 'get', obj: name });
          if (features.shutdown && rng.chance(0.5)) {
            ops.push(op);
            op = { op: 'taskDone', obj: name };
          }
        } else if (c < 0.78) op = { op: 'putNowait', obj: name, item };
        else if (c < 0.9) op = { op: 'getNowait', obj: name };
        else if (c < 0.95 && !features.shutdown) op = { op: 'taskDone', obj: name };
        else op = maybeTimeout({ op: 'join', obj: name });
        break;
      }
      case 'Barrier': {
        const c = rng.next();
        op = c < 0.8 ? maybeTimeout({ op: 'wait', obj: name }) : { op: c < 0.9 ? 'abort' : 'reset', obj: name };
        break;
      }
    }
    ops.push(op);
    if (WAKING.has(op.op) && rng.chance(0.3) && ops.length < n) ops.push(cancel());
  }
  return ops;
}
