import { ClosedError } from '../contract/errors.js';
import type { TimerHandle } from '../contract/handle.js';
import { checkLoop, type Loop, type MaybeAt, type TimerLoop } from '../contract/loop.js';
import { PENDING, failedFuture, resolvedFuture, type Future } from '../future/future.js';
import { Ring } from '../future/ring.js';
import { abortedWait, bindSignal, type WaitOptions } from '../future/signal.js';
import { Waiter, WOKEN } from '../future/waiter.js';
import { removeItem } from '../primitives/loop-bound.js';
import { addWaiter, dropWaiter, waiterList, type Waiters } from '../primitives/waiters.js';
import { ClosableIterator } from '../future/closable-iterator.js';
import { currentLoop } from '../tasks/task.js';
import { requireTimerLoop } from '../tasks/timer-loop.js';
import { checkDigitalClass, levelOf, type DigitalClass, type DigitalPort } from './digital-class.js';

/** Which level changes of the pin count as edges. */
export type EdgeKind = 'rising' | 'falling' | 'both';

/** An edge: the pin's new level and the loop time it was seen at. */
export interface EdgeEvent {
  readonly value: 0 | 1;
  readonly time: number;
}

/** Options of the DigitalIn constructor. */
export interface DigitalInOptions {
  /** The GPIO number. */
  pin: number;
  /** The edges to report. */
  edge: EdgeKind;
  /** The ECMA-419 Digital class (`import Digital from "embedded:io/digital"`). */
  io: DigitalClass;
  /** A Digital input mode, e.g. `Digital.InputPullUp` (default `Digital.Input`). */
  mode?: unknown;
  /** Milliseconds the level must stay put before a change counts (default 0: no debounce). */
  debounce?: number;
  /** Edges kept for tasks that have not asked yet (default 8); beyond it the oldest is dropped and counted. */
  buffer?: number;
  /** The loop (a TimerLoop); the current task's loop, else the default loop, when omitted. */
  loop?: Loop;
}

/**
 * A digital input whose edges tasks await.
 *
 * Moddable's GPIO interrupts coalesce (`onReadable` says "something
 * changed", with no count and no time), so DigitalIn asks for both edges,
 * reads the level and the loop time in `onReadable`, and works out the
 * edges itself. Without debounce, two changes seen as one (a pulse shorter
 * than the host's reaction) are reported as the two edges they were. With
 * `debounce`, each change restarts a loop timer and a change counts only once
 * the level has held still that long: a bouncing contact yields exactly one
 * edge, timed when the contact settled.
 *
 * Edges nobody waits for are kept in a bounded buffer; when it is full the
 * oldest is dropped and `overflows` counts it. `edge()` takes the next edge,
 * `edges()` iterates them (async functions and generator coroutines alike),
 * `waitFor(level)` waits for a level. `close()` releases the pin; waiting
 * tasks fail with ClosedError and iterations end.
 */
export class DigitalIn implements AsyncIterable<EdgeEvent> {
  /** The GPIO number. */
  readonly pin: number;
  /** The edges reported. */
  readonly kind: EdgeKind;
  /** @internal Edges dropped so far (declared: no XS slot until the first). */
  declare _overflows?: number;
  /** @internal */ readonly _loop: TimerLoop;
  /** @internal */ readonly _port: DigitalPort;
  /** @internal */ readonly _debounce: number;
  /** @internal The buffer's capacity, when not the default (declared: no XS slot at the default). */
  declare readonly _capacity?: number;
  /** @internal Edges not yet taken. */
  readonly _buffer = new Ring<EdgeEvent>(4);
  /** @internal No array for a lone waiter (see Waiters). */ _edgeWaiters: Waiters<EdgeWaiter> = null;
  /** @internal Unset until the first waitFor(): an input nobody waits a level on does not pay its XS slots. */
  declare _levelWaiters?: LevelWaiter[];
  /** @internal The debounced level. */
  _stable: 0 | 1;
  // The debounce fields are set by the first change: an input without
  // debounce never pays their XS slots.
  /** @internal When the last change was seen: the level must hold still until `debounce` ms after it to count. */
  declare _lastChange: number;
  /** @internal The debounce timer. */
  declare _timer?: TimerHandle | null;
  /** @internal True once closed (declared: no XS slot while open). */
  declare _closed?: boolean;

