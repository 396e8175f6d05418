import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { MissingPeerError, requirePeers, type Peer } from '../src/sim/host/peers.js';
import { cli } from './support/cli.js';

const root = resolve(import.meta.dirname, '..');
const fixtures = join(root, 'test', 'fixtures', 'sim');

/** The packages the CLI's run cannot find: the tests hide them from the real resolver. */
const hidden = new Set<string>();
vi.mock('../src/sim/host/peers.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/sim/host/peers.js')>();
  const { createRequire } = await import('node:module');
  const resolveReal = createRequire(import.meta.url).resolve;
  return {
    ...real,
    requirePeers: (packages: readonly Peer[], resolve?: (id: string) => string) => real.requirePeers(packages, resolve ?? ((id) => {
      if (hidden.has(id.slice(0, -'/package.json'.length))) throw new Error(`Cannot find module '${id}'`);
      return resolveReal(id);
    })),
  };
});

function resolverWithout(...missing: string[]): (id: string) => string {
  return (id) => {
    if (missing.some((p) => id === `${p}/package.json`)) throw new Error(`Cannot find module '${id}'`);
    return id;
  };
}

describe('the simulator\'s tools, optional peer dependencies', () => {
  it('names one missing tool, what it is for and the install command, on one line', () => {
    let error: unknown;
    try {
      requirePeers(['rollup', 'typescript'], resolverWithout('rollup'));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MissingPeerError);
    expect((error as MissingPeerError).packages).toEqual(['rollup']);
    expect((error as Error).message).toBe(
      'the simulator needs the npm package rollup (to bundle apps), which is not installed: npm install --save-dev rollup@4');
  });

  it('names every missing tool at once', () => {
    expect(() => requirePeers(['rollup', 'typescript', '@agoric/xsnap'], resolverWithout('typescript', '@agoric/xsnap')))
      .toThrow('the simulator needs the npm packages typescript (to compile TypeScript) and @agoric/xsnap (for the XS engine), ' +
        'which are not installed: npm install --save-dev typescript@5 @agoric/xsnap@0.15');
  });

  it('passes when every tool resolves', () => {
    expect(() => requirePeers(['rollup', 'typescript', '@agoric/xsnap'], (id) => id)).not.toThrow();
  });

  it('installs versions within the peer ranges of package.json', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      dependencies?: unknown; peerDependencies: Record<string, string>; peerDependenciesMeta: Record<string, { optional: boolean }>;
    };
    expect(pkg.dependencies).toBeUndefined();
    expect(pkg.peerDependencies).toEqual({ '@agoric/xsnap': '^0.15.0', '@moddable/typings': '^5.6.0', 'rollup': '^4.0.0', 'typescript': '^5.0.0 || ^6.0.0' });
    for (const name of Object.keys(pkg.peerDependencies)) expect(pkg.peerDependenciesMeta[name]).toEqual({ optional: true });
    expect(() => requirePeers(['rollup', 'typescript', '@agoric/xsnap'], resolverWithout('rollup', 'typescript', '@agoric/xsnap')))
      .toThrow(/: npm install --save-dev rollup@4 typescript@5 @agoric\/xsnap@0\.15$/);
  });

  describe('anyloop-sim without them', () => {
    it.each([
      ['xs', ['rollup', '@agoric/xsnap'], 'the npm packages rollup (to bundle apps) and @agoric/xsnap (for the XS engine), which are not installed: ' +
        'npm install --save-dev rollup@4 @agoric/xsnap@0.15'],
      ['node', ['@agoric/xsnap'], null],
      ['xs', ['@agoric/xsnap'], 'the npm package @agoric/xsnap (for the XS engine), which is not installed: npm install --save-dev @agoric/xsnap@0.15'],
    ])('engine %s, %j missing: exits 2 with one line naming what the run needs, before it starts', async (engine, missing, needs) => {
      hidden.clear();
      for (const p of missing) hidden.add(p);
      try {
        const r = await cli(join(fixtures, 'blink.js'), '--scenario', join(fixtures, 'blink.json'), '--engine', engine, '--quiet');
        if (needs === null) {
          expect(r.err).toBe('');
          expect(r.code).toBe(0);
        } else {
          expect(r.code).toBe(2);
          expect(r.out).toBe('');
          expect(r.err).toBe(`anyloop-sim: the simulator needs ${needs}\n`);
        }
      } finally {
        hidden.clear();
      }
    }, 60_000);
  });
});
