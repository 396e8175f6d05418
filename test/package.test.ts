import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { guideFiles } from './support/guide.js';
import { guideSteps, links, matchesShown } from './support/markdown.js';

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
    for (const entry of ['index', 'testing', 'node', 'browser', 'xs', 'sim', 'sim/host/cli', 'testing/cli']) {
      expect(packed).toContain(`dist/${entry}.js`);
      expect(packed).toContain(`dist/${entry}.d.ts`);
    }
    expect(packed).toContain('package.json');
    expect(packed).toContain('README.md');
    // Where the Moddable SDK's TypeScript step looks for the declarations of manifest.json's modules.
    expect(packed).toContain('src/moddable/anyloop.d.ts');
    expect(packed).toContain('src/moddable/xs.d.ts');
    // anyloop/native: what a device build compiles, and what the simulator's XS engine is built with.
    expect(packed).toContain('src/moddable/native.js');
    expect(packed).toContain('src/moddable/native.c');
    const unwanted = packed.filter((p) => /^(test|targets|bench|node_modules|\.ci|\.git)\/|\.tgz$|(^|\/)tsconfig\.json$/.test(p));
    expect(unwanted).toEqual([]);
  });

  it('ships a module of dist/ for each source module and nothing stale: every declaration beside its module', () => {
    const sources = packed.filter((p) => p.startsWith('src/') && p.endsWith('.ts') && !p.endsWith('.d.ts')).map((p) => p.slice('src/'.length, -'.ts'.length)).sort();
    // The simulator's source-map decoder, a dev dependency, is built in under dist/vendor/.
    const vendored = packed.filter((p) => p.startsWith('dist/vendor/'));
    expect(vendored.length).toBeGreaterThan(0);
    expect(vendored.filter((p) => !/^dist\/vendor\/@jridgewell\/[\w-]+\/dist\/[\w-]+\.js$/.test(p))).toEqual([]);
    const modules = packed.filter((p) => p.startsWith('dist/') && !p.startsWith('dist/vendor/') && p.endsWith('.js')).map((p) => p.slice('dist/'.length, -'.js'.length)).sort();
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
      import { BrowserLoop } from 'anyloop/browser';
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
      const browser: Loop = new BrowserLoop({ maxCallbacksPerTurn: 100 });
      export { next, names, report, browser, XsLoop, MissingPeerError };
    `);
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = await run(tsc, ['-p', user]).then(() => 'ok', (e: { stdout?: string }) => e.stdout ?? String(e));
    expect(result).toBe('ok');
  }, SLOW);

  it('compiles the code of docs/writing-a-loop.md with tsc --strict against the published types, and its loops pass anyloop-conformance', async () => {
    const guide = join(user, 'guide');
    mkdirSync(join(guide, 'src'), { recursive: true });
    for (const [name, code] of guideFiles()) writeFileSync(join(guide, 'src', name), code);
    writeFileSync(join(guide, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', lib: ['es2022', 'dom'],
        strict: true, skipLibCheck: false, types: [], outDir: 'dist', rootDir: 'src',
      },
      include: ['src'],
    }));
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const compiled = await run(tsc, ['-p', guide]).then(() => 'ok', (e: { stdout?: string }) => e.stdout ?? String(e));
    expect(compiled).toBe('ok');
    const conformance = (file: string, name: string) => run(join(user, 'node_modules', '.bin', 'anyloop-conformance'), [file, name], { cwd: guide })
      .then(({ stdout }) => ({ code: 0, stdout }), (e: { code: number; stdout: string }) => e);
    const browser = await conformance('dist/browser-loop.js', 'BrowserLoop');
    expect(browser.stdout).toMatch(/^ok \d+ - callAt and callLater run timers in deadline order, never before their deadline$/m);
    expect(browser.stdout).toMatch(/^conformance: 27 passed, 0 failed$/m);
    expect(browser.code).toBe(0);
    const tiny = await conformance('dist/tiny-loop.js', 'TinyLoop');
    expect(tiny.stdout).toMatch(/^ok \d+ - Queue: a bounded queue hands items over in order; join\(\) and shutdown\(\) end the work$/m);
    expect(tiny.stdout).toMatch(/^conformance: \d+ passed, 0 failed$/m);
    expect(tiny.code).toBe(0);
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
    expect(r.stderr).toBe('anyloop-sim: the simulator needs the npm packages rollup (to bundle apps), typescript (to compile TypeScript) ' +
      'and @moddable/typings (to typecheck TypeScript apps), which are not installed: npm install --save-dev rollup@4 typescript@5 @moddable/typings@5\n');
    expect(r.code).toBe(2);

    install('rollup');
    r = await sim(...blink, '--engine', 'node');
    expect(r.stdout).toContain('expectations: 4 of 4 held');
    expect(r.code).toBe(0);
    r = await sim(...app, '--engine', 'xs');
    expect(r.stderr).toBe('anyloop-sim: the simulator needs the npm packages typescript (to compile TypeScript), @agoric/xsnap (for the XS engine) ' +
      'and @moddable/typings (to typecheck TypeScript apps), which are not installed: npm install --save-dev typescript@5 @agoric/xsnap@0.15 @moddable/typings@5\n');

    install('typescript');
    install('@agoric/xsnap');
    r = await sim(...app, '--engine', 'xs', '--no-typecheck');
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('result: ok');
    install('@moddable/typings');
    r = await sim(...app, '--engine', 'xs');
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('expectations: 1 of 1 held');
    expect(r.stdout).toContain('result: ok');
  }, SLOW);

  it('ships the LICENSE and the docs, and every relative link of its README and docs resolves inside the package', () => {
    expect(packed).toContain('LICENSE');
    expect(readFileSync(join(user, 'node_modules/anyloop/LICENSE'), 'utf8')).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} the anyloop authors\n/);
    const docs = packed.filter((p) => p.endsWith('.md'));
    expect(docs).toContain('docs/getting-started-node.md');
    expect(docs).toContain('docs/api/README.md');
    const broken: string[] = [];
    for (const file of docs) {
      for (const target of links(readFileSync(join(user, 'node_modules/anyloop', file), 'utf8'))) {
        if (/^[a-z]+:/i.test(target) || target.startsWith('#')) continue;
        const path = join(dirname(file), decodeURIComponent(target.split('#')[0]!));
        if (!packed.includes(path) && !packed.some((p) => p.startsWith(`${path}/`))) broken.push(`${file}: ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });

  /**
   * Follows a guide in an empty folder: writes its files, runs its commands,
   * and compares what each prints with what the guide shows. `npm install`
   * takes anyloop from the packed tarball and the tools the guide names from
   * this repository's node_modules: no network.
   */
  async function follow(guide: string): Promise<{ command: string; printed: string[]; shown: string[] }[]> {
    let cwd = mkdtempSync(join(work, 'guide-'));
    const out: { command: string; printed: string[]; shown: string[] }[] = [];
    for (const step of guideSteps(guide, readFileSync(join(root, guide), 'utf8'))) {
      if ('file' in step) {
        writeFileSync(join(cwd, step.file), step.code);
        continue;
      }
      const [verb, ...rest] = step.command.split(/\s+/);
      let printed = '';
      if (verb === 'cd') {
        cwd = join(cwd, rest[0]!);
      } else if (verb === 'npm' && rest[0] === 'install') {
        for (const name of rest.slice(1).filter((w) => !w.startsWith('-'))) {
          if (name === 'anyloop') await run('npm', ['install', tarball, '--offline', '--no-audit', '--no-fund', '--silent'], { cwd });
          else linkTool(cwd, name.replace(/(?<=.)@[^/]*$/, ''));
        }
      } else {
        printed = (await run('bash', ['-c', step.command], { cwd, maxBuffer: 1 << 24 })).stdout;
      }
      out.push({ command: step.command, printed: printed.trimEnd().split('\n'), shown: step.output });
    }
    return out;
  }

  /** Installs a tool of this repository's node_modules into `cwd`, with its commands in node_modules/.bin. */
  function linkTool(cwd: string, name: string): void {
    const target = join(cwd, 'node_modules', name);
    mkdirSync(dirname(target), { recursive: true });
    if (!existsSync(target)) symlinkSync(join(root, 'node_modules', name), target, 'dir');
    const pkg = JSON.parse(readFileSync(join(target, 'package.json'), 'utf8')) as { bin?: string | Record<string, string> };
    const bins = typeof pkg.bin === 'string' ? { [basename(name)]: pkg.bin } : pkg.bin ?? {};
    mkdirSync(join(cwd, 'node_modules/.bin'), { recursive: true });
    for (const [cmd, path] of Object.entries(bins)) {
      const link = join(cwd, 'node_modules/.bin', cmd);
      if (!existsSync(link)) symlinkSync(join(target, path), link);
    }
  }

  /** The commands whose printed lines differ from what the guide shows (only those it shows any lines for). */
  const mismatches = (steps: { command: string; printed: string[]; shown: string[] }[]) =>
    steps.filter((s) => s.shown.length > 0 && !matchesShown(s.printed, s.shown));

  it('the Node getting-started guide, followed in an empty folder, prints what it shows', async () => {
    const steps = await follow('docs/getting-started-node.md');
    expect(steps.filter((s) => s.shown.length > 0).length).toBeGreaterThanOrEqual(3);
    expect(mismatches(steps)).toEqual([]);
  }, SLOW);

  it('the Moddable guide\'s steps up to the simulator, followed in an empty folder, print what it shows', async () => {
    const steps = await follow('docs/moddable-esp32.md');
    expect(steps.map((s) => s.command)).toContain('npx tsc -p tsconfig.json');
    expect(steps.find((s) => s.command.startsWith('npx anyloop-sim'))?.shown).toContain('result: ok');
    expect(mismatches(steps)).toEqual([]);
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
