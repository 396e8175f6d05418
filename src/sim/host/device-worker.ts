import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, cp, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requirePeers } from './peers.js';
import { XsError, XsWorker, type XsWorkerOptions } from './xsnap.js';

/**
 * The changes that turn @agoric/xsnap's `xsnap-worker.c` into a worker of the
 * device: its creation values come from the command line instead of being
 * compiled in, and two host functions arm the watchdog and the heap budget.
 * An abort (stack overflow, memory full, watchdog) ends the worker with its
 * exit code, as xsnap does.
 *
 * - `-S <slots>`: the JavaScript stack (xsnap: 4096; mcconfig's default: 384).
 * - `-H <slots>,<slots>,<bytes>,<bytes>`: the slot heap's initial and
 *   incremental counts and the chunk heap's (mcconfig: 2048, 64, 32 KB, 1 KB).
 * - `anyloopWatchdog(computrons)`: the current host callback may run that
 *   many computrons more (0: no limit) before XS aborts it.
 * - `anyloopHeapBudget(bytes)`: from now on XS may take that many bytes more
 *   for its heaps before it aborts with "memory full".
 * - `anyloopMeter()`: the computrons counted so far in this delivery (the
 *   simulator meters the app apart from its own host modules with it).
 * - `anyloopStack(slots[, fromTop])`: from here (or from the top of the
 *   stack) JavaScript may use that many slots more before XS aborts with a
 *   stack overflow; 0 gives back the whole stack. The simulator's own frames
 *   then do not count against the app's stack.
 */
/** Computrons between two looks of the watchdog at the meter (xsnap's `-i`). */
const WATCHDOG_INTERVAL = 1000;

