/**
 * The simulated network of the board: TCP servers from the scenario and the
 * connections the app makes to them, with lwIP's behaviour under Moddable's
 * `embedded:io/socket/tcp` (modules/io/socket/lwip/tcp.c):
 *
 * - A connect takes 1 ms (the round trip); a server that is down, or no
 *   server at that address and port, refuses it: the socket's `onError`.
 * - The board's send buffer holds 5744 bytes (lwIP's TCP_SND_BUF on the
 *   ESP32); bytes leave it 1 ms after they are written, as far as the
 *   server's receive window has room, which frees the buffer (`onWritable`
 *   with the room). A server that reads `readRate` bytes per ms keeps its
 *   window partly full; a board writing faster sees its buffer fill and its
 *   `onWritable` stop.
 * - What the server sends arrives at once (`onReadable` with every byte
 *   waiting). Its close (FIN) and its reset (RST) reach the socket as
 *   `onError`, after the bytes already received have been read.
 *
 * Socket events are coalesced as tcp.c does: flags set by the stack, one
 * message in the host queue per socket at a time (never dropped: lwIP's task
 * waits for room), delivered as onReadable, then onWritable or onError.
 */
import type { SimBoard } from './board.js';

/** lwIP's TCP_SND_BUF on the ESP32 (4 × 1436-byte segments). */
export const SEND_BUFFER = 5744;

/** A server, from the scenario. */
export interface ServerSetup {
  label: string;
  /** `[from, to)` pairs, flat: the times it refuses connections. */
  down: number[];
  /** Bytes per ms it reads (0: all at once). */
  readRate: number;
  window: number;
}

/** What an open TCP socket gives its connection. */
export interface SocketClient {
  onReadable: ((count: number) => void) | null;
  onWritable: ((count: number) => void) | null;
  onError: (() => void) | null;
}

const WRITABLE = 1, READABLE = 2, ERROR = 4;

/** A server of the scenario, and the connection it has open. */
class Server {
  current: Connection | null = null;
  constructor(readonly setup: ServerSetup) {}

  isDown(t: number): boolean {
    const d = this.setup.down;
    for (let i = 0; i < d.length; i += 2) if (t >= d[i]! && t < d[i + 1]!) return true;
    return false;
  }
}

/** The board's network: its servers by `address:port`. */
export class SimNetwork {
  private readonly _servers = new Map<string, Server>();

  constructor(readonly board: SimBoard) {}

  /** Adds the server at `address:port` (by the driver, before the app runs). */
  addServer(key: string, setup: ServerSetup): void {
    this._servers.set(key, new Server(setup));
  }

  /** The server at `key` sends `bytes` on its open connection. */
  serverSend(key: string, bytes: Uint8Array): void {
    const c = this._current(key, 'send');
    if (c !== null) c._receive(bytes);
  }

  /** The server at `key` closes (FIN) or resets (RST) its open connection. */
  serverEnd(key: string, how: 'close' | 'reset'): void {
    const c = this._current(key, how);
    if (c !== null) c._peerEnd(how);
  }

  /** @internal A socket connects to `key`: accepted or refused in 1 ms. */
  _connect(key: string, client: SocketClient): Connection {
    const c = new Connection(this.board, `tcp:${key}`, client);
    this.board.at(this.board.now + 1, () => {
      if (c.closed) return;
      const server = this._servers.get(key);
      if (server === undefined || server.isDown(this.board.now)) {
        const why = server === undefined ? 'no server there' : 'the server is down';
        this.board._link({ t: this.board.now, link: c.link, what: 'refused', note: `connection refused (${why})` });
        c._refused();
        return;
      }
      server.current = c;
      c._accepted(server);
    });
    return c;
  }

  private _current(key: string, what: string): Connection | null {
    const server = this._servers.get(key)!;
    const c = server.current;
    if (c === null || c.closed || c.peerGone) {
      this.board._link({ t: this.board.now, link: `tcp:${key}`, what: 'dropped', note: `${what}: no connection open` });
      return null;
    }
    return c;
  }
}

/** One connection, seen from the board's lwIP (tcp.c's TCPRecord) and from its server. */
export class Connection {
  /** The socket was closed by the app. */
  closed = false;
  /** The server closed or reset it: what the board sends goes nowhere. */
  peerGone = false;
  /** Writes are allowed (connected, no error delivered). */
  ready = false;
  /** lwIP has no pcb any more (refused or reset): writes are ignored. */
  dead = false;
  /** An error was delivered: the socket is done. */
  error = false;
  private _server: Server | null = null;
  private readonly _rx: Uint8Array[] = [];
  private _rxOffset = 0;
  private _available = 0;
  private readonly _tx: Uint8Array[] = [];
  private _unsent = 0;
  private _sendFree = SEND_BUFFER;
  /** Bytes in the server's receive window, as of `_drainedAt`. */
  private _windowUsed = 0;
  private _drainedAt = 0;
  private _ticking = false;
  private _triggered = 0;

  constructor(readonly board: SimBoard, readonly link: string, private readonly _client: SocketClient) {}

  /** Bytes received and not yet read. */
  get available(): number {
    return this._available;
  }

  /** Room in the send buffer (tcp_sndbuf). */
  get sendFree(): number {
    return this._sendFree;
  }

