import { createRequire } from 'node:module';

/**
 * A tool the simulator loads at run time, by its npm package name: an
 * optional peer dependency of anyloop (package.json), so that anyloop itself
 * depends on nothing.
 */
export type Peer = 'rollup' | 'typescript' | '@agoric/xsnap' | '@moddable/typings';

/** What each tool is for, and what to install (a version in the peer range). */
const PEERS: Readonly<Record<Peer, { use: string; install: string }>> = {
  'rollup': { use: 'to bundle apps', install: 'rollup@4' },
  'typescript': { use: 'to compile TypeScript', install: 'typescript@5' },
  '@agoric/xsnap': { use: 'for the XS engine', install: '@agoric/xsnap@0.15' },
  '@moddable/typings': { use: 'to typecheck TypeScript apps', install: '@moddable/typings@5' },
};

/** Tools the simulator needs that are not installed; the message is one line and says what to install. */
export class MissingPeerError extends Error {
  override name = 'MissingPeerError';
  /** The npm packages that are missing. */
  readonly packages: readonly Peer[];

  constructor(packages: readonly Peer[]) {
    const names = packages.map((p) => `${p} (${PEERS[p].use})`);
    const list = names.length === 1 ? `the npm package ${names[0]}, which is`
      : `the npm packages ${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}, which are`;
    super(`the simulator needs ${list} not installed: npm install --save-dev ${packages.map((p) => PEERS[p].install).join(' ')}`);
    this.packages = packages;
  }
}

/**
 * Throws a MissingPeerError naming every one of `packages` that this module
 * cannot resolve. `resolve` is Node's, from here; tests give their own.
 */
export function requirePeers(packages: readonly Peer[], resolve: (id: string) => string = createRequire(import.meta.url).resolve): void {
  const missing = packages.filter((p) => {
    try {
      resolve(`${p}/package.json`);
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length > 0) throw new MissingPeerError(missing);
}

/** Imports a tool of the simulator, or throws a MissingPeerError when it is not installed. */
export async function importPeer<T>(name: Peer): Promise<T> {
  requirePeers([name]);
  return (await import(/* @vite-ignore */ name)) as T;
}
