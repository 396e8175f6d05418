import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import ts from 'typescript';

const ROOT = resolve(new URL('..', import.meta.url).pathname);
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');
const json = (path: string): any => JSON.parse(read(path));

/**
 * The modules `anyloop` and `anyloop/xs` load at run time: their sources'
 * relative imports, followed transitively, without the type-only ones
 * (TypeScript drops those, so they are not modules on the device).
 */
function runtimeModules(entries: string[]): string[] {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const js = ts.transpileModule(readFileSync(file, 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
    }).outputText;
    for (const m of js.matchAll(/(?:from|import)\s*['"](\.[^'"]+)\.js['"]/g)) visit(resolve(dirname(file), `${m[1]}.ts`));
  };
  for (const e of entries) visit(join(ROOT, e));
  return [...seen].map((f) => relative(join(ROOT, 'src'), f).replace(/\.ts$/, '')).sort();
}

describe('the Moddable packaging', () => {
  const manifest = json('manifest.json');

  it('names every run-time module of anyloop and anyloop/xs in manifest.json, as mcpack names them', () => {
    const expected: Record<string, string> = {
      'anyloop': './src/moddable/anyloop', 'anyloop/xs': './src/moddable/xs', 'anyloop/native': './src/moddable/native',
    };
    for (const m of runtimeModules(['src/index.ts', 'src/xs.ts'])) expected[`anyloop/dist/${m}`] = `./dist/${m}`;
    expect(manifest.modules, `manifest.json "modules" should be:\n${JSON.stringify(expected, null, '\t')}`).toEqual(expected);
  });

  it('preloads both entry points, which preloads everything they import', () => {
    expect(manifest.preload).toEqual(['anyloop', 'anyloop/xs']);
  });

  it('gives Moddable the bare names through two alias modules', () => {
    expect(read('src/moddable/anyloop.js')).toMatch(/^export \* from "anyloop\/dist\/index";$/m);
    expect(read('src/moddable/xs.js')).toMatch(/^export \* from "anyloop\/dist\/xs";$/m);
  });

  it('has a moddable export condition for mcpack, pointing at the Moddable entry points the manifest names', () => {
    const pkg = json('package.json');
    for (const [subpath, module] of [['.', 'anyloop'], ['./xs', 'anyloop/xs']] as const) {
      const target = pkg.exports[subpath].moddable as string;
      expect(target).toBe(`${manifest.modules[module]}.js`);
    }
    expect(pkg.files).toEqual(expect.arrayContaining(['dist', 'src', 'manifest.json']));
  });

  it('builds the esp32 target from Moddable\'s base and IO manifests plus anyloop\'s, and preloads the app', () => {
    const target = json('targets/esp32/manifest.json');
    expect(target.include).toEqual(expect.arrayContaining([
      '$(MODDABLE)/examples/manifest_base.json',
      '$(MODDABLE)/modules/io/manifest.json',
      '../../manifest.json',
    ]));
    expect(target.modules['*']).toEqual(['./main', './app']);
    expect(target.preload).toEqual(['app']);
  });

  it('keeps the esp32 app\'s imports to Moddable module names and anyloop', () => {
    const app = read('targets/esp32/app.ts');
    const imports = [...app.matchAll(/^import[^'"]*['"]([^'"]+)['"]/gm)].map((m) => m[1]).sort();
    expect(imports).toEqual(['anyloop', 'anyloop/xs', 'embedded:io/analog', 'embedded:io/digital', 'time', 'timer']);
  });
});
