/**
 * The error classes of anyloop, one per asyncio exception. Each is a real
 * Error subclass with its own `name`, so `instanceof` and `err.name` both work.
 */

/** Thrown into a coroutine, or by `result()`, when a Future or Task was cancelled. */
export class CancelledError extends Error {
  override name = 'CancelledError';
}

/** An operation was attempted on a Future in the wrong state (done or pending). */
export class InvalidStateError extends Error {
  override name = 'InvalidStateError';
}

/** A deadline expired (`waitFor`, `timeout`). Its `cause` is the CancelledError that stopped the work. */
export class TimeoutError extends Error {
  override name = 'TimeoutError';
}

/** `getNowait()` on an empty queue. */
export class QueueEmpty extends Error {
  override name = 'QueueEmpty';
}

/** `putNowait()` on a full queue. */
export class QueueFull extends Error {
  override name = 'QueueFull';
}

/** A put on a queue that was shut down, or a get on one that is shut down and drained. */
export class QueueShutDown extends Error {
  override name = 'QueueShutDown';
}

/** A Barrier was reset or aborted while a task waited on it, or is broken. */
export class BrokenBarrierError extends Error {
  override name = 'BrokenBarrierError';
}

/** A resource (a pin, a ticker) was closed while a task waited on it, or was used after `close()`. */
export class ClosedError extends Error {
  override name = 'ClosedError';
}
