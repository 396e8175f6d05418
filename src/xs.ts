/**
 * anyloop for the Moddable SDK's XS engine (ESP32 and every Moddable host):
 * the XsLoop, GPIO inputs and outputs whose edges tasks await, an
 * interrupt-safe flag, a drift-free interval, and asyncio streams over
 * ECMA-419 serial ports and TCP sockets. Everything else (Future,
 * the primitives, Queue, tasks) comes from `anyloop`.
 * @packageDocumentation
 * @module anyloop/xs
 */
export { XsLoop, type XsLoopOptions, type XsTimer, type XsTime } from './loops/xs/xs-loop.js';
export { InterruptFlag } from './primitives/interrupt-flag.js';
export { interval, Interval, type IntervalOptions, type Tick } from './tasks/interval.js';
export { ClosableIterator } from './future/closable-iterator.js';
export { DigitalIn, type DigitalInOptions, type EdgeEvent, type EdgeKind } from './io/digital-in.js';
export { DigitalOut, type DigitalOutOptions } from './io/digital-out.js';
export type { DigitalClass, DigitalClassOptions, DigitalPort } from './io/digital-class.js';
export { ClosedError } from './contract/errors.js';
export { openSerial, openConnection, type StreamOptions, type ConnectionOptions, type Streams } from './io/open-stream.js';
export { StreamReader, DEFAULT_LIMIT } from './io/stream-reader.js';
export { StreamWriter, DEFAULT_HIGH_WATER } from './io/stream-writer.js';
export { IncompleteReadError, LimitOverrunError, ConnectionError } from './io/stream-errors.js';
export { decodeText, encodeText } from './io/text.js';
export type { ByteStreamClass, ByteStreamOptions, ByteStreamPort } from './io/byte-stream.js';
