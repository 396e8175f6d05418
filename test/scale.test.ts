import { describe, expect, it } from 'vitest';
import {
  Barrier, BoundedSemaphore, Condition, Event, Lock, Queue, Semaphore, TaskGroup,
  allTasks, createTask, sleep, timeout, waitFor, type Coroutine, type Future, type Task,
} from '../src/index.js';
import { VirtualTimeLoop } from '../src/testing.js';

const N = 10_000;

describe('scale', () => {
  it(`${N} tasks cancelled mid-wait leave no waiters, timers, ready callbacks or tasks behind`, () => {
    const loop = new VirtualTimeLoop();
    const lock = new Lock({ loop });
    const event = new Event({ loop });
    const sem = new Semaphore(0, { loop });
    const bounded = new BoundedSemaphore(1, { loop });
    const cond = new Condition(undefined, { loop });
    const barrier = new Barrier(N + 1, { loop });
    const empty = new Queue<number>(0, { loop });
    const full = new Queue<number>(1, { loop });
    expect(lock.acquire().done()).toBe(true);
    expect(bounded.acquire().done()).toBe(true);
    full.putNowait(-1);

    const waits: (() => Future<unknown> | Coroutine<unknown>)[] = [
      () => lock.acquire(),
      () => event.wait(),
      () => sem.acquire(),
      () => bounded.acquire(),
      function* () {
        yield* cond.acquire();
        try {
          yield* cond.wait();
        } finally {
          cond.release();
        }
      },
      () => barrier.wait(),
      () => empty.get(),
      () => full.put(1),
      () => sleep(1_000_000),
      () => waitFor(empty.get(), 1_000_000),
      () => timeout(1_000_000, function* () { yield* event.wait(); })[Symbol.iterator](),
      () => TaskGroup.run(function* (tg) {
        tg.createTask(function* () { yield* sleep(1_000_000); });
        yield* event.wait();
      })[Symbol.iterator](),
    ];
    let cleanedUp = 0;
    const tasks: Task<unknown>[] = [];
    for (let i = 0; i < N; i++) {
      const wait = waits[i % waits.length]!;
      tasks.push(createTask(function* () {
        try {
          const w = wait();
          yield* (w as Iterable<Future<unknown>>) as Coroutine<unknown>;
        } finally {
          cleanedUp++;
        }
      }, { loop }));
    }
    loop.runUntilIdle();
    expect(allTasks(loop).size).toBeGreaterThanOrEqual(N);
    expect(lock._waiters!.length).toBeGreaterThan(0);
    expect(loop._timers.size).toBeGreaterThan(0);

    for (const t of tasks) t.cancel();
    loop.runUntilIdle();

    expect(tasks.every((t) => t.cancelled())).toBe(true);
    expect(cleanedUp).toBe(N);
    expect(allTasks(loop).size).toBe(0);
    expect(loop._ready.length).toBe(0);
    expect(loop._timers.size).toBe(0);
    expect(lock._waiters?.length ?? 0).toBe(0);
    expect(String(event)).toBe('<Event [unset]>');
    expect(sem._waiters?.length ?? 0).toBe(0);
    expect(bounded._waiters?.length ?? 0).toBe(0);
    expect(cond._waiters?.length ?? 0).toBe(0);
    expect(cond._lock._waiters?.length ?? 0).toBe(0);
    expect(empty._getters.length).toBe(0);
    expect(full._putters.length).toBe(0);
    expect(barrier.nWaiting).toBe(0);
    expect(barrier.broken).toBe(false);
    // Nothing was granted to a cancelled task: every primitive is as it was.
    expect(lock.locked()).toBe(true);
    expect(sem._value).toBe(0);
    expect(bounded._value).toBe(0);
    expect(cond.locked()).toBe(false);
    expect(empty.qsize()).toBe(0);
    expect(full.qsize()).toBe(1);
    expect(full.getNowait()).toBe(-1);
    lock.release();
    expect(lock.locked()).toBe(false);
  });

  it(`${N} tasks hand a Lock along FIFO, with every other one cancelled while woken`, () => {
    const loop = new VirtualTimeLoop();
    const lock = new Lock({ loop });
    const order: number[] = [];
    const tasks: Task<void>[] = [];
    const indexOf = new Map<Future<unknown>, number>();
    for (let i = 0; i < N; i++) {
      tasks.push(createTask(function* () {
        const acquired = lock.acquire();
        indexOf.set(acquired, i);
        yield* acquired;
        try {
          order.push(i);
          yield* sleep(0);
        } finally {
          lock.release();
        }
      }, { loop }));
    }
    // Each release wakes the next waiter; odd tasks are cancelled right after being woken.
    const origRelease = lock.release.bind(lock);
    lock.release = () => {
      origRelease();
      const next = lock._waiters?.length ? lock._waiters.at(0) : undefined;
      const idx = next === undefined ? -1 : indexOf.get(next)!;
      if (idx % 2 === 1) tasks[idx]!.cancel();
    };
    loop.runUntilIdle();
    expect(order.length).toBe(N / 2);
    expect(order.every((v) => v % 2 === 0)).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(tasks.filter((t) => t.cancelled()).length).toBe(N / 2);
    expect(lock.locked()).toBe(false);
    expect(lock._waiters!.length).toBe(0);
    expect(tasks.every((t) => t.done() && (t.cancelled() || t.exception() === null))).toBe(true);
  });
});
