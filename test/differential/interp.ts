import {
  asCompleted, Barrier, BoundedSemaphore, BrokenBarrierError, CancelledError, Condition, createTask, currentTask, Event, LifoQueue,
  Lock, PriorityQueue, Queue, QueueEmpty, QueueFull, QueueShutDown, Semaphore, sleep, timeout, TimeoutError, wait, waitFor,
  type Coroutine, type Future, type Task,
} from '../../src/index.js';
import { VirtualTimeLoop } from '../../src/testing.js';
import { formatItem, lockKey, MAX_IDLE_ROUNDS, type BlockingOp, type Op, type Program, type RunResult } from './program.js';

type Primitive = Lock | Semaphore | Event | Condition | Queue<unknown> | Barrier;

/**
 * The anyloop side of the differential test: runs a program on VirtualTimeLoop
 * with generator-coroutine tasks and reports the same trace as
 * asyncio_interp.py does on asyncio. Each method here mirrors the Python
 * method of the same name (snake_case there), statement for statement.
 */
export function runProgram(program: Program): RunResult {
  return new Interpreter(program).run();
}

/** Counts loop turns, as asyncio_interp.py counts `_run_once` calls: the trace says in which turn each event happened. */
class CountingLoop extends VirtualTimeLoop {
  turn = 0;

  override _runOnce(limit?: number): void {
    this.turn++;
    super._runOnce(limit);
  }
}

class Interpreter {
  readonly loop = new CountingLoop();
  readonly trace: string[] = [];
  readonly loopErrors: string[] = [];
  readonly objects = new Map<string, Primitive>();
  readonly tasks: Task<number>[] = [];

  constructor(readonly program: Program) {
    this.loop.setExceptionHandler((_loop, context) => {
      this.loopErrors.push(`${context.message}: ${String(context.exception)}`);
    });
    for (const spec of program.objects) this.objects.set(spec.name, this.make(spec));
  }

  make(spec: Program['objects'][number]): Primitive {
    const loop = this.loop;
    switch (spec.kind) {
      case 'Lock': return new Lock({ loop });
      case 'Event': return new Event({ loop });
      case 'Semaphore': return new Semaphore(spec.value, { loop });
      case 'BoundedSemaphore': return new BoundedSemaphore(spec.value, { loop });
      case 'Condition': return new Condition(spec.lock === undefined ? undefined : this.objects.get(spec.lock) as Lock, { loop });
      case 'Queue': return new Queue(spec.maxsize, { loop });
      case 'LifoQueue': return new LifoQueue(spec.maxsize, { loop });
      case 'PriorityQueue': return new PriorityQueue(spec.maxsize, undefined, { loop });
      case 'Barrier': return new Barrier(spec.parties, { loop });
    }
  }

  emit(i: number, k: number, text: string): void {
    this.trace.push(`${this.loop.time()} @${this.loop.turn} T${i}.${k} ${text}`);
  }

  run(): RunResult {
    for (let i = 0; i < this.program.tasks.length; i++) {
      this.tasks.push(createTask(this.taskMain(i), { loop: this.loop }));
    }
    let rounds = 0;
    for (;;) {
      this.loop.runUntilIdle();
      const next = this.loop._timers.nextWhen();
      if (next !== undefined) {
        this.loop.advance(next - this.loop.time());
        continue;
      }
      // Idle: as asyncio_interp.py does, cancel every pending task and go on.
      // There this happens at the start of the next turn (in its select()).
      const pending = this.tasks.flatMap((t, i) => (t.done() ? [] : [i]));
      if (pending.length === 0 || rounds >= MAX_IDLE_ROUNDS) break;
      rounds++;
      this.trace.push(`${this.loop.time()} @${this.loop.turn + 1} idle ${pending.map((i) => `T${i}`).join(',')}`);
      for (const i of pending) this.tasks[i]!.cancel();
    }
    return { trace: this.trace, final: this.finalState(), pre313: [], loopErrors: this.loopErrors };
  }

  finalState(): string[] {
    const out = this.tasks.map((t, i) => `T${i} ${t.cancelled() ? 'cancelled' : t.done() ? 'done' : 'pending'}`);
    for (const [name, o] of this.objects) {
      if (o instanceof Queue) {
        const items: unknown[] = [];
        while (!o.empty()) items.push(o.getNowait());
        out.push(`${name} items=${formatItem(items)}`);
      } else {
        out.push(`${name} ${this.state(name)}`);
      }
    }
    return out;
  }

  /** What a `probe` of `name` shows: its public state. */
  state(name: string): string {
    const o = this.objects.get(name)!;
    if (o instanceof Lock || o instanceof Semaphore || o instanceof Condition) return `locked=${o.locked()}`;
    if (o instanceof Event) return `set=${o.isSet()}`;
    if (o instanceof Barrier) return `waiting=${o.nWaiting} broken=${o.broken}`;
    return `qsize=${o.qsize()} full=${o.full()}`;
  }

