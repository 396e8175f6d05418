/**
 * The program format of the differential test: plain JSON that both
 * interpreters (interp.ts on anyloop, asyncio_interp.py on CPython asyncio)
 * run. README.md describes it with an example.
 */

export type QueueKind = 'Queue' | 'LifoQueue' | 'PriorityQueue';

export type ObjectSpec =
  | { name: string; kind: 'Lock' | 'Event' }
  | { name: string; kind: 'Semaphore' | 'BoundedSemaphore'; value: number }
  | { name: string; kind: 'Condition'; lock?: string }
  | { name: string; kind: QueueKind; maxsize: number }
  | { name: string; kind: 'Barrier'; parties: number };

/** A queue item: a number, or for a PriorityQueue a `[priority, value]` pair (ordered like a Python list). */
export type Item = number | [number, number];

/** asyncio.wait's `return_when`. */
export type ReturnWhen = 'FIRST_COMPLETED' | 'FIRST_EXCEPTION' | 'ALL_COMPLETED';

/** An operation that may wait: what a `timeout` scope or a `waitFor` wraps (one of those too, for nesting). */
export type BlockingOp =
  | { op: 'acquire' | 'wait' | 'get' | 'join'; obj: string }
  | { op: 'put'; obj: string; item: Item }
  | { op: 'sleep'; ms: number }
  | { op: 'awaitTask'; task: number }
  | { op: 'timeout'; ms: number; body: BlockingOp }
  | { op: 'waitFor'; ms: number; body: BlockingOp }
  /** `async with obj:` around `body`; anyloop runs it as `holding(body)` or `using _ = yield* hold()`. */
  | { op: 'hold'; obj: string; style: 'holding' | 'using'; body: Op[] }
  | { op: 'waitTasks'; tasks: number[]; ms: number | null; returnWhen: ReturnWhen }
  | { op: 'asCompleted'; tasks: number[]; ms: number | null };

export type Op =
  | BlockingOp
  | { op: 'release' | 'set' | 'clear' | 'notifyAll' | 'getNowait' | 'taskDone' | 'abort' | 'reset' | 'probe'; obj: string }
  | { op: 'notify'; obj: string; n: number }
  | { op: 'putNowait'; obj: string; item: Item }
  | { op: 'shutdown'; obj: string; immediate: boolean }
  | { op: 'cancel'; task: number };

export interface TaskSpec {
  /** A resilient task catches each CancelledError, uncancels itself and goes on with its next op. */
  resilient?: boolean;
  ops: Op[];
}

export interface Program {
  objects: ObjectSpec[];
  tasks: TaskSpec[];
}

/** What an interpreter reports for one program. */
export interface RunResult {
  /** Observable events in order: `<time> T<task>.<op> <event>`, plus `<time> idle <tasks>`. */
  trace: string[];
  /** Final state of every task and object. */
  final: string[];
  /**
   * Python before 3.13 only: the 3.13 behaviours (README.md) this run reached
   * and the running Python lacks. Such a program is not compared.
   */
  pre313: string[];
  /** Reports that reached the loop's exception handler: always a failure. */
  loopErrors: string[];
  /** The interpreter itself failed. */
  error?: string;
}

/** Idle rounds (cancel every pending task, run until idle) before the interpreters give up. */
export const MAX_IDLE_ROUNDS = 50;

/** Formats a queue item as both interpreters do (compact JSON). */
export function formatItem(item: unknown): string {
  return JSON.stringify(item);
}

/**
 * The lock that acquire/release of `name` takes: a Condition built on a
 * shared Lock takes that Lock, so holding one means holding the other.
 */
export function lockKey(program: Program, name: string): string {
  const spec = program.objects.find((o) => o.name === name);
  return spec !== undefined && spec.kind === 'Condition' && spec.lock !== undefined ? spec.lock : name;
}