  constructor(options: DigitalInOptions) {
    if (options === null || typeof options !== 'object') throw new TypeError('DigitalIn needs options { pin, edge, io }');
    const io = checkDigitalClass(options.io);
    const { pin, edge, debounce = 0, buffer = BUFFER } = options;
    if (edge !== 'rising' && edge !== 'falling' && edge !== 'both') {
      throw new TypeError(`edge must be 'rising', 'falling' or 'both', got ${String(edge)}`);
    }
    if (typeof debounce !== 'number' || !Number.isFinite(debounce) || debounce < 0) {
      throw new RangeError(`debounce must be a non-negative number of ms, got ${String(debounce)}`);
    }
    if (!Number.isInteger(buffer) || buffer < 1) throw new RangeError(`buffer must be a positive integer, got ${String(buffer)}`);
    const loop = options.loop === undefined ? currentLoop() : checkLoop(options.loop);
    this._loop = requireTimerLoop(loop, 'DigitalIn');
    this.pin = pin;
    this.kind = edge;
    this._debounce = debounce;
    if (buffer !== BUFFER) this._capacity = buffer;
    // Both edges, always: the level is tracked here, whatever edges are reported.
    // A shared callback that finds the input as its port's `target` (ECMA-419), not a closure per input: 9 XS slots less.
    this._port = new io({
      pin,
      mode: (options.mode ?? io.Input) as never,
      edge: io.Rising | io.Falling,
      onReadable: DigitalIn._portReadable,
      target: this,
    });
    this._stable = levelOf(this._port.read());
  }

  /** The pin's level now, as the hardware reads it (bouncing included). */
  read(): 0 | 1 {
    this._checkOpen();
    return levelOf(this._port.read());
  }

  /** The debounced level: the level of the last edge (reported or not). */
  get value(): 0 | 1 {
    return this._stable;
  }

  /** Edges dropped because the buffer was full. */
  get overflows(): number {
    return this._overflows ?? 0;
  }

  /** Edges waiting in the buffer. */
  get buffered(): number {
    return this._buffer.length;
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this._closed === true;
  }

  /** The next edge: a buffered one at once, else the next to come. Fails with ClosedError once closed. */
  edge(options?: WaitOptions): Future<EdgeEvent> {
    const aborted = options && abortedWait<EdgeEvent>(this._loop, options);
    if (aborted) return aborted;
    if (this._closed) return this._failed();
    if (this._buffer.length > 0 && waiterList(this._edgeWaiters).every(isCancelled)) return resolvedFuture(this._loop, this._buffer.shift()!);
    const w = new EdgeWaiter(this, this._loop);
    const waiters = this._edgeWaiters;
    // The lone waiter inline: a call less per wait (XS counts each).
    this._edgeWaiters = waiters === null ? w : addWaiter(waiters, w);
    // No signal, no call (XS counts each), as the primitives' waits do.
    return options === undefined ? w : bindSignal(w, options);
  }

  /**
   * The edges as an iterator that ends when the pin is closed (see
   * ClosableIterator). Once `options.signal` aborts, it fails with
   * CancelledError, and an edge it was woken for stays buffered.
   */
  edges(options?: WaitOptions): ClosableIterator<EdgeEvent> {
    return new ClosableIterator((o) => this.edge(o), this._loop, options);
  }

  /** `for await (const e of pin)`: the same as `edges()`. */
  [Symbol.asyncIterator](): AsyncIterator<EdgeEvent, undefined> {
    return this.edges()[Symbol.asyncIterator]();
  }

  /**
   * Resolves once the debounced level is `level`: at once (with the current
   * time) when it already is, else with the edge that brings it. Level waits
   * take nothing from the edge buffer.
   */
  waitFor(level: 0 | 1, options?: WaitOptions): Future<EdgeEvent> {
    if (level !== 0 && level !== 1) throw new RangeError(`waitFor() needs a level of 0 or 1, got ${String(level)}`);
    const aborted = options && abortedWait<EdgeEvent>(this._loop, options);
    if (aborted) return aborted;
    if (this._closed) return this._failed();
    if (this._stable === level) return resolvedFuture(this._loop, { value: level, time: this._loop.time() });
    const w = new LevelWaiter(this, this._loop, level);
    (this._levelWaiters ??= []).push(w);
    return bindSignal(w, options);
  }

  /** Releases the pin: waiting tasks fail with ClosedError, iterations end. Idempotent. */
  close(): void {
    if (this._closed) return;
    this._closed = true;
    this._timer?.cancel();
    this._timer = null;
    this._port.close();
    for (const w of waiterList(this._edgeWaiters)) w._closeWake();
    for (const w of this._levelWaiters ?? NO_LEVEL_WAITERS) w._closeWake();
  }

  /**
   * @internal The port's `onReadable`, shared by every input (anyloop/xs
   * puts the C one here on XS: no JavaScript frame per interrupt).
   */
  static _portReadable: (this: { target?: unknown }) => void = onReadable;

  /** @internal The host says the pin changed (maybe more than once). Runs outside the loop; never throws. */
  _onReadable(): void {
    if (this._closed) return;
    const loop: MaybeAt = this._loop;
    try {
      const now = loop.time();
      if (this._debounce > 0) {
        // The level is read once it has held still (settle): a bouncing contact costs no read per change.
        this._lastChange = now;
        if (this._timer == null) {
          this._timer = loop._at !== undefined ? loop._at(now + this._debounce, settle, this) : loop.callAt(now + this._debounce, settle, this);
        }
        return;
      }
      const level = levelOf(this._port.read());
      if (level !== this._stable) {
        this._change(level, now);
      } else {
        // Two changes coalesced into one notification: a pulse, seen only at its ends.
        this._change(level === 1 ? 0 : 1, now);
        this._change(level, now);
      }
    } catch (exception) {
      this._readableFailed(exception);
    }
  }