const PATCHES: readonly (readonly [string, string])[] = [
  ['static void xsBuildAgent(xsMachine* the);\n', 'static void xsBuildAgent(xsMachine* the);\n' +
    'extern void fxBeginMetering(xsMachine* the, xsBooleanValue (*callback)(xsMachine*, xsUnsignedValue), xsUnsignedValue interval);\n' +
    'void xs_anyloop_runOnce(xsMachine* the);\n' +
    'void xs_anyloop_onHost(xsMachine* the);\nvoid xs_anyloop_arm(xsMachine* the);\nvoid xs_anyloop_time(xsMachine* the);\n' +
    // The timers' section of native.c.
    'void xs_anyloop_soon(xsMachine* the);\nvoid xs_anyloop_at(xsMachine* the);\n' +
    'void xs_anyloop_expireAt(xsMachine* the);\nvoid xs_anyloop_expireCancel(xsMachine* the);\n' +
    'void xs_anyloop_resultLater(xsMachine* the);\nvoid xs_anyloop_timedDone(xsMachine* the);\n'],
  ['\tint parserBufferSize = 8192 * 1024;\n',
    '\tint parserBufferSize = 8192 * 1024;\n\tint stackCount = 4096;\n\tint heap[4] = { 256 * 1024, 128 * 1024, 32 * 1024 * 1024, 4 * 1024 * 1024 };\n'],
  ['\t\telse if (!strcmp(argv[argi], "-v")) {\n',
    '\t\telse if (!strcmp(argv[argi], "-S") && argi + 1 < argc)\n\t\t\tstackCount = atoi(argv[++argi]);\n' +
    '\t\telse if (!strcmp(argv[argi], "-H") && argi + 1 < argc)\n' +
    '\t\t\tsscanf(argv[++argi], "%d,%d,%d,%d", &heap[0], &heap[1], &heap[2], &heap[3]);\n' +
    '\t\telse if (!strcmp(argv[argi], "-v")) {\n'],
  ['\t\t32 * 1024 * 1024,\t/* initialChunkSize */\n\t\t4 * 1024 * 1024,\t/* incrementalChunkSize */\n\t\t256 * 1024,\t\t\t/* initialHeapCount */\n\t\t128 * 1024,\t\t\t/* incrementalHeapCount */\n\t\t4096,\t\t\t\t/* stackCount */\n',
    '\t\theap[2], heap[3], heap[0], heap[1], stackCount,\n'],
  ['void xsBuildAgent(xsMachine* machine)\n{\n\txsBeginHost(machine);\n\txsVars(1);\n',
    'static void xs_anyloopWatchdog(xsMachine* the)\n{\n\txsUnsignedValue budget = (xsUnsignedValue)xsToInteger(xsArg(0));\n' +
    '\txsUnsignedValue index = xsGetCurrentMeter(the);\n\tgxCurrentMeter = budget ? index + budget : 0;\n' +
    // Restarting the metering makes the next look come within an interval.
    `\tfxBeginMetering(the, fxMeteringCallback, ${WATCHDOG_INTERVAL});\n\txsSetCurrentMeter(the, index);\n}\n\n` +
    'static void xs_anyloopHeapBudget(xsMachine* the)\n{\n\tthe->allocationLimit = the->allocatedSpace + (size_t)xsToNumber(xsArg(0));\n}\n\n' +
    'static void xs_anyloopMeter(xsMachine* the)\n{\n\txsResult = xsNumber((xsNumberValue)xsGetCurrentMeter(the));\n}\n\n' +
    'static xsSlot* gxAnyloopBottom = NULL;\n\n' +
    'static void xs_anyloopStack(xsMachine* the)\n{\n\txsIntegerValue n = xsToInteger(xsArg(0));\n' +
    '\txsBooleanValue fromTop = xsToInteger(xsArgc) > 1 && xsTest(xsArg(1));\n\txsSlot* bottom;\n' +
    '\tif (!gxAnyloopBottom) gxAnyloopBottom = the->stackBottom;\n' +
    '\tif (n <= 0) { the->stackBottom = gxAnyloopBottom; return; }\n' +
    '\tbottom = (fromTop ? the->stackTop : the->stack) - n;\n' +
    '\tif (bottom > the->stack - 32) bottom = the->stack - 32;\n' +
    '\tif (bottom < gxAnyloopBottom) bottom = gxAnyloopBottom;\n\tthe->stackBottom = bottom;\n}\n\n' +
    'void xsBuildAgent(xsMachine* machine)\n{\n\txsBeginHost(machine);\n\txsVars(1);\n' +
    '\txsResult = xsNewHostFunction(xs_anyloopStack, 2);\n\txsDefine(xsGlobal, xsID("anyloopStack"), xsResult, xsDontEnum);\n' +
    '\txsResult = xsNewHostFunction(xs_anyloopWatchdog, 1);\n\txsDefine(xsGlobal, xsID("anyloopWatchdog"), xsResult, xsDontEnum);\n' +
    '\txsResult = xsNewHostFunction(xs_anyloopHeapBudget, 1);\n\txsDefine(xsGlobal, xsID("anyloopHeapBudget"), xsResult, xsDontEnum);\n' +
    '\txsResult = xsNewHostFunction(xs_anyloopMeter, 0);\n\txsDefine(xsGlobal, xsID("anyloopMeter"), xsResult, xsDontEnum);\n' +
    // anyloop's own C (src/moddable/native.c, appended below), handed to the simulator's anyloop/native module.
    '\txsVar(0) = xsNewObject();\n' +
    '\txsResult = xsNewHostFunction(xs_anyloop_runOnce, 1);\n\txsDefine(xsVar(0), xsID("runOnce"), xsResult, xsDefault);\n' +
    '\txsResult = xsNewHostFunction(xs_anyloop_onHost, 1);\n\txsDefine(xsVar(0), xsID("onHost"), xsResult, xsDefault);\n' +
    '\txsResult = xsNewHostFunction(xs_anyloop_arm, 0);\n\txsDefine(xsVar(0), xsID("arm"), xsResult, xsDefault);\n' +
    '\txsResult = xsNewHostFunction(xs_anyloop_time, 0);\n\txsDefine(xsVar(0), xsID("time"), xsResult, xsDefault);\n' +
    // The timers' section of native.c.
    '\txsResult = xsNewHostFunction(xs_anyloop_soon, 2);\n\txsDefine(xsVar(0), xsID("soon"), xsResult, xsDefault);\n' +
    '\txsResult = xsNewHostFunction(xs_anyloop_at, 3);\n\txsDefine(xsVar(0), xsID("at"), xsResult, xsDefault);\n' +
    '\txsResult = xsNewHostFunction(xs_anyloop_expireAt, 1);\n\txsDefine(xsVar(0), xsID("expireAt"), xsResult, xsDefault);\n' +
    '\txsResult = xsNewHostFunction(xs_anyloop_expireCancel, 1);\n\txsDefine(xsVar(0), xsID("expireCancel"), xsResult, xsDefault);\n' +
    '\txsResult = xsNewHostFunction(xs_anyloop_resultLater, 2);\n\txsDefine(xsVar(0), xsID("resultLater"), xsResult, xsDefault);\n' +
    '\txsResult = xsNewHostFunction(xs_anyloop_timedDone, 1);\n\txsDefine(xsVar(0), xsID("timedDone"), xsResult, xsDefault);\n' +
    '\txsDefine(xsGlobal, xsID("anyloopNative"), xsVar(0), xsDontEnum);\n'],
  // The task step (native.c's xs_anyloop_step).
  ['static void xsBuildAgent(xsMachine* the);\n', 'static void xsBuildAgent(xsMachine* the);\nvoid xs_anyloop_step(xsMachine* the);\n'],
  ['\txsDefine(xsGlobal, xsID("anyloopNative"), xsVar(0), xsDontEnum);\n',
    '\txsResult = xsNewHostFunction(xs_anyloop_step, 3);\n\txsDefine(xsVar(0), xsID("step"), xsResult, xsDefault);\n' +
    '\txsDefine(xsGlobal, xsID("anyloopNative"), xsVar(0), xsDontEnum);\n'],
  // The Future layer's C (native.c): declared, then handed to anyloop/native beside runOnce.
  ['static xsSlot* gxAnyloopBottom = NULL;\n', 'void xs_anyloop_complete(xsMachine* the);\nvoid xs_anyloop_futureNext(xsMachine* the);\n' +
    'void xs_anyloop_wake(xsMachine* the);\nvoid xs_anyloop_waitNext(xsMachine* the);\n' +
    'void xs_anyloop_futureIterator(xsMachine* the);\nvoid xs_anyloop_resume(xsMachine* the);\n\nstatic xsSlot* gxAnyloopBottom = NULL;\n'],
  ['\txsDefine(xsGlobal, xsID("anyloopNative"), xsVar(0), xsDontEnum);\n',
    '\txsResult = xsNewHostFunction(xs_anyloop_complete, 3);\n\txsDefine(xsVar(0), xsID("complete"), xsResult, xsDefault);\n' +
    '\txsResult = xsNewHostFunction(xs_anyloop_futureNext, 0);\n\txsDefine(xsVar(0), xsID("futureNext"), xsResult, xsDefault);\n' +
    '\txsResult = xsNewHostFunction(xs_anyloop_wake, 0);\n\txsDefine(xsVar(0), xsID("wake"), xsResult, xsDefault);\n' +
    '\txsResult = xsNewHostFunction(xs_anyloop_waitNext, 0);\n\txsDefine(xsVar(0), xsID("waitNext"), xsResult, xsDefault);\n' +
    '\txsResult = xsNewHostFunction(xs_anyloop_futureIterator, 0);\n\txsDefine(xsVar(0), xsID("futureIterator"), xsResult, xsDefault);\n' +
    '\txsResult = xsNewHostFunction(xs_anyloop_resume, 1);\n\txsDefine(xsVar(0), xsID("resume"), xsResult, xsDefault);\n' +
    '\txsDefine(xsGlobal, xsID("anyloopNative"), xsVar(0), xsDontEnum);\n'],
  // DigitalIn's interrupt (native.c): declared, then handed to anyloop/native.
  ['static xsSlot* gxAnyloopBottom = NULL;\n', 'void xs_anyloop_onReadable(xsMachine* the);\nvoid xs_anyloop_portReadable(xsMachine* the);\n\nstatic xsSlot* gxAnyloopBottom = NULL;\n'],
  ['\txsDefine(xsGlobal, xsID("anyloopNative"), xsVar(0), xsDontEnum);\n',
    '\txsResult = xsNewHostFunction(xs_anyloop_onReadable, 0);\n\txsDefine(xsVar(0), xsID("digitalReadable"), xsResult, xsDefault);\n' +
    '\txsResult = xsNewHostFunction(xs_anyloop_portReadable, 0);\n\txsDefine(xsVar(0), xsID("portReadable"), xsResult, xsDefault);\n' +
    '\txsDefine(xsGlobal, xsID("anyloopNative"), xsVar(0), xsDontEnum);\n'],
  // The waits that make a waiter (native.c): declared, then handed to anyloop/native.
  ['static xsSlot* gxAnyloopBottom = NULL;\n', 'void xs_anyloop_eventWait(xsMachine* the);\nvoid xs_anyloop_queueGet(xsMachine* the);\n' +
    'void xs_anyloop_intervalTick(xsMachine* the);\n\nstatic xsSlot* gxAnyloopBottom = NULL;\n'],
  ['\txsDefine(xsGlobal, xsID("anyloopNative"), xsVar(0), xsDontEnum);\n',
    '\txsResult = xsNewHostFunction(xs_anyloop_eventWait, 1);\n\txsDefine(xsVar(0), xsID("eventWait"), xsResult, xsDefault);\n' +
    '\txsResult = xsNewHostFunction(xs_anyloop_queueGet, 1);\n\txsDefine(xsVar(0), xsID("queueGet"), xsResult, xsDefault);\n' +
    '\txsResult = xsNewHostFunction(xs_anyloop_intervalTick, 1);\n\txsDefine(xsVar(0), xsID("intervalTick"), xsResult, xsDefault);\n' +
    '\txsDefine(xsGlobal, xsID("anyloopNative"), xsVar(0), xsDontEnum);\n'],
  // Queue.put (native.c)
  ['static xsSlot* gxAnyloopBottom = NULL;\n', 'void xs_anyloop_queuePut(xsMachine* the);\n\nstatic xsSlot* gxAnyloopBottom = NULL;\n'],
  ['\txsDefine(xsGlobal, xsID("anyloopNative"), xsVar(0), xsDontEnum);\n',
    '\txsResult = xsNewHostFunction(xs_anyloop_queuePut, 2);\n\txsDefine(xsVar(0), xsID("queuePut"), xsResult, xsDefault);\n' +
    '\txsDefine(xsGlobal, xsID("anyloopNative"), xsVar(0), xsDontEnum);\n'],
];

