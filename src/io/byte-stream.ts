/**
 * An ECMA-419 byte-stream IO class (`embedded:io/serial`,
 * `embedded:io/socket/tcp`, or anything with their callback pattern), passed
 * in as the `io` option of openSerial and openConnection.
 */
export interface ByteStreamClass {
  /** Its options are the class's own (typed by it) plus ByteStreamOptions. */
  new (options: never): ByteStreamPort;
}

/** What the streams add to the options the IO class is constructed with. */
export interface ByteStreamOptions {
  [option: string]: unknown;
  /** Always "buffer": `read(n)` returns an ArrayBuffer. */
  format: 'buffer';
  /** `count` bytes are waiting to be read (all of them, not only new ones). */
  onReadable: (count: number) => void;
  /** `count` bytes may be written now without the output overflowing. */
  onWritable: (count: number) => void;
  /** The instance failed (TCP: refused, reset or closed by the peer) and is no longer usable. */
  onError: (message?: unknown) => void;
}

/** An open ECMA-419 byte-stream instance. */
export interface ByteStreamPort {
  /** Up to `count` bytes, or undefined when none is waiting (a number only in format "number", never used). */
  read(count: number): ArrayBuffer | number | undefined;
  /** Writes all of `bytes`, or throws (nothing written) when the output lacks room. */
  write(bytes: ArrayBuffer | Uint8Array): void;
  /** Releases the instance. */
  close(): void;
}

/** Throws a TypeError unless `io` is a constructor; returns it as one taking ByteStreamOptions. */
export function checkByteStreamClass(io: unknown, what: string): new (options: ByteStreamOptions) => ByteStreamPort {
  if (typeof io !== 'function') {
    throw new TypeError(`${what} needs the ECMA-419 IO class as io (e.g. import Serial from "embedded:io/serial")`);
  }
  return io as new (options: ByteStreamOptions) => ByteStreamPort;
}
