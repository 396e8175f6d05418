/**
 * The simulator's `embedded:io/serial` and `embedded:io/socket/tcp` on a
 * SimBoard, checked against what Moddable's ESP32 implementations do
 * (serial/esp32/serial.c, socket/lwip/tcp.c).
 */
import { describe, expect, it } from 'vitest';
import { SimBoard, type LinkEvent } from '../src/sim/board.js';
import { digitalFor } from '../src/sim/digital.js';
import { networkOf } from '../src/sim/network.js';
import { serialFor } from '../src/sim/serial.js';
import { tcpFor } from '../src/sim/tcp.js';
import { installModdableText } from '../src/sim/text.js';
import { uartOf } from '../src/sim/uart.js';

const text = (b: ArrayBuffer | number | undefined) => new TextDecoder().decode(b as ArrayBuffer);

function uartBoard(baud = 9600) {
  const board = new SimBoard();
  uartOf(board, 1).peer = { baud, receive: 16, transmit: 17, fifo: 128, label: 'GPS' };
  const events: LinkEvent[] = [];
  board.onLinkEvent((e) => events.push(e));
  return { board, Serial: serialFor(board), uart: uartOf(board, 1), events };
}

describe('Serial', () => {
  it('checks its options as the ESP32 does', () => {
    const { board, Serial } = uartBoard();
    expect(() => new Serial({ baud: 9600 })).toThrow('invalid');
    expect(() => new Serial({ receive: 16, baud: 0 })).toThrow(RangeError);
    expect(() => new Serial({ receive: 16, baud: 9600, port: 3 })).toThrow('invalid port');
    expect(() => new Serial({ receive: 16, baud: 9600, port: 1, format: 'text' as 'buffer' })).toThrow('invalid format');
    expect(() => new Serial({ receive: 20, baud: 9600 })).toThrow(RangeError);
    new (digitalFor(board))({ pin: 4, mode: 8 });
    expect(() => new Serial({ receive: 16, transmit: 4, baud: 9600, port: 1 })).toThrow('in use');
    const s = new Serial({ receive: 16, transmit: 17, baud: 9600, port: 1 });
    expect(() => new Serial({ receive: 18, baud: 9600, port: 1 })).toThrow('port in use');
    expect(s.format).toBe('number');
    s.close();
    s.close();
    expect(() => s.read()).toThrow(SyntaxError);
    new Serial({ receive: 16, baud: 9600, port: 1 });
  });

  it('delivers bytes at the baud rate: onReadable after the RX timeout, with every byte waiting', () => {
    const { board, Serial, uart } = uartBoard();
    const seen: [number, number][] = [];
    const s = new Serial({ receive: 16, transmit: 17, baud: 9600, port: 1, format: 'buffer', onReadable(count) { seen.push([board.now, count]); } });
    board.at(10, () => uart.peerSend(new TextEncoder().encode('hello')));
    board.advance(13);
    // A byte takes 1.04 ms: 2 of them are in the FIFO at 13 ms, read() finds them.
    expect(text(s.read())).toBe('he');
    // The last ends at 15.2 ms; 4 idle symbols later (4.6 ms) the RX timeout fires.
    board.advance(6);
    expect(seen).toEqual([]);
    board.advance(1);
    expect(seen).toEqual([[20, 3]]);
    expect(() => s.read(0)).toThrow('invalid');
    expect(text(s.read(10))).toBe('llo');
    expect(s.read()).toBeUndefined();
  });

  it('fires onReadable at the FIFO-full level during a long burst, and loses what overflows the FIFO', () => {
    const { board, Serial, uart, events } = uartBoard(115200);
    const seen: [number, number][] = [];
    const s = new Serial({ receive: 16, baud: 115200, port: 1, format: 'buffer', onReadable(count) { seen.push([board.now, count]); } });
    board.at(0, () => uart.peerSend(new Uint8Array(300).fill(7)));
    board.advance(100);
    // 120 bytes take 10.4 ms at 115200 baud: the FIFO-full interrupt. Nobody reads: the FIFO fills at 128,
    // and each byte that arrives over the full level raises the interrupt again.
    expect(seen[0]).toEqual([11, 126]);
    expect(seen.slice(1).map(([, count]) => count)).toEqual(Array(seen.length - 1).fill(128));
    expect((s.read() as ArrayBuffer).byteLength).toBe(128);
    uart.finish();
    expect(events.filter((e) => 'what' in e).map((e) => 'note' in e && e.note)).toEqual(['RX FIFO full (128 bytes): 172 bytes lost from 12 ms']);
  });

  it('writes what fits the TX FIFO, throws "output full" otherwise, and calls onWritable once fewer than 10 bytes wait', () => {
    const { board, Serial, events } = uartBoard();
    const room: [number, number][] = [];
    const s = new Serial({ transmit: 17, baud: 9600, port: 1, format: 'buffer', onWritable(count) { room.push([board.now, count]); } });
    board.advance(0);
    expect(room).toEqual([[0, 128]]);
    s.write(new Uint8Array(100));
    expect(() => s.write(new Uint8Array(29))).toThrow('output full');
    s.write(new Uint8Array(28).buffer);
    // 128 bytes at 1.04 ms each: fewer than 10 wait after 119 of them, at 123.96 ms.
    board.advance(200);
    expect(room).toEqual([[0, 128], [124, 119]]);
    expect(events.filter((e) => 'bytes' in e).map((e) => 'bytes' in e && [e.t, e.bytes.length, e.start])).toEqual([[0, 100, 0], [0, 28, 100 * 10_000]]);
  });
});

