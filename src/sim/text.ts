/**
 * UTF-8 as XS keeps its strings, and the two globals a Moddable app has for
 * it, which neither xsnap's XS nor a bare V8 context provides:
 * `String.fromArrayBuffer(buffer[, byteOffset[, byteLength]])` (the text of
 * UTF-8 bytes, up to a NUL byte; TypeError "invalid UTF-8" on a malformed
 * sequence) and `ArrayBuffer.fromString(string)` (its UTF-8 bytes), after
 * xsString.c and xsDataView.c.
 */

/** The UTF-8 bytes of `text` (a lone surrogate takes three bytes, as in XS). */
export function utf8Encode(text: string): Uint8Array {
  const out: number[] = [];
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return new Uint8Array(out);
}

/** The text of UTF-8 `bytes`, up to the first NUL byte; a TypeError on a malformed sequence. */
export function utf8Decode(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length;) {
    const b = bytes[i]!;
    if (b === 0) break;
    const n = b < 0x80 ? 1 : (b & 0xe0) === 0xc0 ? 2 : (b & 0xf0) === 0xe0 ? 3 : (b & 0xf8) === 0xf0 ? 4 : 0;
    if (n === 0 || i + n > bytes.length) throw new TypeError('invalid UTF-8');
    let c = n === 1 ? b : b & (0xff >> (n + 1));
    for (let k = 1; k < n; k++) {
      const x = bytes[i + k]!;
      if ((x & 0xc0) !== 0x80) throw new TypeError('invalid UTF-8');
      c = (c << 6) | (x & 63);
    }
    s += String.fromCodePoint(c);
    i += n;
  }
  return s;
}

/** Defines Moddable's `String.fromArrayBuffer` and `ArrayBuffer.fromString` (not enumerable, as XS does). */
export function installModdableText(): void {
  const define = (target: object, name: string, fn: (...args: never[]) => unknown) =>
    Object.defineProperty(target, name, { value: fn, writable: true, configurable: true, enumerable: false });
  define(String, 'fromArrayBuffer', function fromArrayBuffer(buffer: unknown, byteOffset?: unknown, byteLength?: unknown): string {
    if (arguments.length < 1) throw new TypeError('no argument');
    if (!(buffer instanceof ArrayBuffer)) throw new TypeError('argument is no ArrayBuffer instance');
    const limit = buffer.byteLength;
    const offset = byteOffset === undefined ? 0 : toLength(byteOffset);
    if (offset > limit) throw new RangeError(`out of range byteOffset ${offset}`);
    const length = byteLength === undefined ? limit - offset : toLength(byteLength);
    if (offset + length > limit) throw new RangeError(`out of range byteLength ${length}`);
    return utf8Decode(new Uint8Array(buffer, offset, length));
  });
  define(ArrayBuffer, 'fromString', function fromString(text: unknown): ArrayBuffer {
    if (arguments.length < 1) throw new TypeError('no argument');
    const bytes = utf8Encode(String(text));
    const out = new ArrayBuffer(bytes.length);
    new Uint8Array(out).set(bytes);
    return out;
  });
}

function toLength(v: unknown): number {
  const n = Math.trunc(Number(v));
  if (!(n >= 0)) throw new RangeError(`out of range ${String(v)}`);
  return n;
}
