/**
 * Throws a TypeError unless `value` is a number, and a RangeError unless it is
 * an integer of at least `min`. Returns it. Counts given to primitives
 * (semaphore values, barrier parties) go through here.
 */
export function checkInteger(value: unknown, what: string, min: number): number {
  if (typeof value !== 'number') {
    throw new TypeError(`${what} must be a number, got ${value === null ? 'null' : typeof value}`);
  }
  if (!Number.isInteger(value)) throw new RangeError(`${what} must be an integer, got ${value}`);
  if (value < min) throw new RangeError(`${what} must be >= ${min}, got ${value}`);
  return value;
}
