import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppStartError, runScenario } from '../src/sim/host/run.js';

const fixtures = resolve(import.meta.dirname, 'fixtures', 'sim', 'preload');
const SLOW = 60_000;

describe('preloaded modules, as xsl preloads them', () => {
  it.each(['node', 'xs'] as const)('fails the start-up of an app whose preloaded module calls a Timer in its body, as xsl fails the build (%s)', async (engine) => {
    const e = await runScenario({ app: join(fixtures, 'main.js'), scenario: { end: 100 }, engine }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(AppStartError);
    expect((e as Error).message).toBe('the app threw at start-up: TypeError: not available ' +
      '(the preloaded module ticker called a host function in its body: xsl fails the build so)');
  }, SLOW);

  it.each(['node', 'xs'] as const)("runs anyloop's preloaded modules and lets the app's other modules call the host at start-up (%s)", async (engine) => {
    const r = await runScenario({ app: join(fixtures, 'ok.js'), scenario: { end: 100 }, engine });
    expect(r.failure).toBeNull();
    expect(r.trace.events).toEqual([{ t: 20, print: 'slept object' }, { t: 50, print: 'helper' }]);
    expect(r.ok).toBe(true);
  }, SLOW);
});
