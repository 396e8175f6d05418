/**
 * The simulator's `anyloop/native` module: the C functions of
 * src/moddable/native.c, which the device worker is built with (as a device
 * build links them) and hands over in a global that this module takes away
 * (a Moddable app has no such global). In Node they are undefined, and
 * XsLoop keeps its TypeScript turn: the simulator's two engines then check
 * the C against the TypeScript, trace for trace.
 * @internal
 * @module
 */

/** The C functions, as native.js declares them. */
interface Native {
  runOnce(this: object, limit?: number): void;
  complete(this: object, state: number, value: unknown, inline: boolean): void;
  futureIterator(this: object): unknown;
  futureNext(this: object): unknown;
  resume(waiter: object): void;
  wake(this: object): boolean;
  waitNext(this: object): unknown;
}

const g = globalThis as { anyloopNative?: Native };
const native = g.anyloopNative;
delete g.anyloopNative;

/** XsLoop's turn (BaseLoop's `_runOnce`) in C. */
export const runOnce = native?.runOnce;

/** Future's `_complete` and `[Symbol.iterator]`, FutureIterator's `next`, Waiter's `_wake`, FutureWait's `next`, in C. */
export const complete = native?.complete;
export const futureIterator = native?.futureIterator;
export const futureNext = native?.futureNext;
export const wake = native?.wake;
export const waitNext = native?.waitNext;
/** A waiter's loop callback (waiter.ts's `resume`), in C. */
export const resume = native?.resume;
