import { describe, expect, it } from 'vitest';
import { parseScenario, scheduleOf } from '../src/sim/scenario.js';
import { scenario } from '../src/sim/scenario-builder.js';
import { rejection } from './support/scenario-rejection.js';
import { checkExpectations, levelAt, type SimTrace } from '../src/sim/trace.js';

describe('scenario validation', () => {
  it('accepts a full scenario and fills in the defaults', () => {
    const s = parseScenario({
      name: 'all', end: 1000,
      pins: { 0: { label: 'BOOT', initial: 1 } },
      press: [{ pin: 0, at: 10 }],
      waveforms: [{ pin: 4, levels: [[0, 0], [50, 1]] }],
      analog: [{ pin: 34, values: [[0, 1.5], [500, 3]] }],
      expect: [{ pin: 2, at: 500, level: 1 }, { pin: 2, changes: 1, to: 900 }, { printed: 'LED', count: 2 }],
    });
    expect(s.press).toEqual([{ pin: 0, at: 10, holdMs: 100, bounceMs: 0, activeLevel: 0 }]);
    expect(s.expect).toHaveLength(3);
  });

  it.each([
    [{ end: 100, press: [{ pin: 0, at: 10, holdMs: -5 }] }, 'scenario.press[0].holdMs', /whole number of milliseconds/],
    [{ end: 100, press: [{ pin: 0, at: 10, holdms: 5 }] }, 'scenario.press[0].holdms', /unknown field \(expected pin, at, holdMs/],
    [{ end: 100, press: [{ pin: 0, at: 10, holdMs: 5, bounceMs: 5 }] }, 'scenario.press[0].holdMs', /longer than bounceMs/],
    [{ end: 100, press: [{ pin: 0, at: 150 }] }, 'scenario.press[0].at', /after the end of the scenario \(100\)/],
    [{ end: 100, press: [{ pin: '0', at: 1 }] }, 'scenario.press[0].pin', /ESP32 GPIO number/],
    [{ end: 100, press: [{ pin: 20, at: 1 }] }, 'scenario.press[0].pin', /ESP32 GPIO number .*got 20/],
    [{ end: 'soon' }, 'scenario.end', /got "soon"/],
    [{}, 'scenario.end', /got undefined/],
    [{ end: 10, pins: { led: {} } }, 'scenario.pins.led', /GPIO numbers/],
    [{ end: 10, pins: { 2: { label: 'my led' } } }, 'scenario.pins.2.label', /must be a name/],
    [{ end: 10, pins: { 2: { initial: 2 } } }, 'scenario.pins.2.initial', /0 or 1, got 2/],
    [{ end: 10, waveforms: [{ pin: 1, levels: [[5, 1], [2, 0]] }] }, 'scenario.waveforms[0].levels[1][0]', /backwards/],
    [{ end: 10, waveforms: [{ pin: 1, levels: [[5, 'high']] }] }, 'scenario.waveforms[0].levels[0][1]', /0 or 1/],
    [{ end: 10, analog: [{ pin: 34, values: [] }] }, 'scenario.analog[0].values', /not be empty/],
    [{ end: 10, expect: [{ pin: 2, at: 5 }] }, 'scenario.expect[0]', /needs one of level/],
    [{ end: 10, expect: [{ printed: 'x', from: 8, to: 3 }] }, 'scenario.expect[0].to', /not be before from/],
    [{ end: 10, expect: [{ pin: 2, at: 5, level: 1, colour: 'red' }] }, 'scenario.expect[0].colour', /unknown field/],
    [{ end: 500, press: [{ pin: 0, at: 10, holdMs: 100 }, { pin: 0, at: 50 }] }, 'scenario.press[1]', /overlapping scenario.press\[0\]/],
    // Sorted by start, the earlier-written span comes second: the later-written one is still named.
    [{ end: 500, press: [{ pin: 0, at: 50 }, { pin: 0, at: 10, holdMs: 100 }] }, 'scenario.press[1]', /overlapping scenario.press\[0\]/],
    [{ end: 900, waveforms: [{ pin: 5, levels: [[0, 0], [800, 1]] }], press: [{ pin: 5, at: 300 }] }, 'scenario.waveforms[0]', /overlapping scenario.press\[0\]/],
    [{ end: 1e300 }, 'scenario.end', /must be at most 2147483647 ms \(24\.8 days, where Time\.ticks wraps\), got 1e\+300/],
    [{ end: 2 ** 31 - 1, press: [{ pin: 0, at: 10, holdMs: 1e8 + 1, bounceMs: 1e8 }] }, 'scenario.press[0].bounceMs', /must be at most 1000 ms, got 100000000/],
  ])('rejects %j naming %s', (value, path, problem) => {
    const e = rejection(value);
    expect(e.path).toBe(path);
    expect(e.message.startsWith(`${path}: `)).toBe(true);
    expect(e.message).toMatch(problem);
  });
});

describe('scenario size', () => {
  // Checking each pair would take minutes here (2e10 pairs); sorting and one sweep take a moment.
  it('checks 200,000 presses for overlaps without comparing every pair', () => {
    const press = Array.from({ length: 200_000 }, (_, i) => ({ pin: [0, 4, 5, 12][i % 4]!, at: Math.floor(i / 4) * 200, holdMs: 100 }));
    const s = parseScenario({ end: 10_000_100, press });
    expect(s.press!.length).toBe(200_000);
    press.push({ pin: 12, at: 9_999_850, holdMs: 100 });
    expect(rejection({ end: 10_000_100, press }).message).toMatch(/^scenario\.press\[200000\]: drives pin 12 from 9999850 to 9999950 ms, overlapping scenario\.press\[199999\] \(9999800 to 9999900 ms\)$/);
  });

  it('rejects a scenario that expands to more than a million events, before expanding it', () => {
    const press = Array.from({ length: 500 }, (_, i) => ({ pin: 0, at: i * 4000, holdMs: 1001, bounceMs: 1000 }));
    expect(rejection({ end: 2_000_000, press }).message)
      .toBe('scenario: expands to 1001000 level changes, analog values and peer actions, more than the 1000000 a run allows');
  });

  it('accepts a scenario at the limits', () => {
    const s = parseScenario({ end: 2 ** 31 - 1, press: Array.from({ length: 499 }, (_, i) => ({ pin: 0, at: i * 4000, holdMs: 1001, bounceMs: 1000 })) });
    expect(scheduleOf(s).changes.length).toBe(499 * 2002);
  });
});

describe('scenario schedule', () => {
  it('expands a bouncing press into one change per ms that settles, on both edges', () => {
    const s = parseScenario({ end: 1000, press: [{ pin: 0, at: 100, holdMs: 300, bounceMs: 3 }] });
    const sched = scheduleOf(s);
    expect(sched.initial).toEqual([{ pin: 0, level: 1 }]);
    expect(sched.changes.map((c) => [c.t, c.level])).toEqual([
      [100, 0], [101, 1], [102, 0], // bounces, then stays pressed (103 would be 0 again: no change)
      [400, 1], [401, 0], [402, 1],
    ]);
  });

  it('keeps a clean press to two changes and honours activeLevel and initial levels', () => {
    const s = parseScenario({ end: 1000, pins: { 5: { initial: 0 } }, press: [{ pin: 5, at: 10, holdMs: 20, activeLevel: 1 }] });
    expect(scheduleOf(s).changes).toEqual([{ t: 10, pin: 5, level: 1 }, { t: 30, pin: 5, level: 0 }]);
  });

  it('merges waveforms and presses in time order and drops changes to the level already held', () => {
    const s = parseScenario({
      end: 100,
      press: [{ pin: 0, at: 20, holdMs: 10 }],
      waveforms: [{ pin: 4, levels: [[0, 1], [10, 0], [40, 0], [50, 1]] }],
      analog: [{ pin: 34, values: [[60, 7]] }, { pin: 35, values: [[5, 1]] }],
    });
    const sched = scheduleOf(s);
    expect(sched.changes.map((c) => `${c.t}:${c.pin}=${c.level}`)).toEqual(['10:4=0', '20:0=0', '30:0=1', '50:4=1']);
    expect(sched.analog).toEqual([{ t: 5, pin: 35, value: 1 }, { t: 60, pin: 34, value: 7 }]);
  });
});

describe('scenario builder', () => {
  it('builds the same JSON the format describes, validated', () => {
    const s = scenario({ name: 'bounce', end: 2000 })
      .pin(0, { label: 'BOOT' })
      .press(0, 100, { holdMs: 300, bounceMs: 5 })
      .waveform(4, [[10, 0]])
      .analog(34, [[0, 100]])
      .expectLevel(2, 500, 1)
      .expectChanges(2, 1, { from: 100 })
      .expectPrinted('LED', { count: 1 })
      .build();
    expect(s).toEqual({
      name: 'bounce', end: 2000,
      pins: { 0: { label: 'BOOT' } },
      press: [{ pin: 0, at: 100, holdMs: 300, bounceMs: 5, activeLevel: 0 }],
      waveforms: [{ pin: 4, levels: [[10, 0]] }],
      analog: [{ pin: 34, values: [[0, 100]] }],
      expect: [{ pin: 2, at: 500, level: 1 }, { pin: 2, changes: 1, from: 100 }, { printed: 'LED', count: 1 }],
    });
  });

  it('rejects a bad value with the path of the field', () => {
    expect(() => scenario({ end: 100 }).press(0, 10, { bounceMs: Number.NaN }).build())
      .toThrow('scenario.press[0].bounceMs: must be a whole number of milliseconds >= 0, got null');
  });
});

describe('expectations on a trace', () => {
  const trace: SimTrace = {
    end: 1000,
    pins: [{ pin: 2, label: 'LED', role: 'output', initial: 0 }],
    events: [
      { t: 100, pin: 2, level: 1, by: 'app' },
      { t: 100, print: 'LED on' },
      { t: 600, pin: 2, level: 0, by: 'app' },
    ],
  };

  it('reads levels at the end of a millisecond', () => {
    expect([levelAt(trace, 2, 99), levelAt(trace, 2, 100), levelAt(trace, 2, 600), levelAt(trace, 7, 0)]).toEqual([0, 1, 0, undefined]);
  });

  it('passes and fails each kind with a message saying what happened', () => {
    const s = parseScenario({
      end: 1000,
      expect: [
        { pin: 2, at: 300, level: 1 }, { pin: 2, at: 700, level: 1 },
        { pin: 2, changes: 1, to: 500 }, { pin: 2, changes: 1 },
        { printed: 'LED on' }, { printed: 'LED on', from: 200 },
      ],
    });
    const r = checkExpectations(s, trace);
    expect(r.map((x) => x.ok)).toEqual([true, false, true, false, true, false]);
    expect(r[1]!.message).toBe('GPIO2 LED at 700 ms: expected 1, got 0');
    expect(r[3]!.message).toBe('GPIO2 LED level changes: expected 1, got 2');
    expect(r[5]!.message).toBe('lines printed with "LED on" from 200 to 1000 ms: expected at least 1, got 0');
  });
});
