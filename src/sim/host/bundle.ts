import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin, RollupCache } from 'rollup';
import { importPeer, MissingPeerError, type Peer } from './peers.js';

/** A bundle that could not be built: an unresolvable import, a syntax error, an unusable tool. */
export class BundleError extends Error {
  override name = 'BundleError';
}

/** Where the anyloop modules are: src/ (TypeScript, in this repository) or dist/ (the installed package). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The Moddable modules the simulator replaces, by the names apps import
 * them by, and the sim module that stands in for each.
 */
export const MODDABLE_SHIMS: Readonly<Record<string, string>> = Object.freeze({
  'timer': 'sim/timer',
  'time': 'sim/time',
  'embedded:io/digital': 'sim/digital',
  'embedded:io/analog': 'sim/analog',
  'embedded:io/serial': 'sim/serial',
  'embedded:io/socket/tcp': 'sim/tcp',
  'anyloop/native': 'sim/native',
});

/**
 * anyloop's Moddable entry points (manifest.json), by the names apps import
 * them by: src/moddable/ in the package, beside dist/. The simulator bundles
 * them as a device build does, so that what they install (XsLoop's turn in
 * C) runs on the simulated board too.
 */
const MODDABLE_ENTRIES: Readonly<Record<string, string>> = Object.freeze({
  'anyloop': join(ROOT, '..', 'src', 'moddable', 'anyloop.js'),
  'anyloop/xs': join(ROOT, '..', 'src', 'moddable', 'xs.js'),
});

const ENTRY = '\0anyloop-sim:entry';
const INSTALL = '\0anyloop-sim:install';

/** Options of {@link bundleApp}. */
export interface BundleOptions {
  /** The app's main module (TypeScript or JavaScript). */
  app: string;
  /** `xs`: one classic script defining the global `__anyloopSim`; `node`: an ES module exporting `sim`. */
  engine: 'xs' | 'node';
  /** Data given to the driver (the scenario's schedule), embedded in the bundle. */
  config: unknown;
}

const caches = new Map<string, RollupCache>();

/** A bundled app. */
export interface AppBundle {
  code: string;
  /** The bundle's source map (version 3, JSON), its `sources` absolute paths: the app's files, anyloop's and the simulator's. */
  map: string;
}

/**
 * Bundles the driver, the simulated Moddable modules, anyloop, the app and
 * the scenario into one self-contained script. The driver module runs first
 * (it installs the board), then the app's module body: its start-up.
 * TypeScript is compiled to ES2022, what XS runs.
 */
export async function bundleApp(options: BundleOptions): Promise<AppBundle> {
  const app = resolve(options.app);
  if (!existsSync(app) || !statSync(app).isFile()) throw new BundleError(`app not found: ${options.app}`);
  const { rollup } = await importPeer<typeof import('rollup')>('rollup');
  const driver = moduleFile('sim/driver');
  // Imports run in order: the install module (the board) before the app's module body.
  // The entry's body runs after every module's: the start-up is over.
  const entry = `import { sim } from ${JSON.stringify(INSTALL)};\nimport ${JSON.stringify(app)};\n` +
    `delete globalThis.${PRELOAD_MARK};\nexport { sim };\n`;
  const install = `import { installSim } from ${JSON.stringify(driver)};\n` +
    // The engine's host leaves what the driver needs and the app must not see in __anyloopHost.
    `const host = globalThis.__anyloopHost;\ndelete globalThis.__anyloopHost;\n` +
    `export const sim = installSim(${JSON.stringify(options.config)}, host);\n` +
    `Object.defineProperty(globalThis, ${JSON.stringify(PRELOAD_MARK)}, { configurable: true, value: sim.preload });\n`;
  const preloaded = preloadedModules(app);
  const key = `${options.engine} ${app}`;
  let build;
  try {
    build = await rollup({
      input: ENTRY,
      cache: caches.get(key),
      plugins: [simPlugin({ [ENTRY]: entry, [INSTALL]: install }), preloadPlugin(preloaded)],
      onwarn(warning, warn) {
        if (warning.code === 'CIRCULAR_DEPENDENCY') return;
        warn(warning);
      },
    });
  } catch (e) {
    const cause = (e as { cause?: unknown }).cause;
    if (cause instanceof MissingPeerError) throw cause;
    throw new BundleError(describeRollupError(e));
  }
  try {
    caches.set(key, build.cache!);
    const { output } = await build.generate({
      ...(options.engine === 'xs' ? { format: 'iife', name: '__anyloopSim' } : { format: 'es' }),
      generatedCode: 'es2015',
      // Unindented, each module's code is in the chunk as rendered: preloadPlugin finds it.
      indent: false,
      sourcemap: 'hidden',
      // Rollup writes sources relative to the output file; the bundle is never written, so keep them absolute.
      sourcemapPathTransform: (source) => resolve(source),
    });
    return { code: output[0].code, map: output[0].map!.toString() };
  } finally {
    await build.close();
  }
}

