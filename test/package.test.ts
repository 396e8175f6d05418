import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
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
    // What an earlier build of a module since moved or removed leaves behind: the build must not ship it.
    mkdirSync(join(repo, 'dist', 'gone'), { recursive: true });
    writeFileSync(join(repo, 'dist', 'gone', 'module.js'), 'export {};\n');
    writeFileSync(join(repo, 'dist', 'gone', 'module.d.ts'), 'export {};\n');
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
    for (const entry of ['index', 'testing', 'node', 'xs', 'sim', 'sim/host/cli']) {
      expect(packed).toContain(`dist/${entry}.js`);
      expect(packed).toContain(`dist/${entry}.d.ts`);
    }
    expect(packed).toContain('package.json');
    expect(packed).toContain('README.md');
    const unwanted = packed.filter((p) => /^(test|targets|bench|node_modules|\.ci|\.git)\/|\.tgz$|(^|\/)tsconfig\.json$/.test(p));
    expect(unwanted).toEqual([]);
  });

  it('ships a module of dist/ for each source module and nothing stale: every declaration beside its module', () => {
    const sources = packed.filter((p) => p.startsWith('src/') && p.endsWith('.ts')).map((p) => p.slice('src/'.length, -'.ts'.length)).sort();
    const modules = packed.filter((p) => p.startsWith('dist/') && p.endsWith('.js')).map((p) => p.slice('dist/'.length, -'.js'.length)).sort();
    const declarations = packed.filter((p) => p.startsWith('dist/') && p.endsWith('.d.ts')).map((p) => p.slice('dist/'.length, -'.d.ts'.length)).sort();
    expect(modules).toEqual(sources);
    expect(declarations).toEqual(modules);
    expect(packed.filter((p) => p.startsWith('dist/') && !/\.(js|d\.ts)$/.test(p))).toEqual([]);
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

  it('reports a fire-and-forget task that throws on NodeLoop, run as `node app.js`: one report naming the task and the error', async () => {
    writeFileSync(join(user, 'app.js'), `
      import { createTask, sleep } from 'anyloop';
      import { NodeLoop } from 'anyloop/node';
      const loop = new NodeLoop();
      await loop.runUntilComplete(createTask(function* () {
        createTask(function* () { throw new Error('sensor unplugged'); }, { name: 'reader' });
        yield* sleep(0);
        console.log('main goes on');
      }, { loop }));
      loop.close();
    `);
    const { stdout, stderr } = await run(process.execPath, ['app.js'], { cwd: user });
    expect(stdout).toBe('main goes on\n');
    expect(stderr.match(/never retrieved/g)).toHaveLength(1);
    expect(stderr).toMatch(/^anyloop: Task exception was never retrieved: task reader\nError: sensor unplugged\n\s+at .*app\.js/);
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
      import { XsLoop } from 'anyloop/xs';
      // The simulator's declarations need neither Node's types nor its tools' (types: [] above).
      import { MissingPeerError, runScenario, type SimReport } from 'anyloop/sim';
      const loop: Loop = new VirtualTimeLoop();
      const queue = new Queue<number>(0, { loop });
      const next: Future<number> = queue.get();
      // @ts-expect-error a Queue<number> holds numbers only (proves the types are not any)
      queue.putNowait('x');
      const names: string[] = loopConformanceChecks({ makeLoop: () => new NodeLoop(), dispose: (l) => l.close() }).map((c) => c.name);
      const report: Promise<SimReport> = runScenario({ app: 'main.js', scenario: { end: 100 }, engine: 'node' });
      export { next, names, report, XsLoop, MissingPeerError };
    `);
    const tsc = join(root, 'node_modules', '.bin', 'tsc');
    const result = await run(tsc, ['-p', user]).then(() => 'ok', (e: { stdout?: string }) => e.stdout ?? String(e));
    expect(result).toBe('ok');
  }, SLOW);

  it('runs anyloop-sim with only the tools a run needs (optional peer dependencies), and names the missing ones', async () => {
    const sim = async (...argv: string[]) => run(process.execPath, [join(user, 'node_modules', '.bin', 'anyloop-sim'), ...argv], { cwd: user })
      .then(({ stdout, stderr }) => ({ code: 0, stdout, stderr }), (e: { code: number; stdout: string; stderr: string }) => e);
    const fixtures = join(root, 'test', 'fixtures', 'sim');
    const blink = [join(fixtures, 'blink.js'), '--scenario', join(fixtures, 'blink.json'), '--quiet'];
    writeFileSync(join(user, 'app.ts'), "import Timer from 'timer';\nconst every: number = 100;\nTimer.set(() => trace(`tick at ${every}\\n`), every);\n");
    writeFileSync(join(user, 'app.json'), JSON.stringify({ end: 200, expect: [{ printed: 'tick at 100', count: 1 }] }));
    const app = ['app.ts', '--scenario', 'app.json', '--quiet'];
    const install = (name: string) => {
      mkdirSync(join(user, 'node_modules', dirname(name)), { recursive: true });
      symlinkSync(join(root, 'node_modules', name), join(user, 'node_modules', name), 'dir');
    };

    let r = await sim(...blink);
    expect(r.stderr).toBe('anyloop-sim: the simulator needs the npm packages rollup (to bundle apps) and @agoric/xsnap (for the XS engine), ' +
      'which are not installed: npm install --save-dev rollup@4 @agoric/xsnap@0.15\n');
    expect(r.code).toBe(2);
    r = await sim(...app, '--engine', 'node');
    expect(r.stderr).toBe('anyloop-sim: the simulator needs the npm packages rollup (to bundle apps) and typescript (to compile TypeScript), ' +
      'which are not installed: npm install --save-dev rollup@4 typescript@5\n');
    expect(r.code).toBe(2);

    install('rollup');
    r = await sim(...blink, '--engine', 'node');
    expect(r.stdout).toContain('expectations: 4 of 4 held');
    expect(r.code).toBe(0);
    r = await sim(...app, '--engine', 'xs');
    expect(r.stderr).toBe('anyloop-sim: the simulator needs the npm packages typescript (to compile TypeScript) and @agoric/xsnap (for the XS engine), ' +
      'which are not installed: npm install --save-dev typescript@5 @agoric/xsnap@0.15\n');

    install('typescript');
    install('@agoric/xsnap');
    r = await sim(...app, '--engine', 'xs');
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('expectations: 1 of 1 held');
    expect(r.stdout).toContain('result: ok');
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
