/**
 * The error classes of anyloop, one per asyncio exception. Each is a real
 * Error subclass with its own `name`, so `instanceof` and `err.name` both work.
 *
 * `name` is defined on each prototype, never assigned: a Moddable build
 * freezes `Error.prototype` after preload, and assigning a property that a
 * frozen prototype holds throws in strict code (the "override mistake").
 * A static block keeps each definition with its class, so unused classes
 * are still tree-shaken.
 */

/** Thrown into a coroutine, or by `result()`, when a Future or Task was cancelled. */
export class CancelledError extends Error {
  static {
    Object.defineProperty(this.prototype, 'name', { value: 'CancelledError', writable: true, configurable: true });
  }
}

/** An operation was attempted on a Future in the wrong state (done or pending). */
export class InvalidStateError extends Error {
  static {
    Object.defineProperty(this.prototype, 'name', { value: 'InvalidStateError', writable: true, configurable: true });
  }
}

/** A deadline expired (`waitFor`, `timeout`). Its `cause` is the CancelledError that stopped the work. */
export class TimeoutError extends Error {
  static {
    Object.defineProperty(this.prototype, 'name', { value: 'TimeoutError', writable: true, configurable: true });
  }
}

/** `getNowait()` on an empty queue. */
export class QueueEmpty extends Error {
  static {
    Object.defineProperty(this.prototype, 'name', { value: 'QueueEmpty', writable: true, configurable: true });
  }
}

/** `putNowait()` on a full queue. */
export class QueueFull extends Error {
  static {
    Object.defineProperty(this.prototype, 'name', { value: 'QueueFull', writable: true, configurable: true });
  }
}

/** A put on a queue that was shut down, or a get on one that is shut down and drained. */
export class QueueShutDown extends Error {
  static {
    Object.defineProperty(this.prototype, 'name', { value: 'QueueShutDown', writable: true, configurable: true });
  }
}

/** A Barrier was reset or aborted while a task waited on it, or is broken. */
export class BrokenBarrierError extends Error {
  static {
    Object.defineProperty(this.prototype, 'name', { value: 'BrokenBarrierError', writable: true, configurable: true });
  }
}

/** A resource (a pin, a ticker) was closed while a task waited on it, or was used after `close()`. */
export class ClosedError extends Error {
  static {
    Object.defineProperty(this.prototype, 'name', { value: 'ClosedError', writable: true, configurable: true });
  }
}