/**
 * anyloop's C module, src/moddable/native.c (beside dist/ in the package):
 * the worker is compiled with it, as a device build is.
 */
function nativeC(): string {
  // The package's root is above this module: src/sim/host, dist/sim/host, or a compiled copy (out/src/sim/host).
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const file = join(dir, 'src', 'moddable', 'native.c');
    if (existsSync(file)) return file;
    if (dirname(dir) === dir) throw new XsError('cannot build the device worker: anyloop\'s src/moddable/native.c is missing');
  }
}

/** Stack slots the worker has beyond the device's, for the simulator's own frames below the app's. */
const HOST_STACK = 1024;

/** Patches of a C source: each `[from, to]` replaces the first `from`. */
export type Patches = readonly (readonly [string, string])[];

/**
 * A worker built like the device worker, with more: patches to its
 * `xsnap-worker.c` after {@link PATCHES}, patches to XS's sources (by file
 * name), and C flags for a compile of every object (not only the worker's).
 * @internal
 */
export interface WorkerVariant {
  /** Its folder's name in the cache, before the hash. */
  name: string;
  /** What error messages call it. */
  what: string;
  worker: Patches;
  xs: Readonly<Record<string, Patches>>;
  cflags: string;
}

let building: Promise<string> | undefined;

/**
 * The path of the device worker: @agoric/xsnap's worker with {@link PATCHES}
 * applied, built on first use with the package's own makefile and object
 * files (only the patched file is compiled: about a second) and kept in
 * `node_modules/.cache/anyloop/`, under a name that hashes the package's
 * version and the patches.
 */
