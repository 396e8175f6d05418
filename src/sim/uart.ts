/**
 * A UART of the simulated ESP32 and the wire to the device on it, as the
 * hardware behaves under Moddable's `embedded:io/serial`
 * (modules/io/serial/esp32/serial.c): 8N1 frames at the baud rate, a 128-byte
 * RX FIFO (the scenario may say otherwise) that loses the bytes arriving
 * while it is full, a 128-byte TX FIFO that drains at the baud rate.
 *
 * Interrupts, as serial.c sets them up: RX when the FIFO reaches its full
 * threshold (120 of 128 bytes) or when the line has been idle for 4 symbols
 * (`uart_set_rx_timeout(uart, 4)`) with bytes waiting; the ISR disables RX
 * interrupts and posts one message, and they are enabled again (pending
 * status cleared) after `onReadable` and by each `read()`. TX once fewer
 * than 10 bytes (kTransmitTreshold) wait, armed by the constructor and by
 * each `write()`, so `onWritable` comes once per write burst. A message lost
 * to a full host queue leaves its flag set, and no other is posted for it,
 * as on the device.
 *
 * Times on a wire are counted in 1/baud ms, so that they are whole numbers:
 * a bit lasts 1000 of them, a byte 10,000.
 */
import type { SimBoard } from './board.js';

/** Units of wire time per bit (a unit is 1/baud ms). */
export const UNITS_PER_BIT = 1000;
const UNITS_PER_BYTE = 10 * UNITS_PER_BIT;
/** The ESP32's TX FIFO, in bytes. */
export const TX_FIFO = 128;
/** serial.c's kTransmitTreshold: onWritable once fewer bytes than this wait. */
const TX_THRESHOLD = 10;
/** uart_set_rx_timeout(uart, 4): four symbols of about 11 bits. */
const RX_TIMEOUT = 4 * 11 * UNITS_PER_BIT;
/** The RX FIFO-full interrupt fires this many bytes before the FIFO is full (ESP-IDF's 120 of 128). */
const FULL_MARGIN = 8;

/** The device on a UART, from the scenario. */
export interface UartPeerSetup {
  baud: number;
  receive: number;
  transmit: number;
  fifo: number;
  label: string;
}

/** What an open Serial instance gives its UART. */
export interface UartClient {
  baud: number;
  receive: number | undefined;
  transmit: number | undefined;
  onReadable: ((count: number) => void) | null;
  onWritable: ((count: number) => void) | null;
}

interface Segment {
  start: number;
  bytes: Uint8Array;
  /** Bytes of it that have arrived. */
  i: number;
}

/** One UART of the board (see the module documentation). */
export class SimUart {
  readonly link: string;
  private _peer: UartPeerSetup | null = null;
  private _client: UartClient | null = null;
  private readonly _segs: Segment[] = [];
  private _wireEnd = 0;
  private readonly _fifo: number[] = [];
  private _lastArrival = -Infinity;
  private _clearedAt = -Infinity;
  private _rawRx = false;
  private _rxEnabled = false;
  private _txEnd = 0;
  private _txArmed = false;
  private _readable = false;
  private _writable = false;
  private _lost = 0;
  private _lostFrom = 0;
  private _dropped = 0;
  private _mismatch = false;
  private _gen = 0;
  private _scheduled = Infinity;

  constructor(readonly board: SimBoard, readonly port: number) {
    this.link = `uart:${port}`;
  }

  /** The device wired to this UART (set by the driver before the app runs). */
  set peer(peer: UartPeerSetup) {
    this._peer = peer;
  }

  /** Whether a Serial instance has the UART. */
  get open(): boolean {
    return this._client !== null;
  }

  /** The peer puts `bytes` on the RX line now, after what it is still sending. */
  peerSend(bytes: Uint8Array): void {
    const peer = this._peer;
    if (peer === null || bytes.length === 0) return;
    const start = Math.max(this.board.now * peer.baud, this._wireEnd);
    this._wireEnd = start + bytes.length * UNITS_PER_BYTE;
    this._segs.push({ start, bytes, i: 0 });
    this.board._link({ t: this.board.now, link: this.link, dir: 'rx', bytes, start });
    this._update();
  }

