import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import ts from 'typescript';
import ts6 from 'typescript6';
import { startApp, BUTTON_PIN, LED_PIN, SENSOR_PIN, type AppOptions } from '../targets/esp32/app.js';
import { SimBoard } from '../src/sim/board.js';

// The app imports `timer`, `time`, `embedded:io/*` and `anyloop`: test/vitest.config.ts
// maps them to the simulated board installed here and to the sources.
let board: SimBoard;
let lines: string[];

function start(options: AppOptions = {}) {
  board = new SimBoard().install();
  board.drive(BUTTON_PIN, 1);
  board.setAnalog(SENSOR_PIN, 512);
  lines = [];
  return startApp({ print: (line) => lines.push(`${board.now} ${line}`), ...options });
}

/** A press of the BOOT button at `at`, held `hold` ms; the contact chatters once per ms for `bounce` ms (even). */
function press(at: number, hold: number, bounce: number): void {
  for (let k = 0; k < bounce; k++) board.at(at + k, () => board.drive(BUTTON_PIN, k % 2 === 0 ? 0 : 1));
  board.at(at + bounce, () => board.drive(BUTTON_PIN, 0));
  for (let k = 0; k < bounce; k++) board.at(at + hold + k, () => board.drive(BUTTON_PIN, k % 2 === 0 ? 1 : 0));
  board.at(at + hold + bounce, () => board.drive(BUTTON_PIN, 1));
}

function ledChanges(): [number, number][] {
  return board.changes.filter((c) => c.pin === LED_PIN).map((c) => [c.t, c.level]);
}

afterEach(() => {
  expect(board.aborted).toBe(null);
  board.uninstall();
});

describe('the esp32 example app, unchanged, on the simulated board', () => {
  it('starts on one host timer and samples the sensor every 500 ms', () => {
    start();
    board.advance(1600);
    expect(lines).toEqual([
      '0 app started',
      '500 sensor 512 at 500 ms',
      '1000 sensor 512 at 1000 ms',
      '1500 sensor 512 at 1500 ms',
    ]);
    expect(board.timerCount).toBe(1);
    expect(board.timersCreated).toBe(1);
  });

  it('toggles the LED once per press of a bouncing button', () => {
    start();
    press(1200, 300, 6);
    press(2200, 300, 6);
    board.advance(3000);
    // Each press settles 6 ms after it starts and counts 20 ms later (the debounce).
    expect(ledChanges()).toEqual([[0, 0], [1226, 1], [2226, 0]]);
    expect(lines.filter((l) => l.includes('button'))).toEqual([
      '1226 button pressed at 1206 ms: LED on',
      '2226 button pressed at 2206 ms: LED off',
    ]);
  });

  it('stalls the consumer on an alarm reading: the queue fills, the producer waits and skips, the watchdog reports', () => {
    start();
    board.at(1200, () => board.setAnalog(SENSOR_PIN, 1010));
    board.at(1700, () => board.setAnalog(SENSOR_PIN, 500));
    board.advance(7200);
    // At 6500 the recalibration ends: the consumer's get() frees a slot and
    // it drains the backlog (its waitFor runs in the consumer's task, so each get
    // takes an item in the consumer's step), the watchdog sees progress, the
    // sampler's waiting put goes through and its next tick reports the four
    // deadlines it skipped.
    expect(lines.slice(3)).toEqual([
      '1500 sensor 1010 at 1500 ms',
      '1500 consumer: reading 1010 at or above 1000, recalibrating for 5000 ms',
      '4000 watchdog: consumer stalled, no progress for 3000 ms',
      '4000 sampler: queue full at 4000 ms, waiting',
      '6500 sensor 500 at 2000 ms',
      '6500 sensor 500 at 2500 ms',
      '6500 sensor 500 at 3000 ms',
      '6500 sensor 500 at 3500 ms',
      '6500 watchdog: consumer recovered after 5500 ms',
      '6500 sampler: skipped 4 readings while the queue was full',
      '6500 sensor 500 at 4000 ms',
      '6500 sensor 500 at 6500 ms',
      '7000 sensor 500 at 7000 ms',
    ]);
  });

  it('has the consumer time out, and the watchdog stay quiet, when readings stop coming', () => {
    start({ samplePeriodMs: 60_000 });
    board.advance(7000);
    expect(lines).toEqual([
      '0 app started',
      '2000 consumer: no reading for 2000 ms',
      '4000 consumer: no reading for 2000 ms',
      '6000 consumer: no reading for 2000 ms',
    ]);
  });

  it('stops: tasks cancelled, pins released, nothing left to do', () => {
    const app = start();
    board.advance(1000);
    app.stop();
    board.advance(10_000);
    expect(lines.length).toBe(3);
    expect(app.loop._ready.length + app.loop._timers.size).toBe(0);
    app.loop.stop();
    app.loop.close();
    expect(board.timerCount).toBe(0);
  });
});

