import { describe, expect, it } from 'vitest';
import { parseScenario, SCENARIO_LIMITS, sendBytes } from '../src/sim/scenario.js';
import { rejection } from './support/scenario-rejection.js';
import { checkExpectations, linkLines, type SimTrace } from '../src/sim/trace.js';

const gps = { port: 1, receive: 16, transmit: 17 };
const server = { address: '192.0.2.7', port: 8080 };

describe('scenario validation of UART and TCP peers', () => {
  it('accepts peers and fills in the defaults', () => {
    const s = parseScenario({
      end: 5000,
      uart: [{ ...gps, baud: 9600, label: 'GPS', send: [{ at: 100, line: '$GPGGA,1' }, { at: 100, hex: 'b5 62' }, { at: 200, text: 'x' }] }],
      tcp: [{ ...server, down: [[0, 1000]], script: [{ at: 1500, line: 'OK' }, { at: 2000, close: true }, { at: 3000, reset: true }], readRate: 10 }],
      expect: [{ uart: 1, received: 'hello' }, { tcp: '192.0.2.7:8080', received: 'fix', count: 2 }, { tcp: '192.0.2.7:8080', connects: 1, to: 4000 }],
    });
    expect(s.uart![0]).toMatchObject({ baud: 9600, label: 'GPS', fifo: 128 });
    expect(s.tcp![0]).toMatchObject({ label: '192.0.2.7:8080', window: 5744, readRate: 10 });
    expect(parseScenario({ end: 10, uart: [gps] }).uart![0]).toMatchObject({ baud: 115200, label: 'UART1' });
    expect(s.expect).toHaveLength(3);
  });

  it('sends a line with CR LF, text as UTF-8, hex as bytes', () => {
    expect([...sendBytes({ at: 0, line: 'A' })]).toEqual([65, 13, 10]);
    expect([...sendBytes({ at: 0, text: 'é' })]).toEqual([0xc3, 0xa9]);
    expect([...sendBytes({ at: 0, hex: 'B5 620a' })]).toEqual([0xb5, 0x62, 0x0a]);
  });

  it.each([
    [{ end: 100, uart: [{ ...gps, port: 3 }] }, 'scenario.uart[0].port', /0, 1 or 2/],
    [{ end: 100, uart: [{ ...gps, baud: 100 }] }, 'scenario.uart[0].baud', /from 300 to 5000000/],
    [{ end: 100, uart: [{ ...gps, transmit: 34 }] }, 'scenario.uart[0].transmit', /input only/],
    [{ end: 100, uart: [{ ...gps, transmit: 16 }] }, 'scenario.uart[0].transmit', /not be the receive pin/],
    [{ end: 100, uart: [{ ...gps, fifo: 0 }] }, 'scenario.uart[0].fifo', /from 1 to 4096/],
    [{ end: 100, uart: [{ ...gps, bauds: 1 }] }, 'scenario.uart[0].bauds', /unknown field/],
    [{ end: 100, uart: [gps, { port: 2, receive: 16, transmit: 4 }] }, 'scenario.uart[1].receive', /GPIO16 is already used by scenario.uart\[0\].receive/],
    [{ end: 100, uart: [gps, { port: 1, receive: 5, transmit: 4 }] }, 'scenario.uart[1].port', /UART1 already has a peer/],
    [{ end: 1000, uart: [gps], press: [{ pin: 16, at: 1 }] }, 'scenario.press[0].pin', /wired to a UART peer/],
    [{ end: 100, uart: [{ ...gps, send: [{ at: 1, line: 'a', hex: '00' }] }] }, 'scenario.uart[0].send[0]', /exactly one of line, text, hex/],
    [{ end: 100, uart: [{ ...gps, send: [{ at: 1, hex: 'abc' }] }] }, 'scenario.uart[0].send[0].hex', /pairs of hexadecimal digits/],
    [{ end: 100, uart: [{ ...gps, send: [{ at: 1, close: true }] }] }, 'scenario.uart[0].send[0].close', /unknown field/],
    [{ end: 100, uart: [{ ...gps, send: [{ at: 50, text: 'a' }, { at: 10, text: 'b' }] }] }, 'scenario.uart[0].send[1].at', /must not go backwards/],
    [{ end: 100, uart: [{ ...gps, send: [{ at: 150, text: 'a' }] }] }, 'scenario.uart[0].send[0].at', /after the end/],
    [{ end: 100, uart: [{ ...gps, send: [{ at: 1, text: 'a', count: 2 }] }] }, 'scenario.uart[0].send[0].every', /needed with a count above 1/],
    [{ end: 100, uart: [{ ...gps, send: [{ at: 10, text: 'a', every: 10, count: 11 }] }] }, 'scenario.uart[0].send[0].count', /110 is after the end of the scenario \(100\)/],
    [{ end: 100, tcp: [{ ...server, script: [{ at: 1, close: true, every: 5 }] }] }, 'scenario.tcp[0].script[0].every', /unknown field/],
    [{ end: 100, tcp: [{ ...server, address: 'example.com' }] }, 'scenario.tcp[0].address', /IPv4 address/],
    [{ end: 100, tcp: [{ ...server, port: 0 }] }, 'scenario.tcp[0].port', /from 1 to 65535/],
    [{ end: 100, tcp: [{ ...server, down: [[50, 50]] }] }, 'scenario.tcp[0].down[0][1]', /must be after from/],
    [{ end: 100, tcp: [{ ...server, down: [[10, 50], [40, 60]] }] }, 'scenario.tcp[0].down[1][0]', /not overlap/],
    [{ end: 100, tcp: [{ ...server, script: [{ at: 1, close: 1 }] }] }, 'scenario.tcp[0].script[0].close', /must be true/],
    [{ end: 100, tcp: [{ ...server, script: [{ at: 1, reset: true, line: 'x' }] }] }, 'scenario.tcp[0].script[0].line', /unknown field/],
    [{ end: 100, tcp: [{ ...server, window: 70000 }] }, 'scenario.tcp[0].window', /from 1 to 65535/],
    [{ end: 100, tcp: [server, server] }, 'scenario.tcp[1]', /a second server at 192.0.2.7:8080/],
    [{ end: 100, expect: [{ uart: 1, received: 'x' }] }, 'scenario.expect[0].uart', /no UART peer on port 1/],
    [{ end: 100, tcp: [server], expect: [{ tcp: '192.0.2.7:80', connects: 1 }] }, 'scenario.expect[0].tcp', /no TCP server "192.0.2.7:80"/],
    [{ end: 100, uart: [gps], tcp: [server], expect: [{ uart: 1, tcp: '192.0.2.7:8080', received: 'x' }] }, 'scenario.expect[0]', /names one peer/],
  ])('rejects %j at %s', (value, path, message) => {
    const e = rejection(value);
    expect(e.path).toBe(path);
    expect(e.message).toMatch(message);
  });

  it('repeats a send count times, every ms apart', () => {
    const s = parseScenario({ end: 5000, uart: [{ ...gps, send: [{ at: 0, line: '$GPRMC', every: 1000, count: 5 }] }] });
    expect(s.uart![0]!.send).toEqual([{ at: 0, line: '$GPRMC', every: 1000, count: 5 }]);
  });

  it('limits the bytes peers send, repeats included, counted before anything runs', () => {
    expect(rejection({ end: 2_000_000, uart: [{ ...gps, send: [{ at: 0, text: 'x'.repeat(100), every: 1, count: 10_001 }] }] }).message)
      .toMatch(/send 1000100 bytes/);
    const big = 'x'.repeat(10_000);
    const send = Array.from({ length: 101 }, (_, i) => ({ at: i, text: big }));
    expect(rejection({ end: 1000, uart: [{ ...gps, send }] }).message)
      .toMatch(new RegExp(`send 1010000 bytes, more than the ${SCENARIO_LIMITS.bytes}`));
  });
});