  /** @internal `_onReadable` failed (the loop's clock, its timer): the loop's handler hears of it. */
  _readableFailed(exception: unknown): void {
    this._loop.callExceptionHandler({ message: `Exception in DigitalIn onReadable (pin ${this.pin})`, exception });
  }

  /** @internal A debounced level change: wake level waiters, buffer the edge if it is reported. */
  _change(level: 0 | 1, time: number): void {
    this._stable = level;
    const event: EdgeEvent = { value: level, time };
    for (const w of this._levelWaiters ?? NO_LEVEL_WAITERS) if (w._level === level) w._deliver(event);
    if (this.kind !== 'both' && (this.kind === 'rising') !== (level === 1)) return;
    const buffer = this._buffer;
    if (buffer.length === (this._capacity ?? BUFFER)) {
      buffer.shift();
      this._overflows = (this._overflows ?? 0) + 1;
    }
    buffer.push(event);
    this._wakeEdgeWaiters();
  }

  /** @internal Wakes waiting tasks while there are more buffered edges than woken tasks to take them. */
  _wakeEdgeWaiters(): void {
    const waiters = waiterList(this._edgeWaiters);
    let woken = 0;
    for (const w of waiters) if (w._state === WOKEN) woken++;
    for (const w of waiters) {
      if (woken >= this._buffer.length) return;
      if (w._wake()) woken++;
    }
  }

  private _failed(): Future<EdgeEvent> {
    return failedFuture(this._loop, closedError(this.pin));
  }

  private _checkOpen(): void {
    if (this._closed) throw closedError(this.pin);
  }
}

/** The default capacity of the edge buffer. */
const BUFFER = 8;

const NO_LEVEL_WAITERS: LevelWaiter[] = Object.freeze([]) as unknown as LevelWaiter[];

/** The port's `onReadable`: ECMA-419 calls it with `this` = the port, whose `target` is the DigitalIn. */
function onReadable(this: { target?: unknown }): void {
  (this.target as DigitalIn)._onReadable();
}

/** @internal The debounce timer: once the level held still for `debounce` ms, a change counts. */
export function settle(d: DigitalIn): void {
  d._timer = null;
  if (d._closed) return;
  const deadline = d._lastChange + d._debounce;
  const loop: MaybeAt = d._loop;
  if (loop.time() < deadline) {
    d._timer = loop._at !== undefined ? loop._at(deadline, settle, d) : loop.callAt(deadline, settle, d);
    return;
  }
  const level = levelOf(d._port.read());
  if (level !== d._stable) d._change(level, d._lastChange);
}

function isCancelled(w: EdgeWaiter): boolean {
  return w._wCancelled();
}

function closedError(pin: number): ClosedError {
  return new ClosedError(`DigitalIn on pin ${pin} was closed`);
}

class EdgeWaiter extends Waiter<EdgeEvent, DigitalIn> {
  /** @internal Woken by close(), not by an edge (declared: no XS slot otherwise). */
  declare _byClose?: boolean;

  // Explicit: XS runs an implicit derived constructor as `super(...args)`, about 80 computrons more per edge wait.
  constructor(owner: DigitalIn, loop: Loop) {
    super(owner, loop);
  }

  _closeWake(): void {
    if (this._state === PENDING) {
      this._byClose = true;
      this._wake();
    }
  }

  _resume(): void {
    const d = this._owner;
    d._edgeWaiters = dropWaiter(d._edgeWaiters, this);
    if (this._cancelRequested()) {
      // Woken for an edge and then cancelled: the edge stays buffered for the next waiter.
      if (!d._closed) d._wakeEdgeWaiters();
      this._cancelNow();
    } else if (this._byClose) {
      this._completeException(closedError(d.pin), true);
    } else {
      this._finish(d._buffer.shift()!);
    }
  }
}

class LevelWaiter extends Waiter<EdgeEvent, DigitalIn> {
  /** @internal The level waited for. */
  readonly _level: 0 | 1;
  /** @internal The edge that brought it; null when woken by close(). */
  _event: EdgeEvent | null = null;

  constructor(owner: DigitalIn, loop: Loop, level: 0 | 1) {
    super(owner, loop);
    this._level = level;
  }

  _deliver(event: EdgeEvent): void {
    if (this._state === PENDING) {
      this._event = event;
      this._wake();
    }
  }

  _closeWake(): void {
    this._wake();
  }

  _resume(): void {
    removeItem(this._owner._levelWaiters!, this);
    if (this._cancelRequested()) this._cancelNow();
    else if (this._event !== null) this._finish(this._event);
    else this._completeException(closedError(this._owner.pin), true);
  }
}