  *taskMain(i: number): Coroutine<number> {
    const spec = this.program.tasks[i]!;
    const ops = spec.ops;
    const held = new Map<string, number>();
    try {
      for (let k = 0; k < ops.length; k++) {
        try {
          yield* this.runOp(i, k, ops[k]!, held);
        } catch (e) {
          if (!(e instanceof CancelledError)) throw e;
          const task = currentTask()!;
          this.emit(i, k, `cancelled ${task.cancelling()}`);
          if (!spec.resilient) throw e;
          while (task.uncancel() > 0);
        }
      }
      this.emit(i, ops.length, 'end');
    } finally {
      // A generator the run gave up on is never resumed, so this runs only when the task ends.
      this.cleanup(i, ops.length, held);
    }
    // Its index is its result: what `asCompleted` traces.
    return i;
  }

  /** Releases what the task still holds, as `async with` blocks would. */
  cleanup(i: number, k: number, held: Map<string, number>): void {
    for (const key of [...held.keys()].sort()) {
      for (let n = held.get(key)!; n > 0; n--) {
        (this.objects.get(key) as Lock | Semaphore | Condition).release();
        this.emit(i, k, `cleanup ${key}`);
      }
    }
  }

  *runOp(i: number, k: number, op: Op | BlockingOp, held: Map<string, number>): Coroutine<void> {
    const name = 'obj' in op ? op.obj : '';
    const o = this.objects.get(name) as Primitive;
    switch (op.op) {
      case 'timeout':
        try {
          yield* timeout(op.ms, () => this.runOp(i, k, op.body, held));
        } catch (e) {
          if (!(e instanceof TimeoutError)) throw e;
          this.emit(i, k, 'timeout');
        }
        break;
      case 'waitFor':
        try {
          yield* waitFor(this.runOp(i, k, op.body, held), op.ms);
        } catch (e) {
          if (!(e instanceof TimeoutError)) throw e;
          this.emit(i, k, 'timeout');
        }
        break;
      case 'hold': {
        const prim = o as Lock | Semaphore | Condition;
        const body = (): Coroutine<void> => this.holdBody(i, k, op, held);
        if (op.style === 'holding') {
          yield* prim.holding(body);
        } else {
          using _held = yield* prim.hold();
          yield* body();
        }
        this.emit(i, k, `unheld ${name}`);
        break;
      }
      case 'waitTasks': {
        const [done, pending] = yield* wait(op.tasks.map((t) => this.tasks[t]!), { timeout: op.ms, returnWhen: op.returnWhen });
        this.emit(i, k, `waited done=${this.taskNames(done)} pending=${this.taskNames(pending)}`);
        break;
      }
      case 'asCompleted':
        yield* this.asCompleted(i, k, op);
        break;
      case 'sleep':
        yield* sleep(op.ms);
        this.emit(i, k, 'slept');
        break;
      case 'awaitTask':
        yield* this.tasks[op.task]!;
        this.emit(i, k, `awaited T${op.task}`);
        break;
      case 'cancel': {
        const r = this.tasks[op.task]!.cancel();
        this.emit(i, k, `cancel T${op.task} ${r}`);
        break;
      }
      case 'acquire': {
        const key = lockKey(this.program, name);
        yield* (o as Lock).acquire();
        held.set(key, (held.get(key) ?? 0) + 1);
        this.emit(i, k, `acquired ${name}`);
        break;
      }
      case 'release': {
        const key = lockKey(this.program, name);
        const h = held.get(key) ?? 0;
        if (h > 0) {
          if (h === 1) held.delete(key);
          else held.set(key, h - 1);
          (o as Lock).release();
          this.emit(i, k, `released ${name}`);
        } else {
          this.emit(i, k, `skip ${name}`);
        }
        break;
      }
      case 'wait':
        yield* this.wait(i, k, name, o, held);
        break;
      case 'set':
        (o as Event).set();
        this.emit(i, k, `set ${name}`);
        break;
      case 'clear':
        (o as Event).clear();
        this.emit(i, k, `clear ${name}`);
        break;
      case 'notify':
      case 'notifyAll':
        if ((held.get(lockKey(this.program, name)) ?? 0) === 0) {
          this.emit(i, k, `skip ${name}`);
        } else {
          if (op.op === 'notify') (o as Condition).notify(op.n);
          else (o as Condition).notifyAll();
          this.emit(i, k, `${op.op} ${name}`);
        }
        break;
      case 'put':
        try {
          yield* (o as Queue<unknown>).put(op.item);
          this.emit(i, k, `put ${name} ${formatItem(op.item)}`);
        } catch (e) {
          if (!(e instanceof QueueShutDown)) throw e;
          this.emit(i, k, `shut ${name}`);
        }
        break;
      case 'get':
        try {
          const v = yield* (o as Queue<unknown>).get();
          this.emit(i, k, `got ${name} ${formatItem(v)}`);
        } catch (e) {
          if (!(e instanceof QueueShutDown)) throw e;
          this.emit(i, k, `shut ${name}`);
        }
        break;
      case 'putNowait':
        try {
          (o as Queue<unknown>).putNowait(op.item);
          this.emit(i, k, `put ${name} ${formatItem(op.item)}`);
        } catch (e) {
          if (!(e instanceof QueueFull || e instanceof QueueShutDown)) throw e;
          this.emit(i, k, `${e instanceof QueueFull ? 'full' : 'shut'} ${name}`);
        }
        break;
      case 'getNowait':
        try {
          const v = (o as Queue<unknown>).getNowait();
          this.emit(i, k, `got ${name} ${formatItem(v)}`);
        } catch (e) {
          if (!(e instanceof QueueEmpty || e instanceof QueueShutDown)) throw e;
          this.emit(i, k, `${e instanceof QueueEmpty ? 'empty' : 'shut'} ${name}`);
        }
        break;
      case 'shutdown':
        (o as Queue<unknown>).shutdown(op.immediate);
        this.emit(i, k, `shutdown ${name}${op.immediate ? ' immediate' : ''}`);
        break;
      case 'probe':
        this.emit(i, k, `probe ${name} ${this.state(name)}`);
        break;
      case 'taskDone':
        try {
          (o as Queue<unknown>).taskDone();
          this.emit(i, k, `taskDone ${name}`);
        } catch (e) {
          if (!(e instanceof RangeError)) throw e;
          this.emit(i, k, `taskDone ${name} too-many`);
        }
        break;
      case 'join':
        yield* (o as Queue<unknown>).join();
        this.emit(i, k, `joined ${name}`);
        break;
      case 'abort':
      case 'reset':
        yield* (o as Barrier)[op.op]();
        this.emit(i, k, `${op.op} ${name}`);
        break;
    }
  }