describe('link lines and expectations', () => {
  const trace: SimTrace = {
    end: 100,
    pins: [],
    links: [{ kind: 'uart', label: 'GPS', port: 1, baud: 10000, receive: 16, transmit: 17 }, { kind: 'tcp', label: 'srv', address: '192.0.2.7', port: 80 }],
    events: [
      // At 10000 baud a byte takes 1 ms: "ok\r\n" from 5 ms ends at 9 ms.
      { t: 5, link: 0, dir: 'tx', hex: '6f 6b 0d', start: 50000 },
      { t: 8, link: 0, dir: 'tx', hex: '0a', start: 80000 },
      { t: 10, link: 1, what: 'connect', note: 'connected' },
      { t: 12, link: 1, dir: 'tx', hex: '66 69 78 0a 66' },
      { t: 14, link: 1, dir: 'tx', hex: '69 78 0a b5 62' },
      { t: 30, link: 1, what: 'connect', note: 'connected' },
    ],
  };

  it('splits lines across chunks, dates them by their last byte, shows binary as hex', () => {
    expect(linkLines(trace, 0, 'tx')).toEqual([{ t: 9, text: 'ok', binary: false }]);
    expect(linkLines(trace, 1, 'tx')).toEqual([
      { t: 12, text: 'fix', binary: false }, { t: 14, text: 'fix', binary: false }, { t: 14, text: 'b5 62', binary: true },
    ]);
  });

  it('reads a line of 300,000 characters (no limit of a call\'s arguments)', () => {
    const long: SimTrace = { ...trace, events: [{ t: 1, link: 1, dir: 'tx', hex: `${'61 '.repeat(300_000)}0a` }] };
    expect(linkLines(long, 1, 'tx')[0]!.text).toHaveLength(300_000);
  });

  it('counts received lines and connects within their windows', () => {
    const results = checkExpectations({
      end: 100,
      expect: [
        { uart: 1, received: 'ok', from: 9, to: 9 },
        { tcp: '192.0.2.7:80', received: 'fix', count: 2 },
        { tcp: '192.0.2.7:80', received: 'fix', count: 1, to: 13 },
        { tcp: '192.0.2.7:80', connects: 1, to: 20 },
        { tcp: '192.0.2.7:80', connects: 1 },
      ],
    }, trace);
    expect(results.map((r) => r.ok)).toEqual([true, true, true, true, false]);
    expect(results[4]!.message).toBe('connections 192.0.2.7:80 accepted: expected 1, got 2');
  });
});
