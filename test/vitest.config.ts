import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    // Lets tests collect garbage deterministically (FinalizationRegistry reports).
    execArgv: ['--expose-gc'],
  },
});
