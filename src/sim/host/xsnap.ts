import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { requirePeers } from './peers.js';

/**
 * What the XS worker reports after each evaluation. The numbers come from XS
 * itself and repeat exactly from run to run.
 */
export interface XsMeters {
  /** Computrons: XS's deterministic count of work done by this evaluation (its promise jobs included). */
  compute: number;
  /** Slots in use in the XS heap when the evaluation ended (live and not yet collected). */
  currentHeapCount: number;
  /** Bytes the machine has taken from the system for its heaps so far (a total, not per evaluation). */
  allocate: number;
}

/** The outcome of one evaluation. */
export interface XsEvaluation {
  /** The bytes of the ArrayBuffer the script evaluated to (empty for any other value). */
  reply: Uint8Array;
  /** The meters of this evaluation. */
  meters: XsMeters;
  /** Lines written with `print` during the evaluation, in order. */
  printed: string[];
}

/** Answers an `issueCommand(ArrayBuffer)` made by script in the worker; the returned bytes are its result. */
export type XsCommandHandler = (message: Uint8Array) => Uint8Array | string | Promise<Uint8Array | string>;

/** Options of {@link XsWorker}. */
export interface XsWorkerOptions {
  /** A name for the worker process (shown in error messages). */
  name?: string;
  /** Answers the worker's `issueCommand` calls; without one, they get an empty reply. */
  handleCommand?: XsCommandHandler;
  /** Called with each line the worker prints, as it arrives. */
  onPrint?: (line: string) => void;
  /** The worker binary (default: the `xsnap-worker` of the installed @agoric/xsnap). */
  executable?: string;
  /** Command-line options of the worker binary. */
  args?: string[];
}

/** An exception thrown by evaluated script, or the worker ending abnormally. */
export class XsError extends Error {
  override name = 'XsError';
  /** Lines the failed evaluation printed before it threw. */
  printed: string[] = [];
}

// The worker's exit codes (from @agoric/xsnap's api.js; -1 arrives as 255).
const EXIT_REASONS: Record<number, string> = {
  255: 'XS aborted',
  1: 'bad argument usage',
  2: 'I/O error',
  11: 'not enough memory',
  12: 'stack overflow',
  15: 'unhandled exception',
  16: 'property (key) name space exhausted',
  17: 'too much computation',
};

const OK = 0x2e, ERROR = 0x21, QUERY = 0x3f, METER_SEPARATOR = 1;
const SYNC_MARK = '\u0001anyloop-sync ';

interface Pending {
  resolve(m: { reply: Uint8Array; meters: XsMeters }): void;
  reject(e: Error): void;
}

/**
 * A host for the XS engine: the `xsnap-worker` process that @agoric/xsnap
 * compiles from Moddable's XS sources at install. It is driven directly,
 * with netstrings on file descriptors 3 (to the worker) and 4 (from it), so
 * no SES lockdown touches the host's realm.
 *
 * The worker evaluates classic scripts (bundle modules first); each
 * evaluation runs the script, then its promise jobs and `setImmediate`
 * callbacks until none are left. Evaluations are queued: one at a time.
 */
export class XsWorker {
  readonly name: string;
  private readonly _proc: ChildProcess;
  private readonly _toWorker: Writable;
  private readonly _handleCommand: XsCommandHandler | undefined;
  private readonly _onPrint: ((line: string) => void) | undefined;
  private _inBuf: Buffer = Buffer.alloc(0);
  private _outText = '';
  private _printed: string[] = [];
  private _stderr = '';
  private _pending: Pending | null = null;
  private _syncWaiter: { id: string; resolve: () => void } | null = null;
  private _queue: Promise<unknown> = Promise.resolve();
  private _exited: Error | null = null;
  private _syncs = 0;
  private _handlerError: XsError | null = null;
  private readonly _exit: Promise<void>;