describe('the esp32 target', () => {
  it('typechecks against @moddable/typings (targets/esp32/tsconfig.json)', () => {
    const configPath = new URL('../targets/esp32/tsconfig.json', import.meta.url).pathname;
    const parsed = ts.getParsedCommandLineOfConfigFile(configPath, {}, {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n')); },
    })!;
    const program = ts.createProgram(parsed.fileNames, parsed.options);
    const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => {
      const where = d.file && d.start !== undefined ? `${d.file.fileName}:${d.file.getLineAndCharacterOfPosition(d.start).line + 1}: ` : '';
      return where + ts.flattenDiagnosticMessageText(d.messageText, '\n');
    });
    expect(diagnostics).toEqual([]);
    expect(parsed.fileNames.some((f) => f.endsWith('@moddable/typings/embedded_io/digital.d.ts'))).toBe(true);
  }, 60_000);

  // The Moddable SDK 8.2's TypeScript step writes a tsconfig that needs TypeScript 6 (lib es2025) and
  // resolves each module to the path manifest.json names (anyloop: src/moddable/anyloop), where it
  // looks for declarations. Without src/moddable/*.d.ts this fails with TS7016.
  it('typechecks with TypeScript 6 as the Moddable SDK resolves modules: through the paths of manifest.json', () => {
    const root = resolve(import.meta.dirname, '..');
    const manifest = JSON.parse(readFileSync(resolve(root, 'manifest.json'), 'utf8')) as { modules: Record<string, string> };
    const typings = resolve(root, 'node_modules', '@moddable', 'typings');
    const config = ts6.parseJsonConfigFileContent({
      compilerOptions: {
        target: 'es2025', lib: ['es2025'], module: 'esnext', moduleResolution: 'bundler', strict: true, skipLibCheck: true, noEmit: true, types: [],
        paths: Object.fromEntries(Object.entries(manifest.modules).map(([name, path]) => [name, [resolve(root, path)]])),
      },
      files: [
        ...['xs.d.ts', 'timer.d.ts', 'time.d.ts', 'embedded_io/_common.d.ts', 'embedded_io/digital.d.ts', 'embedded_io/analog.d.ts'].map((f) => resolve(typings, f)),
        resolve(root, 'targets', 'esp32', 'main.ts'),
        resolve(root, 'targets', 'esp32', 'app.ts'),
      ],
    }, ts6.sys, root);
    expect(config.errors).toEqual([]);
    const program = ts6.createProgram(config.fileNames, config.options);
    const diagnostics = ts6.getPreEmitDiagnostics(program).map((d) =>
      `${d.file ? `${d.file.fileName}: ` : ''}TS${d.code} ${ts6.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    expect(diagnostics).toEqual([]);
    expect(ts6.version).toMatch(/^6\./);
    const files = program.getSourceFiles().map((f) => f.fileName);
    expect(files).toContain(resolve(root, 'src', 'moddable', 'anyloop.d.ts'));
    expect(files).toContain(resolve(root, 'src', 'moddable', 'xs.d.ts'));
  }, 60_000);
});