  /** The body of a `hold`: the lock counts as held while it runs. */
  *holdBody(i: number, k: number, op: Extract<BlockingOp, { op: 'hold' }>, held: Map<string, number>): Coroutine<void> {
    const key = lockKey(this.program, op.obj);
    held.set(key, (held.get(key) ?? 0) + 1);
    try {
      this.emit(i, k, `holding ${op.obj}`);
      for (const sub of op.body) yield* this.runOp(i, k, sub, held);
    } finally {
      const h = held.get(key)! - 1;
      if (h === 0) held.delete(key);
      else held.set(key, h);
    }
  }

  taskNames(fs: Set<Future<number>>): string {
    return [...fs].map((f) => this.tasks.indexOf(f as Task<number>)).sort((a, b) => a - b).map((j) => `T${j}`).join(',') || '-';
  }

  /** Traces which tasks complete, grouped by the turn they were seen in (sorted within a turn, as asyncio_interp.py must). */
  *asCompleted(i: number, k: number, op: Extract<BlockingOp, { op: 'asCompleted' }>): Coroutine<void> {
    const task = currentTask()!;
    const seen: [number, string][] = [];
    let tail = '';
    try {
      for (const next of asCompleted(op.tasks.map((t) => this.tasks[t]!), { timeout: op.ms })) {
        let name: string;
        try {
          name = `T${yield* next}`;
        } catch (e) {
          if (!(e instanceof CancelledError) || task.cancelling() > 0) throw e;
          name = 'cancelled';
        }
        seen.push([this.loop.turn, name]);
      }
    } catch (e) {
      if (!(e instanceof TimeoutError)) throw e;
      tail = ' timeout';
    }
    const groups: [number, string[]][] = [];
    for (const [turn, name] of seen) {
      const last = groups[groups.length - 1];
      if (last !== undefined && last[0] === turn) last[1].push(name);
      else groups.push([turn, [name]]);
    }
    const text = groups.map(([turn, names]) => `${names.sort().join(',')}@${turn}`).join(' ') || '-';
    this.emit(i, k, `completed ${text}${tail}`);
  }

  *wait(i: number, k: number, name: string, o: Primitive, held: Map<string, number>): Coroutine<void> {
    if (o instanceof Event) {
      yield* o.wait();
      this.emit(i, k, `woke ${name}`);
    } else if (o instanceof Condition) {
      if ((held.get(lockKey(this.program, name)) ?? 0) === 0) {
        this.emit(i, k, `skip ${name}`);
        return;
      }
      yield* o.wait();
      this.emit(i, k, `notified ${name}`);
    } else {
      try {
        const index = yield* (o as Barrier).wait();
        this.emit(i, k, `passed ${name} ${index}`);
      } catch (e) {
        if (!(e instanceof BrokenBarrierError)) throw e;
        this.emit(i, k, `broken ${name}`);
      }
    }
  }
}