  _accepted(server: Server): void {
    this._server = server;
    this.ready = true;
    this.board._link({ t: this.board.now, link: this.link, what: 'connect', note: 'connection accepted' });
    this._trigger(WRITABLE);
  }

  _refused(): void {
    this.dead = true;
    this._trigger(ERROR);
  }

  _receive(bytes: Uint8Array): void {
    this.board._link({ t: this.board.now, link: this.link, dir: 'rx', bytes });
    this._rx.push(bytes.slice());
    this._available += bytes.length;
    this._trigger(READABLE);
  }

  _peerEnd(how: 'close' | 'reset'): void {
    this.peerGone = true;
    this._server!.current = null;
    this.board._link({ t: this.board.now, link: this.link, what: how, note: how === 'close' ? 'closed by the server (FIN)' : 'reset by the server (RST)' });
    if (how === 'reset') {
      // lwIP frees the pcb: what was not sent is gone.
      this.dead = true;
      this._tx.length = 0;
      this._unsent = 0;
    }
    this._trigger(ERROR);
  }

  /** @internal Takes `n` received bytes (the caller checked 0 < n <= available). */
  _read(n: number): Uint8Array {
    const out = new Uint8Array(n);
    let k = 0;
    while (k < n) {
      const chunk = this._rx[0]!;
      const take = Math.min(n - k, chunk.length - this._rxOffset);
      out.set(chunk.subarray(this._rxOffset, this._rxOffset + take), k);
      k += take;
      this._rxOffset += take;
      if (this._rxOffset === chunk.length) {
        this._rx.shift();
        this._rxOffset = 0;
      }
    }
    this._available -= n;
    // tcp.c: once the buffers are empty, a pending error is delivered.
    if (this._available === 0 && (this.peerGone || this.dead)) this._trigger(ERROR);
    return out;
  }

  /** @internal Queues `bytes` (which fit in the send buffer); they leave as the server's window allows. */
  _write(bytes: Uint8Array): void {
    // After the server's FIN the bytes go nowhere (the socket's error is on its way).
    if (this.peerGone) return;
    this._sendFree -= bytes.length;
    this._tx.push(bytes.slice());
    this._unsent += bytes.length;
    this._tick();
  }

  /** @internal The app closes the socket: the server sees the connection end; unsent bytes still go out. */
  _close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this._server !== null && !this.peerGone) {
      this.board._link({ t: this.board.now, link: this.link, what: 'closed', note: 'closed by the board' });
      if (this._server.current === this) this._server.current = null;
    }
  }

  /** A network step 1 ms from now: the server reads, its window takes what fits, the send buffer frees. */
  private _tick(): void {
    if (this._ticking) return;
    this._ticking = true;
    this.board.at(this.board.now + 1, () => {
      this._ticking = false;
      const server = this._server;
      if (server === null || this.dead || this._unsent === 0) return;
      this._drain(server);
      const n = Math.min(server.setup.window - this._windowUsed, this._unsent);
      if (n > 0) {
        const bytes = this._take(n);
        this._windowUsed += n;
        this._sendFree += n;
        this.board._link({ t: this.board.now, link: this.link, dir: 'tx', bytes });
        if (!this.closed) this._trigger(WRITABLE);
      }
      if (this._unsent > 0) this._tick();
    });
  }

  /** The server's reads since the last look. */
  private _drain(server: Server): void {
    const rate = server.setup.readRate;
    const now = this.board.now;
    this._windowUsed = rate === 0 ? 0 : Math.max(0, this._windowUsed - rate * (now - this._drainedAt));
    this._drainedAt = now;
  }

  private _take(n: number): Uint8Array {
    const out = new Uint8Array(n);
    let k = 0;
    while (k < n) {
      const chunk = this._tx[0]!;
      const take = Math.min(n - k, chunk.length);
      out.set(chunk.subarray(0, take), k);
      k += take;
      if (take === chunk.length) this._tx.shift();
      else this._tx[0] = chunk.subarray(take);
    }
    this._unsent -= n;
    return out;
  }

  /** tcpTrigger: sets the flags; posts the message when none is pending. */
  private _trigger(flags: number): void {
    if (this.closed) return;
    const was = this._triggered;
    this._triggered |= flags;
    if (was === 0) this.board._post(() => this._deliver(), `socket callbacks (${this.link.slice(4)})`);
  }

  /** tcpDeliver. */
  private _deliver(): void {
    let flags = this._triggered;
    this._triggered = 0;
    if (this.closed) return;
    if (flags & ERROR) {
      flags &= ~WRITABLE;
      this.error = true;
      this.ready = false;
    }
    const client = this._client;
    if (flags & READABLE && client.onReadable !== null && this._available > 0) client.onReadable(this._available);
    if (this.closed) return;
    if (this._available > 0 && this.error) return;
    if (!this.error) {
      if (flags & WRITABLE && client.onWritable !== null && !this.dead) client.onWritable(this._sendFree);
    } else if (client.onError !== null) {
      client.onError();
    }
  }
}

/** The network of `board`. */
export function networkOf(board: SimBoard): SimNetwork {
  return board._peripheral('network', () => new SimNetwork(board));
}