export function deviceWorkerPath(): Promise<string> {
  building ??= buildWorker().catch((e: unknown) => {
    building = undefined;
    throw e;
  });
  return building;
}

function applyPatches(text: string, patches: Patches, what: string): string {
  let patched = text;
  for (const [from, to] of patches) {
    if (!patched.includes(from)) throw new XsError(`cannot build the ${what}`);
    patched = patched.replace(from, to);
  }
  return patched;
}

/**
 * Builds the device worker or, given a variant, that variant of it (a full
 * compile of XS) into the cache, unless it is there; returns its path.
 * @internal
 */
export async function buildWorker(variant?: WorkerVariant): Promise<string> {
  requirePeers(['@agoric/xsnap']);
  const pkgJson = createRequire(import.meta.url).resolve('@agoric/xsnap/package.json');
  const pkg = dirname(pkgJson);
  const { version } = JSON.parse(await readFile(pkgJson, 'utf8')) as { version: string };
  const platform = process.platform === 'linux' ? 'lin' : process.platform === 'darwin' ? 'mac' : null;
  if (platform === null) throw new XsError(`@agoric/xsnap has no XS worker for ${process.platform}`);
  const native = join(pkg, 'xsnap-native', 'xsnap');
  const moddable = join(pkg, 'moddable');
  const original = await readFile(join(native, 'sources', 'xsnap-worker.c'), 'utf8');
  const what = variant?.what ?? 'device worker';
  const notOurs = `${what}: @agoric/xsnap ${version}'s xsnap-worker.c is not the one anyloop patches`;
  let patched = `${applyPatches(original, PATCHES, notOurs)}\n${await readFile(nativeC(), 'utf8')}`;
  let keyed = `${version}\n${platform}\n${patched}`;
  const xsSources: [string, string][] = [];
  if (variant !== undefined) {
    patched = applyPatches(patched, variant.worker, notOurs);
    for (const [file, patches] of Object.entries(variant.xs)) {
      xsSources.push([file, applyPatches(await readFile(join(moddable, 'xs', 'sources', file), 'utf8'), patches,
        `${what}: @agoric/xsnap ${version}'s XS ${file} is not the one anyloop patches`)]);
    }
    keyed = `${version}\n${platform}\n${patched}\n${xsSources.map(([, text]) => text).join('\n')}\n${variant.cflags}`;
  }
  const key = createHash('sha256').update(keyed).digest('hex').slice(0, 16);
  // node_modules/@agoric/xsnap -> node_modules/.cache/anyloop
  const cache = join(dirname(dirname(pkg)), '.cache', 'anyloop', `${variant?.name ?? 'xsnap-worker'}-${key}`);
  const bin = join(cache, 'xsnap-worker');
  if (existsSync(bin)) return bin;

  const work = `${cache}.${process.pid}.tmp`;
  await rm(work, { recursive: true, force: true });
  const sources = join(work, 'sources');
  await mkdir(sources, { recursive: true });
  for (const f of await readdir(join(native, 'sources'), { withFileTypes: true })) {
    if (f.isFile()) await copyFile(join(native, 'sources', f.name), join(sources, f.name));
  }
  await writeFile(join(sources, 'xsnap-worker.c'), patched);
  const args = ['-f', 'xsnap-worker.mk', 'GOAL=release', `BUILD_DIR=${join(work, 'build')}`, `TLS_DIR=${sources}`, `XSNAP_VERSION=${version}`];
  if (variant !== undefined) {
    // A copy of XS with the patched sources, every object compiled anew
    // with the variant's flags (which may change the machine's structure).
    const xs = join(work, 'moddable');
    await cp(moddable, xs, { recursive: true });
    for (const [file, text] of xsSources) await writeFile(join(xs, 'xs', 'sources', file), text);
    args.push(`MODDABLE=${xs}`, `CC=${process.env.CC ?? 'cc'} ${variant.cflags}`, `-j${availableParallelism()}`);
  } else {
    // The package's release objects, copied after the sources so that make
    // finds them up to date: it compiles the patched file and links.
    const objects = join(native, 'build', 'tmp', platform, 'release', 'xsnap-worker');
    const tmp = join(work, 'build', 'tmp', platform, 'release', 'xsnap-worker');
    await mkdir(tmp, { recursive: true });
    if (existsSync(objects)) {
      for (const f of await readdir(objects)) {
        if (f.endsWith('.o') && f !== 'xsnap-worker.o') await copyFile(join(objects, f), join(tmp, f));
      }
    }
    args.push(`MODDABLE=${moddable}`);
  }
  await make(join(native, 'makefiles', platform), work, args, what);
  await mkdir(cache, { recursive: true });
  const built = join(work, 'build', 'bin', platform, 'release', 'xsnap-worker');
  // rename is atomic: a parallel build of the same key just replaces it.
  await rename(built, bin);
  await rm(work, { recursive: true, force: true });
  return bin;
}

