/**
 * The errors of the streams, one per asyncio stream exception (plus the one
 * an ECMA-419 `onError` becomes). Names are defined on each prototype, as in
 * contract/errors.ts, so a frozen Error.prototype on Moddable does not trip
 * the override mistake.
 */

/** `readexactly(n)` met the end of the stream first. `partial` holds the bytes read, which left the buffer. */
export class IncompleteReadError extends Error {
  static {
    Object.defineProperty(this.prototype, 'name', { value: 'IncompleteReadError', writable: true, configurable: true });
  }

  /** The bytes there were before the end of the stream. */
  readonly partial: Uint8Array;
  /** The count that was asked for; null for `readuntil()`. */
  readonly expected: number | null;

  constructor(partial: Uint8Array, expected: number | null) {
    super(expected === null ? `${partial.length} bytes read before the separator` : `${partial.length} bytes read on a total of ${expected} expected bytes`);
    this.partial = partial;
    this.expected = expected;
  }
}

/**
 * The separator was not found within the reader's limit (or was found past
 * it). The bytes stay in the buffer (except after `readline()`, which drops
 * them as asyncio does); `consumed` is how many to take to get past them.
 */
export class LimitOverrunError extends Error {
  static {
    Object.defineProperty(this.prototype, 'name', { value: 'LimitOverrunError', writable: true, configurable: true });
  }

  /** The bytes to read to get past the overrun. */
  readonly consumed: number;

  constructor(message: string, consumed: number) {
    super(message);
    this.consumed = consumed;
  }
}

/** The IO instance called `onError` (a refused, reset or dropped TCP connection): it is no longer usable. */
export class ConnectionError extends Error {
  static {
    Object.defineProperty(this.prototype, 'name', { value: 'ConnectionError', writable: true, configurable: true });
  }
}
