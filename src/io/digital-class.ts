/**
 * The ECMA-419 Digital class that DigitalIn and DigitalOut drive, passed in
 * as the `io` option: Moddable's `embedded:io/digital` on a device, the
 * simulator's Digital on the desktop, or any class with the same shape.
 */
export interface DigitalClass {
  new (options: DigitalClassOptions): DigitalPort;
  readonly Input: unknown;
  readonly Output: unknown;
  readonly Rising: number;
  readonly Falling: number;
}

/** The constructor options DigitalIn and DigitalOut pass. */
export interface DigitalClassOptions {
  pin: number;
  mode: never;
  edge?: number;
  /** Called after a selected edge, with `this` = the instance (ECMA-419). */
  onReadable?: (this: { target?: unknown }) => void;
  /** Kept by the instance as its `target` property (ECMA-419): what `onReadable` acts on. */
  target?: unknown;
}

/** An open Digital instance. */
export interface DigitalPort {
  /** The pin's level, 0 or 1. */
  read(): number;
  /** Drives the pin to `value`. */
  write(value: 0 | 1): void;
  /** Releases the pin. */
  close(): void;
}

/** Throws a TypeError unless `io` looks like an ECMA-419 Digital class. */
export function checkDigitalClass(io: unknown): DigitalClass {
  const c = io as { Rising?: unknown; Falling?: unknown; Input?: unknown; Output?: unknown } | null;
  if (typeof io !== 'function' || typeof c!.Rising !== 'number' || typeof c!.Falling !== 'number' || c!.Input === undefined || c!.Output === undefined) {
    throw new TypeError('io must be an ECMA-419 Digital class (import Digital from "embedded:io/digital")');
  }
  return c as DigitalClass;
}

/** A level read from a pin: 1 for any non-zero reading. */
export function levelOf(reading: number): 0 | 1 {
  return reading ? 1 : 0;
}
