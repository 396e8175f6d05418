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
  onHost(timer: object): void;
  arm(this: object): void;
  time(this: object): number;
  // The timers' section of native.c.
  soon(this: object, callback: (arg: any) => void, arg: object): void;
  at(this: object, when: number, callback: (arg: any) => void, arg: object): unknown;
  expireAt(this: object, entry: object): void;
  expireCancel(this: object, entry: object): void;
  resultLater(this: object, delayMs: number, fut: object): void;
  timedDone(this: object, fut: object): void;
  step(c: object, ok?: boolean, value?: unknown): void;
}

const g = globalThis as { anyloopNative?: Native };
const native = g.anyloopNative;
delete g.anyloopNative;

/** XsLoop's turn (BaseLoop's `_runOnce`) in C. */
export const runOnce = native?.runOnce;

/** XsLoop's host timer callback (`XsLoop._onHost`) in C. */
export const onHost = native?.onHost;
/** XsLoop's `_arm()` in C. */
export const arm = native?.arm;
/** XsLoop's `time()` in C. */
export const time = native?.time;
// The timers' section of native.c: BaseLoop's `_soon`, `_at`, `_expireAt` and `_expireCancel` in C.
export const soon = native?.soon;
export const at = native?.at;
export const expireAt = native?.expireAt;
export const expireCancel = native?.expireCancel;
export const resultLater = native?.resultLater;
export const timedDone = native?.timedDone;
/** A task's step (coroutine.ts's `step`) in C. */
export const step = native?.step;
