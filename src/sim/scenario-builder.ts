import { parseScenario, type Level, type PinSetup, type Scenario } from './scenario.js';

/**
 * Writes a scenario in TypeScript: each method adds one thing and returns the
 * builder; `build()` validates and returns the plain JSON scenario.
 *
 * ```ts
 * import { scenario } from 'anyloop/sim';
 * const s = scenario({ name: 'bounce', end: 2000 })
 *   .pin(0, { label: 'BOOT' }).pin(2, { label: 'LED' })
 *   .press(0, 100, { holdMs: 300, bounceMs: 5 })
 *   .expectChanges(2, 1)
 *   .build();
 * ```
 */
export class ScenarioBuilder {
  private readonly _s: Scenario & Required<Pick<Scenario, 'pins' | 'press' | 'waveforms' | 'analog' | 'expect'>>;

  constructor(options: { name?: string; end: number }) {
    this._s = { end: options.end, pins: {}, press: [], waveforms: [], analog: [], expect: [] };
    if (options.name !== undefined) this._s.name = options.name;
  }

  /** Names a pin and sets the level an input rests at. */
  pin(pin: number, setup: PinSetup): this {
    this._s.pins[String(pin)] = { ...setup };
    return this;
  }

  /** A button press at `at`, held `holdMs` (default 100), bouncing `bounceMs` (default 0) after each change. */
  press(pin: number, at: number, options: { holdMs?: number; bounceMs?: number; activeLevel?: Level } = {}): this {
    this._s.press.push({ pin, at, ...options });
    return this;
  }

  /** Drives a pin through `[time, level]` pairs. */
  waveform(pin: number, levels: [number, Level][]): this {
    this._s.waveforms.push({ pin, levels: levels.map(([t, l]) => [t, l]) });
    return this;
  }

  /** The value an analog input reads from each time on. */
  analog(pin: number, values: [number, number][]): this {
    this._s.analog.push({ pin, values: values.map(([t, v]) => [t, v]) });
    return this;
  }

  /** Expects `pin` at `level` at the end of millisecond `at`. */
  expectLevel(pin: number, at: number, level: Level): this {
    this._s.expect.push({ pin, at, level });
    return this;
  }

  /** Expects `pin` to change level exactly `changes` times within the window (default: the whole run). */
  expectChanges(pin: number, changes: number, window: { from?: number; to?: number } = {}): this {
    this._s.expect.push({ pin, changes, ...window });
    return this;
  }

  /** Expects printed lines containing `text`: at least one, or exactly `count`, within the window. */
  expectPrinted(text: string, options: { count?: number; from?: number; to?: number } = {}): this {
    this._s.expect.push({ printed: text, ...options });
    return this;
  }

  /** Validates (ScenarioError naming the bad field) and returns the JSON scenario. */
  build(): Scenario {
    const s: Scenario = { ...this._s };
    for (const key of ['pins', 'press', 'waveforms', 'analog', 'expect'] as const) {
      const v = s[key];
      if (v !== undefined && Object.keys(v).length === 0) delete s[key];
    }
    return parseScenario(JSON.parse(JSON.stringify(s)));
  }
}

/** Starts a scenario that runs until `end` ms. */
export function scenario(options: { name?: string; end: number }): ScenarioBuilder {
  return new ScenarioBuilder(options);
}
