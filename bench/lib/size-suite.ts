import { pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import { readBudgets } from './budgets.js';
import { entryPoints, minGzipFile, minGzipSize, type Size } from './bundle.js';
import { profileSize, type SizeProfile } from './size-profile.js';

/** The primitives a consumer may import alone, measured when the library exports them. */
export const PRIMITIVES = [
  'Future', 'Event', 'Lock', 'Semaphore', 'BoundedSemaphore', 'Condition', 'Barrier',
  'Queue', 'LifoQueue', 'PriorityQueue',
  'createTask', 'sleep', 'waitFor', 'timeout', 'gather', 'shield', 'TaskGroup', 'run', 'wait', 'asCompleted',
] as const;

/** The peers (ES modules), each bundled as a consumer would import it. */
export const PEERS: Record<string, { source: string }> = {
  '@esfx/async-queue': { source: `export { AsyncQueue } from '@esfx/async-queue';` },
  '@esfx/async-mutex': { source: `export { AsyncMutex } from '@esfx/async-mutex';` },
  '@esfx/async-manualresetevent': { source: `export { AsyncManualResetEvent } from '@esfx/async-manualresetevent';` },
  'async-mutex': { source: `export { Mutex } from 'async-mutex';` },
};

/** async-sema ships CommonJS only (one file): it is minified as it is, without Node's `events` module it requires. */
const ASYNC_SEMA = 'async-sema';

/** The primitives of PRIMITIVES that the built `anyloop` entry exports. */
export async function exportedPrimitives(): Promise<string[]> {
  const ns = await import(pathToFileURL(entryPoints()['anyloop']!).href) as Record<string, unknown>;
  return PRIMITIVES.filter((p) => p in ns);
}

/**
 * Parts of the core entry, each named by what it imports: what the core
 * would weigh under another entry layout (tasks, or loops, in an entry of
 * their own).
 */
export const PARTS: Record<string, string> = {
  'contract + Future + primitives + Queue (no tasks)': `export {
    getEventLoop, setEventLoop, Handle, TimerHandle, CancelledError, InvalidStateError, TimeoutError, QueueEmpty, QueueFull,
    QueueShutDown, BrokenBarrierError, Future, Event, Lock, Semaphore, BoundedSemaphore, Condition, Barrier, Queue, LifoQueue, PriorityQueue,
  } from 'anyloop';`,
  'tasks (Task, sleep, timeouts, waitFor, gather, shield, TaskGroup, run)': `export {
    Task, createTask, currentTask, sleep, timeout, waitFor, ensureFuture, gather, shield, TaskGroup, run,
  } from 'anyloop';`,
  'loops (BaseLoop)': `export { BaseLoop } from 'anyloop';`,
  'all but BaseLoop': `export {
    isTimerLoop, getEventLoop, setEventLoop, Handle, TimerHandle, CancelledError, InvalidStateError, TimeoutError, QueueEmpty, QueueFull,
    QueueShutDown, BrokenBarrierError, Future, isThenable, delegate, Event, Lock, Semaphore, BoundedSemaphore, Condition, Barrier, Queue,
    LifoQueue, PriorityQueue, Task, createTask, currentTask, allTasks, sleep, Timeout, timeout, timeoutAt, Scope, waitFor, wait, asCompleted,
    AsCompleted, ensureFuture, gather, shield, TaskGroup, run,
  } from 'anyloop';`,
};

/**
 * The source of a program importing several primitives and nothing else,
 * named by its imports: `Lock + Queue`.
 */
export function programSource(name: string): string {
  return `export { ${name.split(' + ').join(', ')} } from 'anyloop';`;
}

/** Programs importing several primitives together: those bench/budgets.json keeps a budget for. */
export async function programSizes(): Promise<Record<string, Size>> {
  const out: Record<string, Size> = {};
  for (const name of Object.keys(readBudgets().size.programs)) out[name] = await minGzipSize(programSource(name));
  return out;
}

/** The imports whose bytes are profiled (where the bytes go), by name: the sizes the targets are about. */
export function profiledSources(): Record<string, string> {
  const out: Record<string, string> = { 'entry `anyloop`': `export * from 'anyloop';` };
  for (const p of ['Future', 'Event', 'Lock', 'Queue']) out[`\`${p}\` alone`] = `export { ${p} } from 'anyloop';`;
  for (const name of Object.keys(readBudgets().size.programs)) out[`program: ${name}`] = programSource(name);
  return out;
}

/** Min+gzip bytes of each entry point, parts of the core, each primitive alone, programs, and each peer; where the bytes go. */
export interface Sizes {
  entries: Record<string, Size>;
  parts: Record<string, Size>;
  primitives: Record<string, Size>;
  programs: Record<string, Size>;
  peers: Record<string, Size>;
  profiles: Record<string, SizeProfile>;
}

/** Each entry point whole (what `import * as x from 'anyloop/...'` costs). */
export async function entrySizes(): Promise<Record<string, Size>> {
  const out: Record<string, Size> = {};
  for (const name of Object.keys(entryPoints())) out[name] = await minGzipSize(`export * from '${name}';`);
  return out;
}

/** Each primitive alone, after tree-shaking (a consumer importing only it). */
export async function primitiveSizes(): Promise<Record<string, Size>> {
  const out: Record<string, Size> = {};
  for (const p of await exportedPrimitives()) out[p] = await minGzipSize(`export { ${p} } from 'anyloop';`);
  return out;
}

export async function peerSizes(): Promise<Record<string, Size>> {
  const out: Record<string, Size> = {};
  for (const [name, p] of Object.entries(PEERS)) out[name] = await minGzipSize(p.source);
  out[ASYNC_SEMA] = await minGzipFile(createRequire(import.meta.url).resolve(ASYNC_SEMA));
  return out;
}

export async function measureSizes(): Promise<Sizes> {
  const parts: Record<string, Size> = {};
  for (const [name, source] of Object.entries(PARTS)) parts[name] = await minGzipSize(source);
  const profiles: Record<string, SizeProfile> = {};
  for (const [name, source] of Object.entries(profiledSources())) profiles[name] = await profileSize(source);
  return {
    entries: await entrySizes(), parts, primitives: await primitiveSizes(), programs: await programSizes(), peers: await peerSizes(), profiles,
  };
}