async function make(cwd: string, work: string, args: string[], what: string): Promise<void> {
  try {
    await run('make', cwd, args, what);
  } catch (e) {
    await rm(work, { recursive: true, force: true });
    throw e;
  }
}

function run(command: string, cwd: string, args: string[], what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (s: string) => { err += s; });
    child.once('error', (e) => reject(new XsError(`cannot build the ${what}: make: ${e.message} (it needs make and a C compiler)`)));
    child.once('close', (code) => {
      if (code === 0) resolve();
      else reject(new XsError(`cannot build the ${what}: make exited with code ${code}: ${err.trim().split('\n').filter((l) => /error/.test(l)).slice(0, 5).join('\n')}`));
    });
  });
}

/**
 * A profiled run: the profiling worker to run (`profilingWorkerPath()` of
 * `profiling-worker.ts`, which the simulator itself never loads) and the
 * path prefix of the files it writes.
 * @internal
 */
export interface ProfileOption {
  worker: string;
  prefix: string;
}

/** The creation values of a device's XS machine. */
export interface DeviceLimits {
  /** JavaScript stack, in slots. */
  stack: number;
  /** Bytes XS may take for its heaps once the app has started. */
  heap: number;
  /** Computrons one host callback may run (0: no limit). */
  watchdog: number;
}