  /** @internal A Serial instance takes the UART. Throws RangeError "port in use" when one has it. */
  _open(client: UartClient): void {
    if (this._client !== null) throw new RangeError('port in use');
    this._sync();
    this._flushNotes();
    this._client = client;
    const peer = this._peer;
    // A pin the app does not use is no mismatch (a GPS the board only listens to).
    this._mismatch = peer !== null && (client.baud !== peer.baud ||
      (client.receive !== undefined && client.receive !== peer.receive) || (client.transmit !== undefined && client.transmit !== peer.transmit));
    if (this._mismatch) {
      this.board._link({
        t: this.board.now, link: this.link, what: 'mismatch',
        note: `the app opened UART${this.port} at ${client.baud} baud on RX ${pinText(client.receive)} TX ${pinText(client.transmit)}; ` +
          `${peer!.label} is wired at ${peer!.baud} baud to RX GPIO${peer!.receive} TX GPIO${peer!.transmit}: nothing gets through`,
      });
    }
    this._rxEnabled = client.onReadable !== null;
    this._clearRx();
    this._txArmed = client.onWritable !== null;
    this._update();
  }

  /** @internal The instance closes: interrupts off, the FIFO is no longer read. */
  _close(): void {
    this._sync();
    this._flushNotes();
    this._client = null;
    this._readable = this._writable = false;
    this._fifo.length = 0;
    this._gen++;
    this._scheduled = Infinity;
  }

  /** @internal Bytes waiting in the RX FIFO. */
  _available(): number {
    this._sync();
    return this._fifo.length;
  }

  /** @internal Takes up to `n` bytes from the RX FIFO; RX interrupts are enabled again. */
  _read(n: number): number[] {
    this._sync();
    const bytes = this._fifo.splice(0, n);
    if (this._client?.onReadable) {
      this._rxEnabled = true;
      this._clearRx();
    }
    this._update();
    return bytes;
  }

  /** @internal Free room in the TX FIFO. */
  _txFree(): number {
    return TX_FIFO - this._txPending();
  }

  /** @internal Queues `bytes` (which fit) on the TX line, at the app's baud rate. */
  _write(bytes: Uint8Array): void {
    const client = this._client!;
    const start = Math.max(this.board.now * client.baud, this._txEnd);
    this._txEnd = start + bytes.length * UNITS_PER_BYTE;
    const peer = this._peer;
    if (peer !== null && !this._mismatch) this.board._link({ t: this.board.now, link: this.link, dir: 'tx', bytes, start });
    if (client.onWritable !== null) this._txArmed = true;
    this._update();
  }

  /** Reports what is left to report at the end of a run. */
  finish(): void {
    this._sync();
    this._flushNotes();
  }

  /** Bytes in the TX FIFO or on the wire now. */
  private _txPending(): number {
    const baud = this._client?.baud ?? 1;
    return Math.max(0, Math.ceil((this._txEnd - this.board.now * baud) / UNITS_PER_BYTE));
  }

  private _clearRx(): void {
    this._rawRx = false;
    this._clearedAt = this.board.now * (this._peer?.baud ?? 0);
  }

  private _threshold(): number {
    return Math.max(1, (this._peer?.fifo ?? 128) - FULL_MARGIN);
  }

  /** Moves the bytes that arrived by now into the FIFO, raising the RX interrupt's status as the hardware would. */
  private _sync(): void {
    const peer = this._peer;
    if (peer === null) return;
    const now = this.board.now * peer.baud;
    const receiving = this._client !== null && !this._mismatch;
    const fifo = this._fifo;
    const threshold = this._threshold();
    let seg: Segment | undefined;
    while ((seg = this._segs[0]) !== undefined) {
      for (; seg.i < seg.bytes.length; seg.i++) {
        const at = seg.start + (seg.i + 1) * UNITS_PER_BYTE;
        if (at > now) return this._idle(now);
        this._timeout(at);
        this._lastArrival = at;
        if (!receiving) {
          this._dropped++;
          continue;
        }
        if (fifo.length < peer.fifo) {
          if (this._lost > 0) this._flushLost();
          fifo.push(seg.bytes[seg.i]!);
        } else if (this._lost++ === 0) {
          this._lostFrom = Math.ceil(at / peer.baud);
        }
        if (fifo.length >= threshold) this._rawRx = true;
      }
      this._segs.shift();
    }
    this._idle(now);
  }

  /** The line idle until `at` since the last byte: the RX timeout fired if it was long enough. */
  private _timeout(at: number): void {
    const fired = this._lastArrival + RX_TIMEOUT;
    if (this._fifo.length > 0 && at > fired && fired > this._clearedAt) this._rawRx = true;
  }

