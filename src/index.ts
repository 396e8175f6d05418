/**
 * anyloop: asyncio's Future, synchronization primitives, queues and tasks for
 * any event loop that implements the three-method contract.
 * @packageDocumentation
 * @module anyloop
 */
export type { Loop, TimerLoop, ExceptionContext, ExceptionHandler } from './contract/loop.js';
export { isTimerLoop } from './contract/loop.js';
export { Handle, TimerHandle, type TimerOwner } from './contract/handle.js';
export { BaseLoop } from './loops/base.js';
export type { ReadyQueue } from './loops/ready-queue.js';
export type { Ring } from './future/ring.js';
export type { TimerHeap } from './loops/timer-heap.js';
export { getEventLoop, setEventLoop } from './contract/default-loop.js';
export {
  CancelledError, InvalidStateError, TimeoutError, QueueEmpty, QueueFull, QueueShutDown, BrokenBarrierError,
} from './contract/errors.js';
export { Future, isThenable, type DoneCallback, type FutureOptions } from './future/future.js';
export { delegate, type Coroutine } from './future/coroutine.js';
export type { AbortSignalLike, WaitOptions } from './future/signal.js';
export type { PrimitiveOptions } from './primitives/loop-bound.js';
export { Event } from './primitives/event.js';
export { Lock } from './primitives/lock.js';
export { Semaphore, BoundedSemaphore } from './primitives/semaphore.js';
export { Condition } from './primitives/condition.js';
export { Barrier } from './primitives/barrier.js';
export type { Held, Holdable } from './primitives/hold.js';
export { Queue } from './primitives/queue.js';
export { LifoQueue } from './primitives/lifo-queue.js';
export { PriorityQueue, type Compare } from './primitives/priority-queue.js';
export { Task, createTask, currentTask, allTasks, type TaskFunction, type TaskOptions } from './tasks/task.js';
export { sleep, type SleepOptions } from './tasks/sleep.js';
export { Timeout, timeout, timeoutAt } from './tasks/timeout.js';
export { Scope, type ScopeBody, type ScopeOptions } from './tasks/scope.js';
export { waitFor, type WaitForOptions } from './tasks/wait-for.js';
export type { AwaitableCoroutine } from './tasks/awaitable-coroutine.js';
export { wait, type ReturnWhen, type WaitManyOptions, type WaitResult } from './tasks/wait.js';
export { asCompleted, AsCompleted, type AsCompletedOptions } from './tasks/as-completed.js';
export { ensureFuture, type Awaitable, type EnsureFutureOptions } from './tasks/ensure-future.js';
export { gather, type GatherOptions, type GatherResults } from './tasks/gather.js';
export { shield } from './tasks/shield.js';
export { TaskGroup } from './tasks/task-group.js';
export type { AggregateErrorLike } from './tasks/aggregate-error.js';
export { run, type RunOptions, type RunnableLoop, type SyncRunnableLoop, type AsyncRunnableLoop } from './tasks/run.js';
