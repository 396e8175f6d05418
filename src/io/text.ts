/** The UTF-8 codecs an engine may have: Moddable's String / ArrayBuffer extensions, or the WHATWG classes. */
interface Codecs {
  fromArrayBuffer?: (buffer: ArrayBuffer) => string;
  fromString?: (text: string) => ArrayBuffer;
  TextDecoder?: new () => { decode(bytes: Uint8Array): string };
  TextEncoder?: new () => { encode(text: string): Uint8Array };
}

/**
 * The text of UTF-8 `bytes` (a line from `readline()`): Moddable's
 * `String.fromArrayBuffer` on a device (which has no TextDecoder unless its
 * manifest adds one), else `TextDecoder` (Node, browsers). A TypeError on
 * an engine with neither.
 */
export function decodeText(bytes: Uint8Array): string {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('decodeText() needs a Uint8Array');
  const fromArrayBuffer = (String as Codecs).fromArrayBuffer;
  if (typeof fromArrayBuffer === 'function') {
    const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
    return fromArrayBuffer((whole ? bytes : bytes.slice()).buffer as ArrayBuffer);
  }
  const Decoder = (globalThis as Codecs).TextDecoder;
  if (Decoder === undefined) throw new TypeError('decodeText(): this engine has neither String.fromArrayBuffer nor TextDecoder');
  return new Decoder().decode(bytes);
}

/**
 * The UTF-8 bytes of `text`, for `writer.write()`: Moddable's
 * `ArrayBuffer.fromString` on a device, else `TextEncoder`. A TypeError on
 * an engine with neither.
 */
export function encodeText(text: string): Uint8Array {
  if (typeof text !== 'string') throw new TypeError('encodeText() needs a string');
  const fromString = (ArrayBuffer as Codecs).fromString;
  if (typeof fromString === 'function') return new Uint8Array(fromString(text));
  const Encoder = (globalThis as Codecs).TextEncoder;
  if (Encoder === undefined) throw new TypeError('encodeText(): this engine has neither ArrayBuffer.fromString nor TextEncoder');
  return new Encoder().encode(text);
}
