import { readFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import nodeResolve from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import { rollup, type Plugin, type SourceMap } from 'rollup';
import { minify } from 'terser';
import ts from 'typescript';

/** The repository root: the nearest folder above this file with a package.json (also when compiled to out/). */
export const ROOT = ((): string => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = resolve(dir, '..');
    if (up === dir) throw new Error('bench: no package.json above the bench folder');
    dir = up;
  }
  return dir;
})();

interface PackageJson {
  name: string;
  exports: Record<string, string | { default?: string }>;
}

/** The entry points of the package: `anyloop`, `anyloop/testing`, ... mapped to their built files in dist/. */
export function entryPoints(): Record<string, string> {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as PackageJson;
  const out: Record<string, string> = {};
  for (const [sub, target] of Object.entries(pkg.exports)) {
    const file = typeof target === 'string' ? target : target.default;
    if (file === undefined || !file.endsWith('.js')) continue;
    out[sub === '.' ? pkg.name : `${pkg.name}/${sub.slice(2)}`] = join(ROOT, file);
  }
  return out;
}

/**
 * Resolves `anyloop` and `anyloop/*` to the built files in dist/, as a
 * consumer's bundler would through the exports map.
 */
function anyloopFromDist(): Plugin {
  const entries = entryPoints();
  return {
    name: 'anyloop-from-dist',
    resolveId(id) {
      const file = entries[id];
      if (file === undefined) return null;
      if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first`);
      return file;
    },
  };
}

const ENTRY = '\0bench-entry';

/** The module source as the entry of the bundle. */
function virtualEntry(source: string): Plugin {
  return {
    name: 'bench-entry',
    resolveId: (id) => (id === ENTRY ? ENTRY : null),
    load: (id) => (id === ENTRY ? source : null),
  };
}

/** TypeScript files (the XS harness) compiled on the fly, without type checking. */
function transpileTs(): Plugin {
  return {
    name: 'transpile-ts',
    transform(code, id) {
      if (!id.endsWith('.ts')) return null;
      const out = ts.transpileModule(code, {
        compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, verbatimModuleSyntax: true },
        fileName: id,
      });
      return { code: out.outputText, map: null };
    },
  };
}

/**
 * Resolves `anyloop` and `anyloop/xs` as a Moddable build does: to the
 * Moddable entry points (src/moddable/), whose `anyloop/native` (the C the
 * device worker is built with) is the simulator's module, and whose
 * `anyloop/dist/*` imports are the built files.
 */
function anyloopAsOnTheDevice(): Plugin {
  return {
    name: 'anyloop-as-on-the-device',
    resolveId(id) {
      if (id === 'anyloop') return join(ROOT, 'src/moddable/anyloop.js');
      if (id === 'anyloop/xs') return join(ROOT, 'src/moddable/xs.js');
      if (id === 'anyloop/native') return join(ROOT, 'dist/sim/native.js');
      if (id.startsWith('anyloop/dist/')) return join(ROOT, `${id.slice('anyloop/'.length)}.js`);
      return null;
    },
  };
}

function plugins(source: string, minify: boolean, device = false): Plugin[] {
  return [
    virtualEntry(source),
    ...(device ? [anyloopAsOnTheDevice()] : []),
    anyloopFromDist(),
    nodeResolve({ exportConditions: ['import', 'default'], mainFields: ['module', 'main'], extensions: ['.mjs', '.js', '.ts'] }),
    transpileTs(),
    ...(minify ? [terser({ module: true })] : []),
  ];
}

/** Minified and gzipped sizes of a bundle, in bytes. */
export interface Size {
  min: number;
  gzip: number;
}

/**
 * Bundles an ES module `source` (e.g. `export { Event } from 'anyloop'`) with
 * rollup, tree-shaking what it does not use, minifies it with terser and
 * gzips it (zlib, level 9).
 */
export async function minGzipSize(source: string): Promise<Size> {
  const bundle = await rollup({ input: ENTRY, plugins: plugins(source, true), onwarn: () => {} });
  try {
    const { output } = await bundle.generate({ format: 'es' });
    return sizeOf(output[0].code);
  } finally {
    await bundle.close();
  }
}

/** The bundle of `source` before minifying, with its source map (sources: absolute paths of the modules). */
export async function bundleUnminified(source: string): Promise<{ code: string; map: SourceMap }> {
  const bundle = await rollup({ input: ENTRY, plugins: plugins(source, false), onwarn: () => {} });
  try {
    const { output } = await bundle.generate({ format: 'es', sourcemap: true, sourcemapPathTransform: (rel, mapFile) => resolve(dirname(mapFile), rel) });
    return { code: output[0].code, map: output[0].map! };
  } finally {
    await bundle.close();
  }
}

/** Minified and gzipped sizes of one script file as it is (for a CommonJS peer that rollup cannot bundle alone). */
export async function minGzipFile(path: string): Promise<Size> {
  const out = await minify(readFileSync(path, 'utf8'), { module: false });
  return sizeOf(out.code!);
}

function sizeOf(code: string): Size {
  return { min: Buffer.byteLength(code), gzip: gzipSync(code, { level: 9 }).length };
}

/**
 * Bundles an ES module `source` into one classic script for the XS engine
 * (which evaluates scripts, not modules): its imports are inlined, nothing is
 * exported, nothing is minified. Tree-shaking drops work whose outcome is
 * never read, so benchmark code must read (check) what it measures. With
 * `device`, anyloop is bundled as a Moddable build links it (its C
 * installed: run the script in the device worker).
 */
export async function xsScript(source: string, options: { device?: boolean } = {}): Promise<string> {
  const bundle = await rollup({
    input: ENTRY,
    plugins: plugins(source, false, options.device),
    onwarn: (w, warn) => { if (w.code !== 'CIRCULAR_DEPENDENCY' && w.code !== 'THIS_IS_UNDEFINED') warn(w); },
  });
  try {
    const { output } = await bundle.generate({ format: 'iife' });
    return output[0].code;
  } finally {
    await bundle.close();
  }
}
