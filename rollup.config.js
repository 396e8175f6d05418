// Builds dist/: one ES module per source file (preserveModules), so every
// entry point shares the same Future and primitives, tree-shaking works for
// consumers, and a Moddable manifest can name each module. Declarations are
// emitted beside them by the TypeScript plugin.
import typescript from '@rollup/plugin-typescript';

export const entries = {
  index: 'src/index.ts',
  testing: 'src/testing.ts',
  node: 'src/node.ts',
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
  treeshake: { moduleSideEffects: false },
};
