import { defineConfig } from 'vitest/config';

const src = (path: string): string => new URL(`../src/${path}`, import.meta.url).pathname;

export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    // Lets tests collect garbage before they measure the heap (test/no-growth.test.ts).
    execArgv: ['--expose-gc'],
  },
  resolve: {
    // Moddable apps (targets/esp32) import the host's modules by their Moddable
    // names and anyloop by its package names: tests map them to the simulated
    // board (the board installed with board.install()) and to the sources.
    alias: [
      { find: /^timer$/, replacement: src('sim/timer.ts') },
      { find: /^time$/, replacement: src('sim/time.ts') },
      { find: /^embedded:io\/digital$/, replacement: src('sim/digital.ts') },
      { find: /^embedded:io\/analog$/, replacement: src('sim/analog.ts') },
      { find: /^anyloop$/, replacement: src('index.ts') },
      { find: /^anyloop\/xs$/, replacement: src('xs.ts') },
    ],
  },
});
