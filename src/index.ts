/**
 * anyloop: asyncio's Future, synchronization primitives, queues and tasks for
 * any event loop that implements the three-method contract.
 * @packageDocumentation
 */
export type { Loop, TimerLoop, ExceptionContext, ExceptionHandler } from './contract/loop.js';
export { isTimerLoop } from './contract/loop.js';
export { Handle, TimerHandle } from './contract/handle.js';
export { getEventLoop, setEventLoop } from './contract/default-loop.js';
export {
  CancelledError, InvalidStateError, TimeoutError, QueueEmpty, QueueFull, QueueShutDown, BrokenBarrierError,
} from './contract/errors.js';
export { Future, isThenable, type DoneCallback, type FutureOptions } from './future/future.js';
export type { Coroutine } from './future/coroutine.js';
export type { AbortSignalLike, WaitOptions } from './future/signal.js';
export type { PrimitiveOptions } from './primitives/loop-bound.js';
export { Event } from './primitives/event.js';
export { Lock } from './primitives/lock.js';
export { Semaphore, BoundedSemaphore } from './primitives/semaphore.js';
export { Condition } from './primitives/condition.js';
export { Barrier } from './primitives/barrier.js';
export { Queue } from './primitives/queue.js';
export { LifoQueue } from './primitives/lifo-queue.js';
export { PriorityQueue, type Compare } from './primitives/priority-queue.js';