/**
 * Starts an XS worker built with the device's creation values: a stack of
 * `options.stack` slots (and room for the simulator's frames: the host
 * limits each host callback to the device's stack with `anyloopStack`) and mcconfig's default heaps (2048 + 64 slots, 32 +
 * 1 KB of chunks), so that the heaps grow in small steps as on the device.
 * `options.heaps` replaces those four (for a benchmark that holds
 * thousands of objects: grown 64 slots at a time, the heap is collected at
 * every step). With `options.profile`, it runs the profiling worker it names (see
 * `profiling-worker.ts`), which writes `<prefix>.stacks` as it runs and
 * `<prefix>.cpuprofile` when it is closed (not when it is terminated).
 */
export async function startDeviceWorker(options: XsWorkerOptions & { stack: number; profile?: ProfileOption; heaps?: readonly [number, number, number, number] }): Promise<XsWorker> {
  const executable = options.profile === undefined ? await deviceWorkerPath() : options.profile.worker;
  const args = ['-S', String(options.stack + HOST_STACK), '-H', (options.heaps ?? [2048, 64, 32768, 1024]).join(','), '-i', String(WATCHDOG_INTERVAL)];
  if (options.profile !== undefined) args.push('-P', options.profile.prefix);
  return new XsWorker({ ...options, executable, args });
}
