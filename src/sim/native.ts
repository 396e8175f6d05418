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
  step(c: object, ok?: boolean, value?: unknown): void;
}

const g = globalThis as { anyloopNative?: Native };
const native = g.anyloopNative;
delete g.anyloopNative;

/** XsLoop's turn (BaseLoop's `_runOnce`) in C. */
export const runOnce = native?.runOnce;

/** A task's step (coroutine.ts's `step`) in C. */
export const step = native?.step;