  private _idle(now: number): void {
    this._timeout(now + 1);
  }

  private _flushLost(): void {
    this.board._link({
      t: this.board.now, link: this.link, what: 'overflow',
      note: `RX FIFO full (${this._peer!.fifo} bytes): ${this._lost} bytes lost from ${this._lostFrom} ms`,
    });
    this._lost = 0;
  }

  private _flushNotes(): void {
    if (this._lost > 0) this._flushLost();
    if (this._dropped > 0) {
      const why = this._mismatch ? 'the app and the peer do not match' : `UART${this.port} was not open`;
      this.board._link({ t: this.board.now, link: this.link, what: 'dropped', note: `${this._dropped} bytes arrived while ${why}: lost` });
      this._dropped = 0;
    }
  }

  /** Posts the message the ISR would, then arranges to look again when an interrupt could next fire. */
  private _update(): void {
    this._sync();
    const client = this._client;
    if (client === null) return;
    let post = false;
    if (client.onReadable !== null && this._rxEnabled && this._rawRx) {
      this._rxEnabled = false;
      post = !this._readable;
      this._readable = true;
    }
    if (client.onWritable !== null && this._txArmed && this._txPending() < TX_THRESHOLD) {
      this._txArmed = false;
      post = post || !this._writable;
      this._writable = true;
    }
    if (post) this.board._postFromISR(() => this._deliver(client), `onReadable/onWritable (UART${this.port})`);
    this._schedule(client);
  }

  /** serialDeliver: onReadable with the bytes waiting, then onWritable with the room in the TX FIFO. */
  private _deliver(client: UartClient): void {
    if (this._client !== client) return;
    if (this._readable) {
      this._readable = false;
      const count = this._available();
      if (count > 0) client.onReadable!(count);
      if (this._client !== client) return;
      this._rxEnabled = true;
      this._clearRx();
    }
    if (this._writable) {
      this._writable = false;
      const count = this._txFree();
      if (count > 0) client.onWritable!(count);
      if (this._client !== client) return;
    }
    this._update();
  }

  /** One board event at the next time an interrupt could fire (an earlier one makes the later one a no-op). */
  private _schedule(client: UartClient): void {
    let next = Infinity;
    const peer = this._peer;
    if (peer !== null && client.onReadable !== null && this._rxEnabled && !this._mismatch) {
      next = Math.ceil(this._nextRx() / peer.baud);
    }
    if (client.onWritable !== null && this._txArmed) {
      next = Math.min(next, Math.ceil((this._txEnd - (TX_THRESHOLD - 1) * UNITS_PER_BYTE) / client.baud));
    }
    next = Math.max(next, this.board.now + 1);
    if (next === Infinity || next === this._scheduled) return;
    this._scheduled = next;
    const gen = ++this._gen;
    this.board.at(next, () => {
      if (gen !== this._gen) return;
      this._scheduled = Infinity;
      this._update();
    });
  }

  /** When the RX interrupt's status would next be raised (in wire units), if nothing reads. */
  private _nextRx(): number {
    // The FIFO-full level is reached by the k-th byte to come.
    let k = Math.max(1, this._threshold() - this._fifo.length);
    let full = Infinity;
    for (const seg of this._segs) {
      const left = seg.bytes.length - seg.i;
      if (k <= left) {
        full = seg.start + (seg.i + k) * UNITS_PER_BYTE;
        break;
      }
      k -= left;
    }
    // The first idle gap of 4 symbols after a byte.
    let last = this._lastArrival;
    let waiting = this._fifo.length > 0;
    for (const seg of this._segs) {
      const first = seg.start + (seg.i + 1) * UNITS_PER_BYTE;
      if (waiting && first - last > RX_TIMEOUT && last + RX_TIMEOUT > this._clearedAt) return Math.min(full, last + RX_TIMEOUT);
      last = seg.start + seg.bytes.length * UNITS_PER_BYTE;
      waiting = true;
    }
    return waiting && last + RX_TIMEOUT > this._clearedAt ? Math.min(full, last + RX_TIMEOUT) : full;
  }
}

function pinText(pin: number | undefined): string {
  return pin === undefined ? 'none' : `GPIO${pin}`;
}

/** The UART `port` of `board`. */
export function uartOf(board: SimBoard, port: number): SimUart {
  return board._peripheral(`uart:${port}`, () => new SimUart(board, port));
}