/**
 * The npm packages bundling `app` needs, as far as can be told before it is
 * bundled: rollup, and typescript when the app or anyloop's own modules are
 * TypeScript. A JavaScript app that imports TypeScript needs it too.
 */
export function bundleTools(app: string): Peer[] {
  return /\.[cm]?ts$/.test(app) || moduleFile('index').endsWith('.ts') ? ['rollup', 'typescript'] : ['rollup'];
}

/**
 * Bundles modules (by name and file) whole, as xsl preloads them (nothing
 * tree-shaken), into a script that leaves `[name, namespace]` pairs in the
 * global `__anyloopPreloaded`.
 */
export async function bundleModules(modules: readonly (readonly [string, string])[]): Promise<string> {
  const { rollup } = await importPeer<typeof import('rollup')>('rollup');
  const files = modules.map(([, file]) => file);
  const entry = files.map((f, i) => `import * as m${i} from ${JSON.stringify(f)};\n`).join('') +
    `globalThis.__anyloopPreloaded = [${modules.map(([name], i) => `[${JSON.stringify(name)}, m${i}]`).join(', ')}];\n`;
  let build;
  try {
    build = await rollup({
      input: ENTRY,
      treeshake: false,
      plugins: [simPlugin({ [ENTRY]: entry })],
      onwarn(warning, warn) {
        if (warning.code === 'CIRCULAR_DEPENDENCY') return;
        warn(warning);
      },
    });
  } catch (e) {
    throw new BundleError(describeRollupError(e));
  }
  try {
    const { output } = await build.generate({ format: 'iife', generatedCode: 'es2015' });
    return output[0].code;
  } finally {
    await build.close();
  }
}

/** The global the bundle calls around each preloaded module's body (the driver's `preload`). */
const PRELOAD_MARK = '__anyloopPreload';

/**
 * The name of a module a Moddable build preloads, by its file (undefined
 * for one it does not preload): anyloop's own (its manifest preloads `anyloop` and
 * `anyloop/xs`, so every module they import), not the simulator's; and
 * those the `preload` list of a `manifest.json` beside the app names
 * through its `modules` (`"name": "./path"`, or `"*": ["./a", "./b"]`, each
 * named after its file). The app's other modules run at start-up, on the
 * device, where host calls work.
 */
export function preloadedModules(app: string): (id: string) => string | undefined {
  const declared = new Map<string, string>();
  const manifest = join(dirname(app), 'manifest.json');
  if (existsSync(manifest)) {
    let json: { modules?: Record<string, string | string[]>; preload?: unknown };
    try {
      json = JSON.parse(readFileSync(manifest, 'utf8')) as typeof json;
    } catch (e) {
      throw new BundleError(`${manifest}: not valid JSON: ${(e as Error).message}`);
    }
    const names = json.preload ?? [];
    if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) throw new BundleError(`${manifest}: preload must be an array of module names`);
    const modules = new Map<string, string>();
    for (const [key, value] of Object.entries(json.modules ?? {})) {
      for (const path of Array.isArray(value) ? value : [value]) {
        if (typeof path !== 'string') throw new BundleError(`${manifest}: modules.${key} must be a path or an array of paths`);
        modules.set(key === '*' ? basename(path) : key, path);
      }
    }
    for (const name of names as string[]) {
      const path = modules.get(name);
      // A name the app's manifest does not map comes from a manifest it includes (anyloop's own).
      if (path === undefined) continue;
      const file = sourceFile(resolve(dirname(manifest), path));
      if (file === null) throw new BundleError(`${manifest}: preloaded module ${name} (${path}) not found`);
      declared.set(file, name);
    }
  }
  for (const [name, file] of Object.entries(MODDABLE_ENTRIES)) declared.set(file, name);
  const sim = join(ROOT, 'sim') + sep;
  return (id) => {
    const name = declared.get(id);
    if (name !== undefined || !id.startsWith(ROOT + sep) || id.startsWith(sim)) return name;
    const path = relative(ROOT, id).replace(/\.[cm]?[jt]s$/, '').split(sep).join('/');
    return path === 'index' ? 'anyloop' : `anyloop/${path}`;
  };
}

/**
 * Calls the driver's `preload` around the rendered code of each preloaded
 * module, on the blank lines rollup leaves between modules: no line or
 * mapped column moves, so the source map stays true.
 */
function preloadPlugin(preloaded: (id: string) => string | undefined): Plugin {
  return {
    name: 'anyloop-sim-preload',
    renderChunk(code, chunk) {
      let out = '';
      let from = 0;
      for (const [id, module] of Object.entries(chunk.modules)) {
        const body = module.code;
        if (body === null || body === '') continue;
        const at = code.indexOf(body, from);
        if (at < 0) this.error(`cannot find the code of ${id} in the bundle`);
        const end = at + body.length;
        const name = preloaded(id);
        if (name === undefined) continue;
        if (code.slice(at - 2, at) !== '\n\n' || code.slice(end, end + 2) !== '\n\n') this.error(`the code of ${id} is not between blank lines`);
        out += `${code.slice(from, at - 1)}${PRELOAD_MARK}(${JSON.stringify(name)});${code.slice(at - 1, end + 1)}${PRELOAD_MARK}(null);`;
        from = end + 1;
      }
      return { code: out + code.slice(from), map: null };
    },
  };
}

