/** The shape of JavaScript's AggregateError: an Error carrying several errors. */
export interface AggregateErrorLike extends Error {
  errors: unknown[];
}

/** AggregateError for hosts that lack it (ES2021): same constructor, `errors` and `name`. */
class AggregateErrorFallback extends Error implements AggregateErrorLike {
  errors: unknown[];

  constructor(errors: Iterable<unknown>, message?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.errors = Array.from(errors);
  }
}
Object.defineProperty(AggregateErrorFallback.prototype, 'name', { value: 'AggregateError', writable: true, configurable: true });

/** @internal The host's AggregateError, else the fallback. */
export function aggregateErrorClass(): new (errors: Iterable<unknown>, message?: string) => AggregateErrorLike {
  const Host = (globalThis as { AggregateError?: new (errors: Iterable<unknown>, message?: string) => AggregateErrorLike }).AggregateError;
  return typeof Host === 'function' ? Host : AggregateErrorFallback;
}
