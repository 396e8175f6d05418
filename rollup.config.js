// Builds dist/: one ES module per source file (preserveModules), so every
// entry point shares the same Future and primitives, tree-shaking works for
// consumers, and a Moddable manifest can name each module. Declarations are
// emitted beside them by the TypeScript plugin.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import typescript from '@rollup/plugin-typescript';

export const entries = {
  index: 'src/index.ts',
  testing: 'src/testing.ts',
  node: 'src/node.ts',
  browser: 'src/browser.ts',
  xs: 'src/xs.ts',
  sim: 'src/sim.ts',
  // The simulator bundles these into apps by path, and runs its CLI as a bin.
  'sim/driver': 'src/sim/driver.ts',
  'sim/timer': 'src/sim/timer.ts',
  'sim/time': 'src/sim/time.ts',
  'sim/digital': 'src/sim/digital.ts',
  'sim/analog': 'src/sim/analog.ts',
  'sim/serial': 'src/sim/serial.ts',
  'sim/tcp': 'src/sim/tcp.ts',
  'sim/native': 'src/sim/native.ts',
  'sim/host/cli': 'src/sim/host/cli.ts',
  // The conformance kit's CLI, a bin.
  'testing/cli': 'src/testing/cli.ts',
  'sim/host/device-worker': 'src/sim/host/device-worker.ts',
  // The bench's profiler builds its worker with it; the simulator never imports it.
  'sim/host/profiling-worker': 'src/sim/host/profiling-worker.ts',
};

export default {
  input: entries,
  output: {
    dir: 'dist',
    format: 'es',
    preserveModules: true,
    preserveModulesRoot: 'src',
    // The simulator's source-map decoder (a dev dependency) is built in, under
    // dist/vendor/: npm never packs a folder named node_modules.
    entryFileNames: (chunk) => `${chunk.name.replace(/^.*node_modules\//, 'vendor/')}.js`,
    // Each vendored module keeps its package's license (MIT) at its top.
    banner: (chunk) => vendorLicense(chunk.facadeModuleId),
    sourcemap: false,
  },
  plugins: [
    cleanOutput(),
    nodeResolve(),
    // One program for every module, the Node-only host tools among them; the
    // typecheck keeps Node's types out of the rest (tsconfig.json).
    typescript({
      tsconfig: './src/sim/host/tsconfig.json',
      outDir: 'dist',
      declaration: true,
      declarationDir: 'dist',
      include: ['src/**/*.ts'],
      noEmitOnError: true,
    }),
  ],
  // Node's modules and the simulator's bundling tools are loaded at run time, never bundled.
  external: [/^node:/, 'rollup', 'typescript'],
  treeshake: { moduleSideEffects: false },
};

/**
 * Empties the output directory before a successful build writes it: rollup
 * only adds and overwrites, so files of renamed or removed modules would
 * linger and be packed.
 */
function cleanOutput() {
  return {
    name: 'clean-output',
    generateBundle(options) {
      rmSync(options.dir, { recursive: true, force: true });
    },
  };
}

/** The license text of the npm package a bundled module comes from, as a comment; '' for anyloop's own modules. */
function vendorLicense(id) {
  if (id === null || !id.includes('/node_modules/')) return '';
  for (let dir = dirname(id); dir.includes('/node_modules/'); dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'LICENSE'))) {
      return `/*\n${readFileSync(join(dir, 'LICENSE'), 'utf8').trim()}\n*/`;
    }
  }
  throw new Error(`no LICENSE found for ${id}`);
}
