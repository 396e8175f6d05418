import { CancelledError, QueueShutDown, type Future, type Queue } from '../../src/index.js';
import type { Coroutine } from '../../src/future/coroutine.js';
import type { Turns } from './turns.js';

// Tasks that use a queue and log what happened to them, for turn-by-turn
// comparison with the same coroutines on CPython asyncio.

/** Runs one queue operation as a task step and logs `<name> <done(result)>`, `<name> shutdown` or `<name> cancelled`. */
function* logged<T>(t: Turns, name: string, op: () => Future<T>, done: (result: T) => string): Coroutine<void> {
  let v: T;
  try {
    v = yield* op();
  } catch (e) {
    if (e instanceof QueueShutDown) {
      t.note(`${name} shutdown`);
      return;
    }
    if (e instanceof CancelledError) t.note(`${name} cancelled`);
    throw e;
  }
  t.note(`${name} ${done(v)}`);
}

/** Gets one item: logs `<name> got <item>`, `<name> shutdown` or `<name> cancelled`. */
export function getter(t: Turns, q: Queue<any>, name: string): Coroutine<void> {
  return logged(t, name, () => q.get(), (v) => `got ${String(v)}`);
}

/** Puts one item: logs `<name> put <item>`, `<name> shutdown` or `<name> cancelled`. */
export function putter(t: Turns, q: Queue<any>, name: string, item: unknown): Coroutine<void> {
  return logged(t, name, () => q.put(item), () => `put ${String(item)}`);
}

/** Joins the queue: logs `<name> joined`. */
export function* joiner(t: Turns, q: Queue<any>, name: string): Coroutine<void> {
  yield* q.join();
  t.note(`${name} joined`);
}

/** asyncio's view of a queue: its storage, waiter counts and unfinished tasks. */
export function state(q: Queue<any>, storage: unknown[]): string {
  return `q=[${storage.join(', ')}] getters=${q._getters.length} putters=${q._putters.length} unfinished=${q._unfinishedTasks}`;
}

/** 'pending', 'cancelled', the error's name, or `ok <result>`. */
export function outcome(f: Future<unknown>): string {
  if (!f.done()) return 'pending';
  if (f.cancelled()) return 'cancelled';
  const e = f.exception();
  return e === null ? `ok ${String(f.result())}` : (e as Error).name;
}