describe('TCP', () => {
  function net(setup: Partial<{ down: number[]; readRate: number; window: number }> = {}) {
    const board = new SimBoard();
    networkOf(board).addServer('192.0.2.7:80', { label: 'srv', down: [], readRate: 0, window: 5744, ...setup });
    const log: string[] = [];
    const TCP = tcpFor(board);
    const open = () => new TCP({
      address: '192.0.2.7', port: 80,
      onReadable(count) { log.push(`${board.now} readable ${count}`); },
      onWritable(count) { log.push(`${board.now} writable ${count}`); },
      onError() { log.push(`${board.now} error`); },
    });
    return { board, TCP, open, log, network: networkOf(board) };
  }

  it('checks its options as lwIP does, and is not writable before it connects', () => {
    const { TCP, open } = net();
    expect(() => new TCP({ address: 'example.com', port: 80 })).toThrow('invalid address');
    expect(() => new TCP({ address: '192.0.2.7', port: 70000 })).toThrow('invalid port');
    const s = open();
    expect(s.format).toBe('buffer');
    expect(() => s.write(new Uint8Array(1))).toThrow('not ready');
    expect(s.read()).toBeUndefined();
  });

  it('connects in 1 ms, is refused with onError when no server listens or it is down', () => {
    const { board, TCP, open, log } = net({ down: [5, 10] });
    open();
    board.advance(5);
    const refused: number[] = [];
    new TCP({ address: '192.0.2.7', port: 80, onError() { refused.push(board.now); } });
    new TCP({ address: '192.0.2.8', port: 80, onError() { refused.push(board.now); } });
    board.advance(5);
    expect(log).toEqual(['1 writable 5744']);
    expect(refused).toEqual([6, 6]);
  });

  it('reads what the server sent ("invalid" past it), and reports its close after the bytes were read', () => {
    const { board, open, log, network } = net();
    const s = open();
    board.at(3, () => network.serverSend('192.0.2.7:80', new TextEncoder().encode('hello')));
    board.at(4, () => network.serverEnd('192.0.2.7:80', 'close'));
    board.advance(10);
    // The FIN's message finds the bytes unread: its onError waits for them to be read.
    expect(log).toEqual(['1 writable 5744', '3 readable 5']);
    expect(() => s.read(6)).toThrow('invalid');
    expect(text(s.read(5))).toBe('hello');
    board.advance(1);
    expect(log.at(-1)).toBe('10 error');
    // tcp.c: once the error is delivered the socket is no longer ready.
    expect(() => s.write(new Uint8Array(3))).toThrow('not ready');
  });

  it('ignores writes between a reset and its onError, as tcp.c does with no pcb left', () => {
    const { board, open, log, network } = net();
    const s = open();
    board.at(3, () => network.serverEnd('192.0.2.7:80', 'reset'));
    board.at(3, () => log.push(`write ${String(s.write(new Uint8Array(3)))}`));
    board.advance(5);
    expect(log).toEqual(['1 writable 5744', 'write undefined', '3 error']);
  });

  it('fills the send buffer when the server reads slowly: "would block", and onWritable as its window drains', () => {
    const { board, open, log } = net({ readRate: 100, window: 1000 });
    const s = open();
    board.advance(1);
    expect(s.write(new Uint8Array(5744))).toBe(0);
    expect(() => s.write(new Uint8Array(1))).toThrow('would block');
    board.advance(3);
    expect(log).toEqual(['1 writable 5744', '2 writable 1000', '3 writable 1100', '4 writable 1200']);
  });
});

describe("Moddable's text globals", () => {
  it('String.fromArrayBuffer and ArrayBuffer.fromString convert UTF-8 as XS does', () => {
    installModdableText();
    const S = String as unknown as { fromArrayBuffer(b: ArrayBuffer, o?: number, l?: number): string };
    const A = ArrayBuffer as unknown as { fromString(s: string): ArrayBuffer };
    const buffer = A.fromString('Zürich €😀');
    expect([...new Uint8Array(buffer)]).toEqual([...new TextEncoder().encode('Zürich €😀')]);
    expect(S.fromArrayBuffer(buffer)).toBe('Zürich €😀');
    expect(S.fromArrayBuffer(buffer, 1, 2)).toBe('ü');
    expect(S.fromArrayBuffer(new Uint8Array([65, 0, 66]).buffer)).toBe('A');
    expect(() => S.fromArrayBuffer(new Uint8Array([0xff]).buffer)).toThrow('invalid UTF-8');
    expect(() => S.fromArrayBuffer(new Uint8Array([0xc3]).buffer)).toThrow('invalid UTF-8');
    expect(() => S.fromArrayBuffer(new Uint8Array(2) as unknown as ArrayBuffer)).toThrow('argument is no ArrayBuffer instance');
    expect(() => S.fromArrayBuffer(new ArrayBuffer(2), 3)).toThrow(RangeError);
    expect(Object.keys(String)).not.toContain('fromArrayBuffer');
  });
});
