// Builds dist/: one ES module per source file (preserveModules), so every
// entry point shares the same Future and primitives, tree-shaking works for
// consumers, and a Moddable manifest can name each module. Declarations are
// emitted beside them by the TypeScript plugin.
import typescript from '@rollup/plugin-typescript';

export const entries = {
  index: 'src/index.ts',
  testing: 'src/testing.ts',
  node: 'src/node.ts',
  xs: 'src/xs.ts',
  sim: 'src/sim.ts',
  // The simulator bundles these into apps by path, and runs its CLI as a bin.
  'sim/driver': 'src/sim/driver.ts',
  'sim/timer': 'src/sim/timer.ts',
  'sim/time': 'src/sim/time.ts',
  'sim/digital': 'src/sim/digital.ts',
  'sim/analog': 'src/sim/analog.ts',
  'sim/host/cli': 'src/sim/host/cli.ts',
};

export default {
  input: entries,
  output: {
    dir: 'dist',
    format: 'es',
    preserveModules: true,
    preserveModulesRoot: 'src',
    entryFileNames: '[name].js',
    sourcemap: false,
  },
  plugins: [
    typescript({
      tsconfig: './tsconfig.json',
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
