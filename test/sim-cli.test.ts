import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from './support/cli.js';

const root = resolve(import.meta.dirname, '..');
const fixtures = join(root, 'test', 'fixtures', 'sim');
const dir = mkdtempSync(join(tmpdir(), 'anyloop-sim-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const SLOW = 60_000;

describe('anyloop-sim', () => {
  it('runs an app, shows the timeline and the summary, writes the VCD and exits 0 when every expectation holds', async () => {
    const vcd = join(dir, 'out', 'blink.vcd');
    const r = await cli(join(fixtures, 'blink.js'), '--scenario', join(fixtures, 'blink.json'), '--engine', 'node', '--vcd', vcd);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^anyloop-sim: .*blink\.js on a simulated ESP32, Node, scenario "blink" \(.*blink\.json, 1200 ms\)/);
    expect(r.out).toContain('     300  GPIO0 BOOT   ↓ 0          scenario\n     300  print        press 1 at 300, reads 0');
    expect(r.out).toContain('expectations: 4 of 4 held');
    // GPIO5 is an input of the app that nobody drives: it rests at its pull-up.
    expect(r.out).toContain('       0  GPIO5        input, rests at 1\n');
    expect(r.out).toContain(`VCD waveform of 4 pins written to ${vcd}`);
    expect(readFileSync(vcd, 'utf8')).toContain('$var wire 1 " GPIO2_LED $end');
  }, SLOW);

  it('exits 1 and says which expectation failed', async () => {
    const file = join(dir, 'wrong.json');
    writeFileSync(file, JSON.stringify({ end: 600, expect: [{ pin: 2, changes: 3 }] }));
    const r = await cli(join(fixtures, 'blink.js'), '--scenario', file, '--engine', 'xs', '--quiet');
    expect(r.code).toBe(1);
    expect(r.out).toContain('  FAIL GPIO2 level changes: expected 3, got 2');
    expect(r.out).toMatch(/XS meters: [\d,]+ computrons/);
    expect(r.out).not.toContain('t (ms)');
  }, SLOW);

  it('reports progress when asked', async () => {
    const r = await cli(join(fixtures, 'blink.js'), '--scenario', join(fixtures, 'blink.json'), '--engine', 'node', '--quiet', '--progress');
    expect(r.err.split('\n').filter((l) => l !== '')).toEqual(
      [100, 200, 300, 400, 500, 600, 700, 800, 900, 1000, 1100, 1200].map((t) => `  simulating: ${t} of 1200 ms (${Math.floor(t / 12)}%)`));
  }, SLOW);

  it.each([
    ['a scenario with a bad field', ['bad'], /^anyloop-sim: .*bad\.json: scenario\.press\[0\]\.holdMs: must be a whole number of milliseconds >= 0, got "long"\n$/],
    ['a missing scenario file', ['missing'], /^anyloop-sim: cannot read scenario .*nope\.json: no such file\n$/],
    ['a missing app', ['no-app'], /^anyloop-sim: app not found: .*nope\.js\n$/],
    ['an app that throws at start-up', ['throws'], /^anyloop-sim: the app threw at start-up: Error: no sensor on GPIO4\n$/],
    ['an unknown engine', ['engine'], /^anyloop-sim: --engine must be xs or node, got v8\nusage: anyloop-sim/],
  ])('gives one clear line and exit code 2 for %s', async (_what, [kind], message) => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ end: 100, press: [{ pin: 0, at: 10, holdMs: 'long' }] }));
    const blink = join(fixtures, 'blink.js');
    const args = {
      bad: [blink, '--scenario', bad],
      missing: [blink, '--scenario', join(dir, 'nope.json')],
      'no-app': [join(dir, 'nope.js'), '--scenario', bad],
      throws: [join(fixtures, 'throws-at-startup.js'), '--scenario', join(fixtures, 'blink.json')],
      engine: [blink, '--engine', 'v8'],
    }[kind!]!;
    const r = await cli(...args);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(message);
    expect(r.err).not.toMatch(/\n\s+at /);
  }, SLOW);

  describe('the installed command (dist/, built by npm run build)', () => {
    const bin = join(root, 'dist', 'sim', 'host', 'cli.js');
    const built = existsSync(bin);
    if (!built && process.env.CI === 'true') {
      it('is built', () => { throw new Error(`${bin} is missing: npm test builds it first`); });
      return;
    }
    if (!built) console.warn('\n*** SKIPPED: the anyloop-sim command tests need `npm run build` first ***\n');

    it.skipIf(!built)('exits non-zero with the message of an app that throws at start-up', async () => {
      const r = await promisify(execFile)(process.execPath, [bin, join(fixtures, 'throws-at-startup.js'), '--scenario', join(fixtures, 'blink.json')])
        .then(() => null, (e: { code: number; stdout: string; stderr: string }) => e);
      expect(r).not.toBeNull();
      expect(r!.code).toBe(2);
      expect(r!.stderr).toBe('anyloop-sim: the app threw at start-up: Error: no sensor on GPIO4\n');
      expect(r!.stdout).toBe('');
    }, SLOW);

    it.skipIf(!built)('exits 1 and says so when the app leaves a rejected promise unhandled (node engine)', async () => {
      const file = join(dir, 'end500.json');
      writeFileSync(file, JSON.stringify({ end: 500 }));
      const r = await promisify(execFile)(process.execPath, [bin, join(fixtures, 'rejects.js'), '--scenario', file, '--engine', 'node', '--quiet'])
        .then(() => null, (e: { code: number; stdout: string }) => e);
      expect(r!.code).toBe(1);
      expect(r!.stdout).toContain('\nunhandled rejection: Error: nobody listens\n');
      expect(r!.stdout).toContain('result: FAILED');
    }, SLOW);
  });
});