function simPlugin(virtual: Record<string, string>): Plugin {
  // Loaded by the first TypeScript module: JavaScript apps need no typescript.
  let transpile: Promise<(code: string, file: string) => { code: string; map: string }> | undefined;
  return {
    name: 'anyloop-sim',
    resolveId(source, importer) {
      if (source in virtual) return source;
      const shim = MODDABLE_SHIMS[source];
      if (shim !== undefined) return moduleFile(shim);
      const entry = MODDABLE_ENTRIES[source];
      if (entry !== undefined) return entry;
      if (source === 'anyloop' || source.startsWith('anyloop/')) {
        // anyloop/dist/* is how the Moddable entry points (src/moddable/) name the modules.
        return moduleFile(source === 'anyloop' ? 'index' : source.slice(source.startsWith('anyloop/dist/') ? 'anyloop/dist/'.length : 'anyloop/'.length));
      }
      if (source.startsWith('.') || isAbsolute(source)) {
        const base = importer === undefined || importer.startsWith('\0') ? process.cwd() : dirname(importer);
        const found = sourceFile(resolve(base, source));
        if (found !== null) return found;
      }
      this.error(`cannot resolve ${JSON.stringify(source)}${importer && !importer.startsWith('\0') ? ` imported by ${importer}` : ''}: ` +
        `the simulator bundles relative imports, anyloop and the simulated Moddable modules (${Object.keys(MODDABLE_SHIMS).join(', ')})`);
    },
    load(id) {
      return virtual[id];
    },
    async transform(code, id) {
      if (!/\.[cm]?ts$/.test(id) || /\.d\.[cm]?ts$/.test(id)) return null;
      transpile ??= typescriptTranspiler();
      return (await transpile)(code, id);
    },
  };
}

/** A module of anyloop by its path under src/ or dist/, without extension. */
export function moduleFile(name: string): string {
  const found = sourceFile(join(ROOT, `${name}.js`));
  if (found === null) throw new BundleError(`anyloop module ${name} is missing under ${ROOT}`);
  return found;
}

/** The file an import path names: as written, or the TypeScript source of a `.js` path, or with an extension added. */
export function sourceFile(path: string): string | null {
  const candidates = [path];
  const ext = extname(path);
  if (ext === '.js' || ext === '.mjs') candidates.push(path.slice(0, -ext.length) + (ext === '.js' ? '.ts' : '.mts'));
  if (ext === '') candidates.push(`${path}.ts`, `${path}.js`, join(path, 'index.ts'), join(path, 'index.js'));
  for (const c of candidates) {
    if (existsSync(c) && statSync(c).isFile()) return c;
  }
  return null;
}

async function typescriptTranspiler(): Promise<(code: string, file: string) => { code: string; map: string }> {
  const ts = (await importPeer<{ default: typeof import('typescript') }>('typescript')).default;
  // typescript 7 and later are a native compiler without this JavaScript API.
  if (typeof ts.transpileModule !== 'function') {
    throw new BundleError(`the simulator needs typescript 5 or 6 to compile TypeScript, found ${String(ts.version)}: npm install --save-dev typescript@5`);
  }
  return (code, file) => {
    const out = ts.transpileModule(code, {
      fileName: file,
      reportDiagnostics: true,
      compilerOptions: {
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.ESNext,
        verbatimModuleSyntax: false,
        useDefineForClassFields: true,
        sourceMap: true,
      },
    });
    const errors = out.diagnostics?.filter((d) => d.category === ts.DiagnosticCategory.Error) ?? [];
    if (errors.length > 0) {
      const d = errors[0]!;
      const where = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
      throw new BundleError(`${file}${where ? `:${where.line + 1}:${where.character + 1}` : ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    }
    // The map's own comment would point at a file that is never written.
    return { code: out.outputText.replace(/\n\/\/# sourceMappingURL=.*$/, ''), map: out.sourceMapText! };
  };
}

function describeRollupError(e: unknown): string {
  if (e instanceof BundleError) return e.message;
  const err = e as { message?: string; id?: string; loc?: { file?: string; line: number; column: number }; plugin?: string; cause?: unknown };
  if (err.cause instanceof BundleError) return err.cause.message;
  const where = err.loc ? `${err.loc.file ?? err.id}:${err.loc.line}:${err.loc.column + 1}: ` : err.id ? `${err.id}: ` : '';
  const message = (err.message ?? String(e)).replace(/^\[plugin anyloop-sim\] /, '');
  return message.startsWith(where) || where === '' ? message : `${where}${message}`;
}
