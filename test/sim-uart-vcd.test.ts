/**
 * The VCD carries a UART's RX and TX lines as real 8N1 waveforms: sigrok's
 * `uart` protocol decoder reads back exactly the bytes that went each way.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runScenario } from '../src/sim/host/run.js';
import { sendBytes, type Scenario } from '../src/sim/scenario.js';
import { fromHex, isWireEvent } from '../src/sim/trace.js';
import { formatVcd } from '../src/sim/vcd.js';
import { sigrokMissing, uartBytes } from './support/sigrok.js';

const dir = mkdtempSync(join(tmpdir(), 'anyloop-uart-vcd-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the UART lines in the VCD, decoded by sigrok-cli', () => {
  const missing = sigrokMissing();

  it.skipIf(missing).each([115200, 9600])('gives back every byte both ways at %i baud', async (baud) => {
    const app = join(dir, `echo-${baud}.js`);
    writeFileSync(app, `
import Serial from 'embedded:io/serial';
import Timer from 'timer';
import Time from 'time';
import { createTask, setEventLoop } from 'anyloop';
import { XsLoop, openSerial } from 'anyloop/xs';
const loop = new XsLoop({ Timer, Time });
setEventLoop(loop);
createTask(function* () {
  const [reader, writer] = yield* openSerial({ io: Serial, receive: 16, transmit: 17, baud: ${baud}, port: 2 });
  for (;;) {
    const chunk = yield* reader.read(32);
    if (chunk.length === 0) break;
    // Each chunk back, reversed: the TX line carries bytes the peer did not send in that order.
    writer.write(chunk.reverse());
    yield* writer.drain();
  }
});
loop.runForever();
`);
    const send = [
      { at: 5, line: '$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6A' },
      { at: 5, hex: '00 ff 55 aa 01 80 7f fe' },
      { at: 40, text: 'Zürich' },
    ];
    const scenario: Scenario = { end: 200, uart: [{ port: 2, receive: 16, transmit: 17, baud, label: 'GPS', send }] };
    const report = await runScenario({ app, scenario, engine: 'node' });
    expect(report.failure).toBeNull();
    const file = join(dir, `echo-${baud}.vcd`);
    writeFileSync(file, formatVcd(report.trace));
    const sent = send.flatMap((s) => [...sendBytes(s)]);
    const echoed = report.trace.events.filter((e) => isWireEvent(e) && e.dir === 'tx').flatMap((e) => fromHex((e as { hex: string }).hex));
    expect(echoed).toHaveLength(sent.length);
    expect(echoed).not.toEqual(sent);
    expect(uartBytes(file, 'GPIO16_GPS_RX', baud)).toEqual(sent);
    expect(uartBytes(file, 'GPIO17_GPS_TX', baud)).toEqual(echoed);
  }, 60_000);
});
