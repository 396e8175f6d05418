/**
 * Throws a TypeError unless `value` is a number, and a RangeError unless it is
 * a safe integer (at most Number.MAX_SAFE_INTEGER) of at least `min`. Returns it. Counts given to primitives
 * (semaphore values, barrier parties) go through here.
 */
export function checkInteger(value: unknown, what: string, min: number): number {
  if (typeof value !== 'number') {
    throw new TypeError(`${what} must be a number, got ${value === null ? 'null' : typeof value}`);
  }
  if (!Number.isSafeInteger(value)) {
    // Above 2 ** 53, adding 1 changes nothing: a count there cannot be kept.
    throw new RangeError(`${what} must be a safe integer, got ${value}`);
  }
  if (value < min) throw new RangeError(`${what} must be >= ${min}, got ${value}`);
  return value;
}