  constructor(options: XsWorkerOptions = {}) {
    this.name = options.name ?? 'anyloop-xs';
    if (/^-/.test(this.name)) throw new RangeError(`worker name must not start with '-', got ${this.name}`);
    if (options.handleCommand !== undefined && typeof options.handleCommand !== 'function') {
      throw new TypeError('handleCommand must be a function');
    }
    this._handleCommand = options.handleCommand;
    this._onPrint = options.onPrint;
    this._proc = spawn(options.executable ?? xsnapWorkerPath(), [this.name, ...options.args ?? []], { stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'] });
    const stdio = this._proc.stdio as unknown as [null, Readable, Readable, Writable, Readable];
    this._toWorker = stdio[3];
    // A write after the worker died fails with EPIPE; the exit handler reports why it died.
    this._toWorker.on('error', () => {});
    stdio[1].setEncoding('utf8');
    stdio[1].on('data', (s: string) => this._onStdout(s));
    stdio[2].setEncoding('utf8');
    stdio[2].on('data', (s: string) => { this._stderr += s; });
    stdio[4].on('data', (b: Buffer) => this._onData(b));
    this._exit = new Promise((resolve) => {
      // 'close' comes after the process ended and its pipes were read to the end.
      this._proc.once('close', (code, signal) => {
        const why = code === 0 ? 'exited' : signal !== null ? `was killed by ${signal}`
          : `exited with code ${code} (${EXIT_REASONS[code!] ?? 'unknown error'})`;
        const detail = this._stderr.trim();
        const err = new XsError(`XS worker ${this.name} ${why}${detail ? `: ${detail}` : ''}`);
        err.printed = this._printed;
        this._printed = [];
        this._exited = err;
        this._fail(err);
        resolve();
      });
      this._proc.once('error', (e) => {
        this._exited = new XsError(`XS worker ${this.name} could not start: ${e.message}`);
        this._fail(this._exited);
        resolve();
      });
    });
  }

  /**
   * Evaluates `code` as a classic script (global `eval`), runs its promise
   * jobs and immediates, and resolves with the meters, the lines printed,
   * and the reply (when the script's value is an ArrayBuffer). Rejects with
   * an XsError carrying the exception's text when the script throws.
   */
  evaluate(code: string): Promise<XsEvaluation> {
    if (typeof code !== 'string') throw new TypeError('code must be a string');
    return this._enqueue(async () => {
      let r: { reply: Uint8Array; meters: XsMeters } | undefined;
      let failure: XsError | undefined;
      try {
        r = await this._send(Buffer.from(`e${code}`));
      } catch (e) {
        if (e === this._exited) throw e;
        failure = e as XsError;
      }
      const printed = await this._sync();
      if (failure !== undefined) {
        failure.printed = printed;
        throw failure;
      }
      return { reply: r!.reply, meters: r!.meters, printed };
    });
  }

  /**
   * print() writes to the worker's stdout, a different pipe from the replies:
   * a marker printed by one more evaluation tells when every line printed
   * before it has been read. Returns those lines.
   */
  private async _sync(): Promise<string[]> {
    const id = String(++this._syncs);
    const synced = new Promise<void>((resolve) => { this._syncWaiter = { id, resolve }; });
    // A host that takes print away from its app's global object leaves it as __anyloopPrint.
    await this._send(Buffer.from(`e(typeof print === 'function' ? print : __anyloopPrint)(${JSON.stringify(SYNC_MARK + id)})`));
    await Promise.race([synced, this._exit]);
    if (this._exited !== null) throw this._exited;
    const printed = this._printed;
    this._printed = [];
    return printed;
  }

  /** Evaluates `code` and decodes its ArrayBuffer reply as UTF-8 text. */
  async evaluateText(code: string): Promise<XsEvaluation & { text: string }> {
    const r = await this.evaluate(code);
    return { ...r, text: new TextDecoder().decode(r.reply) };
  }

  /**
   * Delivers `message` to the worker's global `handleCommand(ArrayBuffer)`,
   * runs the promise jobs and immediates that follow, and resolves with the
   * meters and the reply (when handleCommand returned an ArrayBuffer).
   * Rejects with an XsError when handleCommand throws.
   *
   * Unlike `evaluate`, it compiles no code: XS keeps a heap slot for every
   * evaluated script, so repeated work measured by heap count goes through
   * commands. Lines printed meanwhile reach `onPrint`, and the `printed` of
   * the next evaluation (telling when they have all arrived takes one).
   */
  issueCommand(message: Uint8Array | string): Promise<{ reply: Uint8Array; meters: XsMeters }> {
    const bytes = typeof message === 'string' ? Buffer.from(message) : Buffer.from(message.buffer, message.byteOffset, message.byteLength);
    return this._enqueue(() => this._send(Buffer.concat([Buffer.from('?'), bytes])));
  }

  /** Everything the worker wrote to stderr so far (XS reports unhandled rejections there). */
  get stderr(): string {
    return this._stderr;
  }

  /** Asks the worker to quit and waits until it has. */
  async close(): Promise<void> {
    if (this._exited === null) {
      await this._queue.catch(() => {});
      if (this._exited === null) {
        this._toWorker.write(netstring(Buffer.from('q')));
        this._toWorker.end();
      }
    }
    await this._exit;
  }

  /** Kills the worker at once. */
  async terminate(): Promise<void> {
    if (this._exited === null) this._proc.kill();
    await this._exit;
  }

  private _enqueue<T>(job: () => Promise<T>): Promise<T> {
    const run = this._queue.then(job, job);
    this._queue = run.catch(() => {});
    return run;
  }

  private _send(message: Buffer): Promise<{ reply: Uint8Array; meters: XsMeters }> {
    if (this._exited !== null) return Promise.reject(this._exited);
    return new Promise((resolve, reject) => {
      this._pending = { resolve, reject };
      this._toWorker.write(netstring(message));
    });
  }

  private _fail(e: Error): void {
    const p = this._pending;
    this._pending = null;
    if (p !== null) p.reject(e);
  }

  private _onStdout(s: string): void {
    const text = this._outText + s;
    const lines = text.split('\n');
    this._outText = lines.pop()!;
    for (const line of lines) {
      if (line.startsWith(SYNC_MARK)) {
        const w = this._syncWaiter;
        if (w !== null && line.slice(SYNC_MARK.length) === w.id) {
          this._syncWaiter = null;
          w.resolve();
        }
        continue;
      }
      this._printed.push(line);
      this._onPrint?.(line);
    }
  }

  private _onData(chunk: Buffer): void {
    this._inBuf = this._inBuf.length === 0 ? chunk : Buffer.concat([this._inBuf, chunk]);
    for (;;) {
      const colon = this._inBuf.indexOf(0x3a);
      if (colon < 0) return;
      const length = Number(this._inBuf.subarray(0, colon).toString('latin1'));
      const end = colon + 1 + length;
      if (this._inBuf.length < end + 1) return;
      const message = this._inBuf.subarray(colon + 1, end);
      this._inBuf = this._inBuf.subarray(end + 1);
      this._onMessage(message);
    }
  }

  private _onMessage(message: Buffer): void {
    const kind = message[0];
    if (kind === QUERY) {
      void this._answer(message.subarray(1));
      return;
    }
    const p = this._pending;
    this._pending = null;
    if (p === null) return;
    const handlerError = this._handlerError;
    this._handlerError = null;
    if (handlerError !== null) {
      p.reject(handlerError);
    } else if (kind === OK) {
      const sep = message.indexOf(METER_SEPARATOR, 1);
      const meta = JSON.parse(message.subarray(1, sep).toString('utf8')) as XsMeters;
      p.resolve({
        reply: new Uint8Array(message.subarray(sep + 1)),
        meters: { compute: meta.compute, currentHeapCount: meta.currentHeapCount, allocate: meta.allocate },
      });
    } else if (kind === ERROR) {
      p.reject(new XsError(message.subarray(1).toString('utf8') || 'XS reported an error'));
    } else {
      p.reject(new XsError(`XS worker protocol error: unexpected message ${JSON.stringify(message.toString('utf8'))}`));
      this._proc.kill();
    }
  }

  private async _answer(request: Uint8Array): Promise<void> {
    let reply: Uint8Array | string;
    const handler = this._handleCommand;
    if (handler === undefined) {
      reply = '';
    } else {
      try {
        reply = await handler(request);
      } catch (e) {
        // The worker blocks until it gets an answer: it gets an empty one,
        // and the evaluation that asked fails with this error when it ends.
        reply = '';
        this._handlerError ??= new XsError(`the host's command handler failed: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    const body = typeof reply === 'string' ? Buffer.from(reply) : Buffer.from(reply.buffer, reply.byteOffset, reply.byteLength);
    this._toWorker.write(netstring(Buffer.concat([Buffer.from('/'), body])));
  }
}

function netstring(body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${body.length}:`), body, Buffer.from(',')]);
}

/**
 * The path of the `xsnap-worker` binary of the installed @agoric/xsnap.
 * Throws a MissingPeerError when it is not installed, an XsError when it has
 * no worker for this platform or the worker was not built.
 */
export function xsnapWorkerPath(): string {
  requirePeers(['@agoric/xsnap']);
  const pkg = createRequire(import.meta.url).resolve('@agoric/xsnap/package.json');
  const platform = process.platform === 'linux' ? 'lin' : process.platform === 'darwin' ? 'mac' : null;
  if (platform === null) throw new XsError(`@agoric/xsnap has no XS worker for ${process.platform}`);
  const bin = join(dirname(pkg), 'xsnap-native', 'xsnap', 'build', 'bin', platform, 'release', 'xsnap-worker');
  if (!existsSync(bin)) {
    throw new XsError(`the XS worker was not built (${bin} is missing): run npm rebuild @agoric/xsnap`);
  }
  return bin;
}
