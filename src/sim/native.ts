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

/** The C functions, as native.js declares them (see there what each replaces). */
interface Native {
  runOnce(this: object, limit?: number): void;
  onHost(timer: object): void;
  arm(this: object): void;
  time(this: object): number;
  soon(this: object, callback: (arg: any) => void, arg: object): void;
  at(this: object, when: number, callback: (arg: any) => void, arg: object): unknown;
  expireAt(this: object, entry: object): void;
  expireCancel(this: object, entry: object): void;
  resultLater(this: object, delayMs: number, fut: object): void;
  timedDone(this: object, fut: object): void;
  step(c: object, ok?: boolean, value?: unknown): void;
  complete(this: object, state: number, value: unknown, inline: boolean): void;
  futureIterator(this: object): unknown;
  futureNext(this: object): unknown;
  resume(waiter: object): void;
  wake(this: object): boolean;
  waitNext(this: object): unknown;
  digitalReadable(this: object): void;
  portReadable(this: object): void;
  eventWait(this: object, options?: object): unknown;
  queueGet(this: object, options?: object): unknown;
  intervalTick(this: object, options?: object): unknown;
  queuePut(this: object, item: unknown, options?: object): unknown;
}

const g = globalThis as { anyloopNative?: Native };
const native = g.anyloopNative;
delete g.anyloopNative;

// XsLoop's
export const runOnce = native?.runOnce;
export const onHost = native?.onHost;
export const arm = native?.arm;
export const time = native?.time;
export const soon = native?.soon;
export const at = native?.at;
export const expireAt = native?.expireAt;
export const expireCancel = native?.expireCancel;
export const resultLater = native?.resultLater;
export const timedDone = native?.timedDone;
// Tasks'
export const step = native?.step;
// Futures'
export const complete = native?.complete;
export const futureIterator = native?.futureIterator;
export const futureNext = native?.futureNext;
export const resume = native?.resume;
export const wake = native?.wake;
export const waitNext = native?.waitNext;
// DigitalIn's
export const digitalReadable = native?.digitalReadable;
export const portReadable = native?.portReadable;
// The waits that make a waiter
export const eventWait = native?.eventWait;
export const queueGet = native?.queueGet;
export const intervalTick = native?.intervalTick;
export const queuePut = native?.queuePut;
