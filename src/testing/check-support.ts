import type { ExceptionContext, ExceptionHandler, Loop, TimerLoop } from '../contract/loop.js';
import { Future, futureFromThenable } from '../future/future.js';
import type { ContractRule } from './rules.js';

/** What a conformance check body gets: a fresh loop and ways to drive it. */
export interface CheckContext<L extends Loop = Loop> {
  /** The loop under test, fresh for this check. */
  readonly loop: L;
  /** A new Future on the loop. */
  future<T>(): Future<T>;
  /** Runs the loop until `future` is done and returns its result (or throws its exception). */
  run<T>(future: Future<T>): Promise<T>;
  /** Runs the loop until the promise of `body()` settles and returns its result. */
  runAsync<T>(body: () => Promise<T>): Promise<T>;
  /**
   * Routes the loop's failure reports into the returned array (instead of
   * printing them) until the check ends.
   */
  captureExceptions(): ExceptionContext[];
}

/** One check of the kit's catalogue: a name, the rule it tests (the primitives' rule when omitted), whether it needs timers, a body. */
export interface CheckSpec {
  readonly name: string;
  readonly rule?: ContractRule;
  readonly needsTimers?: boolean;
  body(t: CheckContext<TimerLoop>): void | Promise<void>;
}

/** Throws `what: expected …, got …` unless the two values have the same JSON form. */
export function expectEqual(actual: unknown, expected: unknown, what: string): void {
  const a = show(actual);
  const e = show(expected);
  if (a !== e) throw new Error(`${what}: expected ${e}, got ${a}`);
}

/** Throws `what` unless `condition` holds. */
export function expectTrue(condition: boolean, what: string): void {
  if (!condition) throw new Error(what);
}

/** Calls `fn` and returns what it threw; throws when it did not throw an instance of one of `types`. */
export function expectThrows(fn: () => unknown, types: readonly (abstract new (...a: any[]) => Error)[], what: string): unknown {
  try {
    fn();
  } catch (e) {
    if (types.some((T) => e instanceof T)) return e;
    throw new Error(`${what}: expected ${types.map((T) => T.name).join(' or ')}, got ${show(e)}`);
  }
  throw new Error(`${what}: expected ${types.map((T) => T.name).join(' or ')}, nothing was thrown`);
}

/** Awaits `p` and returns what it rejected with; throws when it fulfilled. */
export async function rejection(p: PromiseLike<unknown>, what: string): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error(`${what}: expected a rejection, it fulfilled`);
}

/** A short readable form of any value, for failure messages. */
export function show(v: unknown): string {
  if (v instanceof Error) return `${v.name}(${JSON.stringify(v.message)})`;
  if (typeof v === 'function') return `function ${v.name || '(anonymous)'}`;
  if (typeof v === 'symbol' || typeof v === 'bigint') return String(v);
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return Object.prototype.toString.call(v);
  }
}

/** @internal Builds the context for one check; `cleanup()` undoes what the check installed. */
export function makeContext<L extends Loop>(
  loop: L,
  run: (loop: L, future: Future<unknown>) => unknown,
): { context: CheckContext<L>; cleanup(): void } {
  const undo: (() => void)[] = [];
  const context: CheckContext<L> = {
    loop,
    future: <T>() => new Future<T>({ loop }),
    async run<T>(future: Future<T>): Promise<T> {
      await run(loop, future);
      if (!future.done()) throw new Error('the run function returned before the future was done');
      return future.result();
    },
    runAsync<T>(body: () => Promise<T>): Promise<T> {
      return context.run(futureFromThenable(body(), loop));
    },
    captureExceptions(): ExceptionContext[] {
      const seen: ExceptionContext[] = [];
      undo.push(routeExceptions(loop, (ctx) => { seen.push(ctx); }));
      return seen;
    },
  };
  return { context, cleanup: () => { while (undo.length > 0) undo.pop()!(); } };
}

interface HandlerLoop extends Loop {
  setExceptionHandler(handler: ExceptionHandler | null): void;
  getExceptionHandler?(): ExceptionHandler | null;
}

/**
 * Sends the loop's failure reports to `sink`: through `setExceptionHandler`
 * when the loop has asyncio's API, else by wrapping `callExceptionHandler` on
 * the instance. Returns the undo.
 */
function routeExceptions(loop: Loop, sink: (ctx: ExceptionContext) => void): () => void {
  const l = loop as Partial<HandlerLoop> & Loop;
  if (typeof l.setExceptionHandler === 'function') {
    const previous = typeof l.getExceptionHandler === 'function' ? l.getExceptionHandler() : null;
    l.setExceptionHandler((_loop, ctx) => sink(ctx));
    return () => l.setExceptionHandler!(previous);
  }
  const had = Object.prototype.hasOwnProperty.call(l, 'callExceptionHandler');
  const own = l.callExceptionHandler;
  l.callExceptionHandler = sink;
  return () => {
    if (had) l.callExceptionHandler = own;
    else delete (l as { callExceptionHandler?: unknown }).callExceptionHandler;
  };
}
