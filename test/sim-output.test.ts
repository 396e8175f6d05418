import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatTimeline } from '../src/sim/timeline.js';
import type { SimTrace } from '../src/sim/trace.js';
import { formatVcd } from '../src/sim/vcd.js';
import { sigrokMissing, vcdTransitions } from './support/sigrok.js';

const trace: SimTrace = {
  end: 1000,
  pins: [
    { pin: 0, label: 'BOOT', role: 'input', initial: 1 },
    { pin: 2, label: 'GPIO2', role: 'output', initial: 0 },
    { pin: 34, label: 'ADC', role: 'analog', initial: 100 },
  ],
  events: [
    { t: 100, pin: 0, level: 0, by: 'scenario' },
    { t: 101, pin: 0, level: 1, by: 'scenario' },
    { t: 101, pin: 0, level: 0, by: 'scenario' },
    { t: 130, pin: 2, level: 1, by: 'app' },
    { t: 130, print: 'LED on' },
    { t: 400, pin: 34, value: 2.5 },
    { t: 600, pin: 0, level: 1, by: 'scenario' },
    { t: 600, pin: 2, level: 0, by: 'app' },
  ],
};

describe('the terminal timeline', () => {
  it('shows each pin, every change with who made it, and the printed lines, in order', () => {
    expect(formatTimeline(trace, { everyEdge: true })).toEqual([
      '  t (ms)  pin          event',
      '       0  GPIO0 BOOT   input, rests at 1',
      '       0  GPIO2        output, starts at 0',
      '       0  GPIO34 ADC   analog input, reads 100',
      '     100  GPIO0 BOOT   ↓ 0          scenario',
      '     101  GPIO0 BOOT   ↑ 1          scenario',
      '     101  GPIO0 BOOT   ↓ 0          scenario',
      '     130  GPIO2        ↑ 1          app',
      '     130  print        LED on',
      '     400  GPIO34 ADC   = 2.5',
      '     600  GPIO0 BOOT   ↑ 1          scenario',
      '     600  GPIO2        ↓ 0          app',
      '    1000               end',
    ]);
  });

  it('shows a bouncing contact as one line, and only a burst of the scenario on one pin with nothing in between', () => {
    const bouncy: SimTrace = {
      end: 500,
      pins: [{ pin: 0, label: 'BOOT', role: 'input', initial: 1 }, { pin: 4, label: 'GPIO4', role: 'input', initial: 1 }],
      events: [
        { t: 100, pin: 0, level: 0, by: 'scenario' },
        { t: 101, pin: 0, level: 1, by: 'scenario' },
        { t: 103, pin: 0, level: 0, by: 'scenario' },
        { t: 200, pin: 0, level: 1, by: 'scenario' },
        { t: 201, pin: 0, level: 0, by: 'scenario' },
        { t: 201, print: 'edge' },
        { t: 202, pin: 0, level: 1, by: 'scenario' },
        { t: 300, pin: 4, level: 0, by: 'scenario' },
        { t: 300, pin: 4, level: 1, by: 'scenario' },
        { t: 301, pin: 0, level: 0, by: 'scenario' },
      ],
    };
    expect(formatTimeline(bouncy).slice(3, -1)).toEqual([
      '     100  GPIO0 BOOT   ↓↑↓ 0        scenario, bounced: 3 changes in 3 ms',
      '     200  GPIO0 BOOT   ↑ 1          scenario',
      '     201  GPIO0 BOOT   ↓ 0          scenario',
      '     201  print        edge',
      '     202  GPIO0 BOOT   ↑ 1          scenario',
      '     300  GPIO4        ↓ 0          scenario',
      '     300  GPIO4        ↑ 1          scenario',
      '     301  GPIO0 BOOT   ↓ 0          scenario',
    ]);
  });
});

describe('the VCD file', () => {
  const vcd = formatVcd(trace);

  it('declares a 1 ms timescale, one wire per digital pin and ten 1-bit wires of the ADC code per analog input', () => {
    expect(vcd).toContain('$timescale 1ms $end');
    expect(vcd).toContain('$var wire 1 ! GPIO0_BOOT $end');
    expect(vcd).toContain('$var wire 1 " GPIO2 $end');
    expect(vcd).toContain('$var wire 1 # GPIO34_ADC[9] $end');
    expect(vcd).toContain('$var wire 1 , GPIO34_ADC[0] $end');
    expect(vcd).not.toMatch(/\$var real|\$var wire (?!1 )/);
    // 100 = 0b0001100100, most significant bit first.
    expect(vcd).toMatch(/\$dumpvars\n1!\n0"\n0#\n0\$\n0%\n1&\n1'\n0\(\n0\)\n1\*\n0\+\n0,\n\$end/);
  });

  it('writes one value per pin per millisecond: the last one; an analog value as the code read() gives', () => {
    // At 101 the pin went up and down again: the file holds 0, which it already was.
    expect(vcd).not.toContain('#101');
    // 2.5 reads as 2 = 0b0000000010.
    expect(vcd.endsWith('#130\n1"\n#400\n0#\n0$\n0%\n0&\n0\'\n0(\n0)\n0*\n1+\n0,\n#600\n1!\n0"\n#1000\n')).toBe(true);
  });

  describe('read back by sigrok-cli', () => {
    const missing = sigrokMissing();
    const dir = mkdtempSync(join(tmpdir(), 'anyloop-vcd-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it.skipIf(missing)('parses and holds exactly the transitions of the trace, the analog input\'s code among them', () => {
      const file = join(dir, 'trace.vcd');
      writeFileSync(file, vcd);
      const adc = (code: number) => Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`GPIO34_ADC[${9 - i}]`, (code >> (9 - i)) & 1]));
      expect(vcdTransitions(file)).toEqual([
        { t: 0, levels: { GPIO0_BOOT: 1, GPIO2: 0, ...adc(100) } },
        { t: 100, levels: { GPIO0_BOOT: 0, GPIO2: 0, ...adc(100) } },
        { t: 130, levels: { GPIO0_BOOT: 0, GPIO2: 1, ...adc(100) } },
        { t: 400, levels: { GPIO0_BOOT: 0, GPIO2: 1, ...adc(2) } },
        { t: 600, levels: { GPIO0_BOOT: 1, GPIO2: 0, ...adc(2) } },
      ]);
    });
  });
});

