import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createContext, runInContext } from 'node:vm';
import { bundleModules, moduleFile, ROOT, sourceFile } from './bundle.js';
import { FREEZE_INTRINSICS } from './run.js';

/** One object xsl would warn about: `### warning: <module>: <path>: not frozen`. */
export interface PreloadWarning {
  /** The module, by the name the manifest gives it. */
  module: string;
  /** The path from one of the module's exports to the object, as xsl writes it (`Task.prototype.step.prototype`). */
  path: string;
  /**
   * What the object is: the `prototype` object of a generator function or
   * method, or any other object (a holder object, an array, a collection).
   */
  kind: 'generator prototype' | 'object';
}

/**
 * The walk xsl does after preload (`fxCheckAliases`): from each export of
 * each preloaded module, through prototypes, properties, accessors and
 * array items, every object not frozen, once. Functions and the
 * `prototype` objects of classes and ordinary functions are walked through
 * but not reported: xsl keeps them in flash (it warned 25 times for
 * anyloop's modules, whose hundreds of functions and prototypes are not
 * frozen). Unlike xsl the walk cannot look into closures: an object only a
 * function's closure holds is not seen.
 */
const WALK = `(modules) => {
  const seen = new Set();
  const out = [];
  const isGenerator = (f) => f instanceof Object.getPrototypeOf(function* () {}).constructor
    || f instanceof Object.getPrototypeOf(async function* () {}).constructor;
  const walk = (module, o, path, kind) => {
    if (((typeof o !== 'object' || o === null) && typeof o !== 'function') || seen.has(o)) return;
    seen.add(o);
    // A class's or function's own prototype, however the walk reached it first (a frozen object of anyloop/xs's install holds some).
    const c = typeof o === 'object' ? Object.getOwnPropertyDescriptor(o, 'constructor')?.value : undefined;
    const ownPrototype = typeof c === 'function' && !isGenerator(c) && Object.getOwnPropertyDescriptor(c, 'prototype')?.value === o;
    if (kind !== null && typeof o !== 'function' && !ownPrototype && !Object.isFrozen(o)) out.push({ module, path, kind });
    for (const key of Reflect.ownKeys(o)) {
      const d = Object.getOwnPropertyDescriptor(o, key);
      const name = typeof key === 'symbol' ? '[' + String(key.description) + ']' : key;
      const at = path + '.' + name;
      if (d.get) walk(module, d.get, path + '.get ' + name, null);
      if (d.set) walk(module, d.set, path + '.set ' + name, null);
      if (!('value' in d)) continue;
      const k = key === 'prototype' && typeof o === 'function' ? (isGenerator(o) ? 'generator prototype' : null) : 'object';
      walk(module, d.value, Array.isArray(o) ? path + '[' + name + ']' : at, k);
    }
  };
  for (const [module, ns] of modules) {
    for (const name of Object.keys(ns)) walk(module, ns[name], name, 'object');
  }
  return JSON.stringify(out);
}`;

/**
 * What xsl would warn about once it preloaded anyloop: every module its
 * `manifest.json` maps, evaluated whole (xsl tree-shakes nothing), with the
 * built-ins frozen after, as xsl freezes them. Each warning is an object
 * that stays in RAM on the device.
 */
export async function preloadReport(): Promise<PreloadWarning[]> {
  const manifestPath = join(dirname(ROOT), 'manifest.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { modules: Record<string, string> };
  const modules: [string, string][] = [];
  for (const [name, path] of Object.entries(manifest.modules)) {
    // anyloop/native's functions are C (its native.js declares them with XS's host syntax): the
    // simulator's module stands in for it, given a plain function for each, so that anyloop/xs
    // installs them here as it does on the device.
    if (name === 'anyloop/native') modules.push([name, moduleFile('sim/native')]);
    // dist/ is src/ in this repository.
    else modules.push([name, path.startsWith('./dist/') ? moduleFile(path.slice('./dist/'.length)) : sourceFile(join(dirname(ROOT), path))!]);
  }
  // Each object is named after the first module that reaches it: the one that defines it, before those that re-export it.
  modules.sort(([a], [b]) => Number(!a.includes('/dist/')) - Number(!b.includes('/dist/')) || Number(a.endsWith('/index')) - Number(b.endsWith('/index')));
  const code = await bundleModules(modules);
  const hostFunctions = [...readFileSync(join(dirname(ROOT), 'src', 'moddable', 'native.js'), 'utf8').matchAll(/^function (\w+)\(.*\) @ "\w+";$/gm)].map((m) => m[1]!);
  const context = createContext({});
  runInContext(`globalThis.anyloopNative = { ${hostFunctions.map((f) => `${f}() {}`).join(', ')} };`, context);
  runInContext(code, context);
  runInContext(`(${FREEZE_INTRINSICS})()`, context);
  return JSON.parse(runInContext(`(${WALK})(__anyloopPreloaded)`, context) as string) as PreloadWarning[];
}

/** A warning as xsl prints it. */
export function formatWarning(w: PreloadWarning): string {
  return `### warning: ${w.module}: ${w.path}: not frozen`;
}
