import { expect } from 'vitest';
import { CancelledError } from '../../src/index.js';
import type { Future } from '../../src/future/future.js';

/** Things that are not AbortSignals: a wait given any of them as its signal throws a TypeError. */
export const notSignals: readonly unknown[] = [
  null, {}, 'signal', { aborted: true }, { aborted: 'yes', addEventListener() {} },
];

/** Asserts that `fut` is already cancelled, before any loop turn, with `message` in its CancelledError. */
export function expectCancelledAtOnce(fut: Future<unknown>, message: string): void {
  expect(fut.done()).toBe(true);
  expect(fut.cancelled()).toBe(true);
  expect(() => fut.result()).toThrow(CancelledError);
  expect(() => fut.result()).toThrow(message);
}

/** Asserts that `wait(signal)` throws a TypeError for each of `notSignals`. */
export function expectTypeErrorForNonSignals(wait: (signal: never) => unknown): void {
  for (const signal of notSignals) expect(() => wait(signal as never), String(signal)).toThrow(TypeError);
}
