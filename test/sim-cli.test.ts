import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

  it('shows a UART peer\'s lines in the timeline and writes its RX and TX lines in the VCD', async () => {
    const app = join(dir, 'uart.js');
    writeFileSync(app, "import Serial from 'embedded:io/serial';\n" +
      "const s = new Serial({ receive: 16, transmit: 17, baud: 9600, port: 1, format: 'buffer', onReadable(n) { this.write(this.read(n)); } });\n");
    const scenario = join(dir, 'uart.json');
    writeFileSync(scenario, JSON.stringify({
      end: 100, uart: [{ port: 1, receive: 16, transmit: 17, baud: 9600, label: 'GPS', send: [{ at: 10, line: 'hi' }] }],
      expect: [{ uart: 1, received: 'hi' }],
    }));
    const vcd = join(dir, 'out', 'uart.vcd');
    const r = await cli(app, '--scenario', scenario, '--engine', 'node', '--vcd', vcd);
    expect(r.code).toBe(0);
    // "hi\r\n" takes 4.2 ms from 10 ms; the RX timeout 4.6 ms later; the echo 4.2 ms more.
    expect(r.out).toContain('      15  GPS     rx: hi\n      24  GPS     tx: hi\n');
    expect(r.out).toContain(`VCD waveform of 0 pins and 2 UART lines written to ${vcd}`);
    expect(readFileSync(vcd, 'utf8')).toMatch(/\$timescale 1us \$end[\s\S]*\$var wire 1 ! GPIO16_GPS_RX \$end\n\$var wire 1 " GPIO17_GPS_TX \$end/);
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

  // Each would expand to millions of events or run for ever.
  it.each([
    ['an end past the range of Time.ticks', { end: 1e300 }, 'scenario.end: must be at most 2147483647 ms (24.8 days, where Time.ticks wraps), got 1e+300'],
    ['a bounce of a day', { end: 200_000_000, press: [{ pin: 0, at: 0, holdMs: 100_000_001, bounceMs: 100_000_000 }] },
      'scenario.press[0].bounceMs: must be at most 1000 ms, got 100000000'],
    ['more than a million events', { end: 2_000_000, press: Array.from({ length: 600 }, (_, i) => ({ pin: 0, at: i * 3000, holdMs: 1001, bounceMs: 1000 })) },
      'scenario: expands to 1201200 level changes, analog values and peer actions, more than the 1000000 a run allows'],
  ])('refuses a scenario with %s: exit code 2 and one line', async (_what, value, message) => {
    const file = join(dir, 'limit.json');
    writeFileSync(file, JSON.stringify(value));
    const r = await cli(join(fixtures, 'blink.js'), '--scenario', file, '--engine', 'node');
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toBe(`anyloop-sim: ${file}: ${message}\n`);
  }, SLOW);

  it.each([
    ['--vcd', 'under a file', () => join(fixtures, 'blink.js', 'out.vcd'), /^anyloop-sim: cannot write .*blink\.js\/out\.vcd: EEXIST: file already exists, mkdir '.*blink\.js'\n$/],
    ['--json', 'that is a folder', () => dir, /^anyloop-sim: cannot write .*: EISDIR: illegal operation on a directory, open '.*'\n$/],
  ])('refuses %s to a path %s with exit code 2 and one line, before running', async (option, _what, path, message) => {
    const r = await cli(join(fixtures, 'blink.js'), '--scenario', join(fixtures, 'blink.json'), '--engine', 'node', option, path());
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(message);
  }, SLOW);

  it('fails the run (exit 1) when the app leaves a failure to the loop\'s exception handler, naming the line of its source', async () => {
    const file = join(dir, 'end500.json');
    writeFileSync(file, JSON.stringify({ end: 500 }));
    const r = await cli(join(fixtures, 'fails.ts'), '--scenario', file, '--engine', 'xs', '--quiet');
    expect(r.err).toBe('');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/\nexception handler report at 200 ms: Exception in callback: TypeError: callback broke \(at test\/fixtures\/sim\/fails\.ts:14\)\n/);
    expect(r.out.endsWith('\nresult: FAILED')).toBe(true);
  }, SLOW);

  it('typechecks a TypeScript app against @moddable/typings: file:line errors and exit code 2, unless --no-typecheck', async () => {
    const app = join(dir, 'typo.ts');
    writeFileSync(app, "import Timer from 'timer';\nconst every: number = '100';\nTimer.set(() => trace(`tick\\n`), Number(every));\n");
    const scenario = join(dir, 'end500.json');
    writeFileSync(scenario, JSON.stringify({ end: 500, expect: [{ printed: 'tick', count: 1 }] }));
    let r = await cli(app, '--scenario', scenario, '--engine', 'node');
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toBe(`anyloop-sim: ${app} does not typecheck against @moddable/typings (--no-typecheck skips this):\n` +
      `${app}:2:7: error TS2322: Type 'string' is not assignable to type 'number'.\n`);
    r = await cli(app, '--scenario', scenario, '--engine', 'node', '--no-typecheck', '--quiet');
    expect(r.code).toBe(0);
  }, SLOW);

  it('describes the scenario format and the exit codes in --help, and prints its version with --version', async () => {
    const help = await cli('--help');
    expect(help.code).toBe(0);
    for (const text of ['press', '"bounceMs" (0, at most 1000)', 'waveforms', 'analog', 'uart', '"baud" (115200)', 'tcp', '"reset": true', '"received"', '"connects"', 'expect', 'exit codes:', '  2    it could not run', '--no-typecheck', 'at the project root']) {
      expect(help.out).toContain(text);
    }
    const version = await cli('--version');
    expect(version).toEqual({ code: 0, out: (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version, err: '' });
  });

  it('finds the default scenario next to the app or at the project root (the nearest folder with a package.json)', async () => {
    const project = join(dir, 'project');
    mkdirSync(join(project, 'src'), { recursive: true });
    mkdirSync(join(project, 'scenarios'), { recursive: true });
    writeFileSync(join(project, 'package.json'), '{}');
    writeFileSync(join(project, 'src', 'main.js'), "import Timer from 'timer';\nTimer.set(() => trace('tick\\n'), 10);\n");
    writeFileSync(join(project, 'scenarios', 'default.json'), JSON.stringify({ name: 'at the root', end: 50, expect: [{ printed: 'tick' }] }));
    let r = await cli(join(project, 'src', 'main.js'), '--engine', 'node', '--quiet');
    expect(r.code).toBe(0);
    expect(r.out).toContain('scenario "at the root"');
    writeFileSync(join(project, 'src', 'scenario.json'), JSON.stringify({ name: 'next to the app', end: 50 }));
    r = await cli(join(project, 'src', 'main.js'), '--engine', 'node', '--quiet');
    expect(r.out).toContain('scenario "next to the app"');
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

    // An XS run computes in a worker process: killing the command must not leave it running.
    it.skipIf(!built).each([['SIGTERM', 143], ['SIGINT', 130]] as const)('ends its XS worker when it gets %s, and exits %i', async (signal, code) => {
      // Slices of 20 s: the first progress line comes from a live worker, which then hangs in a callback for ever.
      const long = join(dir, 'long.json');
      writeFileSync(long, JSON.stringify({ end: 1_000_000 }));
      const child = spawn(process.execPath, [bin, join(fixtures, 'busy.js'), '--scenario', long, '--quiet', '--progress', '--watchdog', '0'],
        { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      const progressed = new Promise<void>((resolve) => {
        child.stderr.on('data', (b: Buffer) => {
          stderr += b.toString();
          if (stderr.includes('simulating: 20000 of 1000000 ms')) resolve();
        });
      });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
      await progressed;
      // The worker is the command's only child.
      const worker = Number(readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim());
      expect(readFileSync(`/proc/${worker}/cmdline`, 'utf8')).toContain('xsnap-worker');
      child.kill(signal);
      expect(await exited).toBe(code);
      expect(stderr).toBe(`  simulating: 20000 of 1000000 ms (2%)\nanyloop-sim: stopped by ${signal}\n`);
      expect(existsSync(`/proc/${worker}`)).toBe(false);
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
