import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { SimReport } from '../src/sim/host/run.js';
import { sendBytes } from '../src/sim/scenario.js';
import { isNoteEvent, isPrintEvent, linkLines } from '../src/sim/trace.js';
import { formatVcd } from '../src/sim/vcd.js';
import { sigrokMissing, uartBytes } from './support/sigrok.js';
import { targetRuns } from './support/target-runs.js';

// The gps-tracker example app, unchanged (targets/gps-tracker/main.ts), on the
// simulated board with a GPS on UART 2 and a TCP server, through the scenarios
// that ship with it, in Node and in XS.
const { run, scenario } = targetRuns('gps-tracker');
const SLOW = 60_000;

const prints = (r: SimReport, text: string) => r.trace.events.filter((e) => isPrintEvent(e) && e.print.includes(text))
  .map((e) => [e.t, (e as { print: string }).print] as const);
const linkOf = (r: SimReport, kind: 'uart' | 'tcp') => r.trace.links!.findIndex((l) => l.kind === kind);
/** The fixes the server received, as [time it got the line, the fix's UTC time]. */
const received = (r: SimReport) => linkLines(r.trace, linkOf(r, 'tcp'), 'tx').map((l) => [l.t, (JSON.parse(l.text) as { time: string }).time]);
const notes = (r: SimReport, what: string) => r.trace.events.filter((e) => isNoteEvent(e) && e.what === what).map((e) => e.t);

describe.each(['default', 'garbage', 'server-down'])('the gps-tracker app, scenario %s', (name) => {
  it.each(['node', 'xs'] as const)('holds every expectation of the scenario in %s', async (engine) => {
    const r = await run(name, engine);
    expect(r.failure).toBeNull();
    expect(r.unhandled).toEqual([]);
    expect(r.expectations.filter((e) => !e.ok).map((e) => e.message)).toEqual([]);
    expect(r.expectations.length).toBeGreaterThan(5);
    expect(r.ok).toBe(true);
  }, SLOW);

  it('gives the same trace in Node and in XS', async () => {
    const [node, xs] = [await run(name, 'node'), await run(name, 'xs')];
    expect(xs.trace).toEqual(node.trace);
    expect(node.trace.events.length).toBeGreaterThan(10);
  }, SLOW);
});

/** The GPS's latitude at second `s` of the scenarios: 48°(07.038 + 0.006 s)' N, in degrees rounded as the app does. */
const latitude = (s: number) => Math.round((48 + (7.038 + 0.006 * s) / 60) * 1e6) / 1e6;
const utc = (s: number) => `12:00:${String(s).padStart(2, '0')}`;
const gpsLines = (r: SimReport) => linkLines(r.trace, linkOf(r, 'uart'), 'rx');

describe('what the scenarios show', () => {
  it('good fix: each GGA becomes a fix while the rest of its burst is still on the wire, and the server gets it as JSON; the RMC of the same second adds nothing', async () => {
    const r = await run('default', 'xs');
    const arrived = (prefix: string) => gpsLines(r).filter((l) => l.text.startsWith(prefix) && !l.text.startsWith(`${prefix}120000`)).map((l) => l.t);
    const ggaIn = arrived('$GPGGA,'), rmcIn = arrived('$GPRMC,');
    // 67 bytes at 9600 baud take 70 ms on the wire.
    expect(ggaIn).toEqual([1070, 2070, 3070, 4070, 5070]);
    // The UART interrupts when its FIFO holds 120 bytes or the line goes idle: here, a few bytes into the RMC.
    const fixesAt = r.trace.events.filter((e) => isPrintEvent(e) && e.print.startsWith('fix ')).map((e) => e.t);
    expect(fixesAt.map((t, i) => ggaIn[i]! <= t && t < rmcIn[i]!)).toEqual([true, true, true, true, true]);
    expect(linkLines(r.trace, linkOf(r, 'tcp'), 'tx').map((l) => JSON.parse(l.text))).toEqual([1, 2, 3, 4, 5].map((s) =>
      ({ kind: 'GGA', time: utc(s), lat: latitude(s), lon: 11.516667, quality: 1 })));
    // A fix counts as sent when the server's "ok" for it comes in.
    expect(prints(r, 'sent fix')).toEqual([1, 2, 3, 4, 5].map((s) => [1000 * s + 500, `sent fix ${utc(s)}`]));
  }, SLOW);

  it('garbage: noise, a corrupted sentence, an over-long line and a cut sentence are each skipped, and the next sentence is read on time', async () => {
    const r = await run('garbage', 'xs');
    const lines = gpsLines(r);
    expect(lines.filter((l) => l.binary).map((l) => l.text)).toEqual(['00 ff 13 a5 5a fe 0d 0a']);
    expect(lines.some((l) => l.text.startsWith('$GPTXT') && l.text.length > 128)).toBe(true);
    expect(prints(r, 'gps:').map(([, p]) => p)).toEqual([
      'gps: garbage line skipped', 'gps: bad checksum, sentence skipped', 'gps: line longer than 128 bytes skipped', 'gps: garbage line skipped',
    ]);
    // The reader kept up with the wire: the UART's FIFO never overflowed.
    expect(notes(r, 'overflow')).toEqual([]);
    const g3 = lines.find((l) => l.text.startsWith('$GPGGA,120003'))!.t;
    expect(prints(r, 'fix 12:00:03 ')[0]![0] - g3).toBeLessThan(10);
    expect(received(r).map(([, t]) => t)).toEqual([1, 3, 4, 5].map(utc));
  }, SLOW);

  it('server down then back: retries 1, 2, 4, then 8 s apart; the GPS goes on; the newest 8 fixes are delivered in order; a reset costs a resend', async () => {
    const r = await run('server-down', 'xs');
    const refused = notes(r, 'refused');
    expect(refused.slice(1).map((t, i) => t - refused[i]!)).toEqual([1001, 2001, 4001]);
    const connects = notes(r, 'connect');
    expect(connects[0]! - refused[3]!).toBe(8001);
    expect(r.trace.events.filter((e) => isPrintEvent(e) && e.print.startsWith('fix ')).map((e) => e.t))
      .toEqual(Array.from({ length: 21 }, (_, i) => 1000 * (i + 1) + 75));
    const got = received(r).map(([, t]) => t);
    expect(got).toEqual([...[7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18].map(utc), ...[18, 19, 20, 21].map(utc)]);
    expect(notes(r, 'reset')).toEqual([18200]);
    expect(connects[1]! - 18200).toBe(1001);
  }, SLOW);
});

describe('the VCD of the garbage scenario, read back by sigrok-cli', () => {
  const missing = sigrokMissing();
  const dir = mkdtempSync(join(tmpdir(), 'anyloop-gps-vcd-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.skipIf(missing)('carries the GPS\'s UART line as a 9600-baud waveform that decodes to every byte the scenario sent', async () => {
    const r = await run('garbage', 'xs');
    const file = join(dir, 'garbage.vcd');
    writeFileSync(file, formatVcd(r.trace));
    const sent = scenario('garbage').uart![0]!.send!.flatMap((s) => [...sendBytes(s)]);
    expect(sent.length).toBeGreaterThan(500);
    expect(uartBytes(file, 'GPIO16_GPS_RX', 9600)).toEqual(sent);
  }, SLOW);
});
