import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The new user's view: `npm pack` a copy of the repository (so `prepare`
 * builds dist/ there, as on a fresh clone, without touching this tree's
 * dist/), install the tarball into an empty project with no network, and use
 * it from JavaScript and TypeScript. The timeouts only guard against a hang.
 */
const root = resolve(import.meta.dirname, '..');
const run = promisify(execFile);
const SLOW = 300_000;
const NOT_COPIED = new Set(['node_modules', 'dist', '.git', 'coverage', 'out']);

describe('the packed package, installed into an empty project', () => {
  const work = mkdtempSync(join(tmpdir(), 'anyloop-package-'));
  const repo = join(work, 'repo');
  const user = join(work, 'user');
  let packed: string[] = [];
  let tarball = '';

  beforeAll(async () => {
    cpSync(root, repo, {
      recursive: true,
      filter: (src) => !(NOT_COPIED.has(basename(src)) && resolve(src, '..') === root) && !src.endsWith('.tgz'),
    });
    symlinkSync(join(root, 'node_modules'), join(repo, 'node_modules'), 'dir');
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', work], { cwd: repo, maxBuffer: 1 << 24 });
    const info = JSON.parse(stdout.slice(stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
    tarball = join(work, info[0]!.filename);
    packed = info[0]!.files.map((f) => f.path);
    mkdirSync(user);
    writeFileSync(join(user, 'package.json'), JSON.stringify({ name: 'new-user', private: true, type: 'module' }));
    await run('npm', ['install', tarball, '--no-audit', '--no-fund', '--offline'], { cwd: user });
  }, SLOW);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('ships the built entry points with their types, and no development files', () => {
    for (const entry of ['index', 'testing', 'node']) {
      expect(packed).toContain(`dist/${entry}.js`);
      expect(packed).toContain(`dist/${entry}.d.ts`);
    }
    expect(packed).toContain('package.json');
    expect(packed).toContain('README.md');
    const unwanted = packed.filter((p) => /^(test|targets|bench|node_modules|\.ci|\.git)\/|\.tgz$|(^|\/)tsconfig\.json$/.test(p));
    expect(unwanted).toEqual([]);
  });

  it('imports Queue and Future from anyloop and VirtualTimeLoop from anyloop/testing in plain JavaScript', async () => {
    writeFileSync(join(user, 'main.mjs'), `
      import { Queue, Future } from 'anyloop';
      import { VirtualTimeLoop } from 'anyloop/testing';
      import { NodeLoop } from 'anyloop/node';
      const loop = new VirtualTimeLoop();
      const queue = new Queue(0, { loop });
      const answer = new Future({ loop });
      loop.callLater(5, () => queue.putNowait('hello'));
      queue.get().addDoneCallback((got) => answer.setResult(got.result() + ' at ' + loop.time()));
      console.log(loop.runUntilComplete(answer), typeof NodeLoop);
    `);
    const { stdout } = await run(process.execPath, ['main.mjs'], { cwd: user });
    expect(stdout).toBe('hello at 5 function\n');
  }, SLOW);

  it('typechecks TypeScript that imports every entry point (moduleResolution nodenext)', async () => {
    writeFileSync(join(user, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', lib: ['es2022'],
        strict: true, noEmit: true, skipLibCheck: false, types: [],
      },
      files: ['check.ts'],
    }));
    writeFileSync(join(user, 'check.ts'), `
      import { Future, Queue, type Loop } from 'anyloop';
      import { loopConformanceChecks, VirtualTimeLoop } from 'anyloop/testing';
      import { NodeLoop } from 'anyloop/node';
      const loop: Loop = new VirtualTimeLoop();
      const queue = new Queue<number>(0, { loop });
      const next: Future<number> = queue.get();
      // @ts-expect-error a Queue<number> holds numbers only (proves the types are not any)
      queue.putNowait('x');
      const names: string[] = loopConformanceChecks({ makeLoop: () => new NodeLoop(), dispose: (l) => l.close() }).map((c) => c.name);
      export { next, names };
    `);
    const tsc = join(root, 'node_modules', '.bin', 'tsc');
    const result = await run(tsc, ['-p', user]).then(() => 'ok', (e: { stdout?: string }) => e.stdout ?? String(e));
    expect(result).toBe('ok');
  }, SLOW);

  it('runs the README main command, `npm start`, on the freshly built package: the esp32 app on the simulated board in XS', async () => {
    const { stdout } = await run('npm', ['start', '--silent'], { cwd: repo });
    expect(stdout).toContain('targets/esp32/main.ts on a simulated ESP32, XS engine');
    expect(stdout).toContain('button pressed at 1206 ms: LED on');
    expect(stdout).toContain('watchdog: consumer stalled, no progress for 3000 ms');
    expect(stdout).toMatch(/XS meters: [\d,]+ computrons/);
    expect(stdout).toContain('result: ok');
    expect(stdout).toContain('VCD waveform of 3 pins written to out/sim/esp32-default.vcd');
  }, SLOW);
});
