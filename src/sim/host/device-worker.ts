import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, cp, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
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
    'extern void fxBeginMetering(xsMachine* the, xsBooleanValue (*callback)(xsMachine*, xsUnsignedValue), xsUnsignedValue interval);\n'],
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
    '\txsResult = xsNewHostFunction(xs_anyloopMeter, 0);\n\txsDefine(xsGlobal, xsID("anyloopMeter"), xsResult, xsDontEnum);\n'],
];

/**
 * What the profiling worker adds to {@link PATCHES}: with `-P <prefix>` it
 * profiles the machine from its creation, writes each sample's call stack
 * to `<prefix>.stacks` as it goes (see {@link PROFILE_PATCHES}) and, when it
 * is told to quit (`q`), the Chrome .cpuprofile that names the stacks'
 * functions to `<prefix>.cpuprofile`.
 */
const PROFILING_PATCHES: readonly (readonly [string, string])[] = [
  ['static void xsBuildAgent(xsMachine* the);\n', 'static void xsBuildAgent(xsMachine* the);\n' +
    'extern FILE* fxProfileStacks;\nstatic char* gxProfilePath = NULL;\n'],
  ['\t\telse if (!strcmp(argv[argi], "-v")) {\n',
    '\t\telse if (!strcmp(argv[argi], "-P") && argi + 1 < argc)\n\t\t\tgxProfilePath = argv[++argi];\n' +
    '\t\telse if (!strcmp(argv[argi], "-v")) {\n'],
  ['\t\txsBuildAgent(machine);\n\t}\n',
    '\t\txsBuildAgent(machine);\n\t}\n' +
    '\tif (gxProfilePath) {\n\t\tchar path[4096];\n\t\tsnprintf(path, sizeof(path), "%s.stacks", gxProfilePath);\n' +
    '\t\tif (!(fxProfileStacks = fopen(path, "w"))) {\n\t\t\tfprintf(stderr, "cannot write %s: %s\\n", path, strerror(errno));\n\t\t\treturn E_IO_ERROR;\n\t\t}\n' +
    '\t\tfxStartProfiling(machine);\n\t}\n'],
  ["\t\t\tcase 'q':\n\t\t\t\tdone = 1;\n",
    "\t\t\tcase 'q':\n\t\t\t\tif (gxProfilePath) {\n\t\t\t\t\tchar path[4096];\n" +
    '\t\t\t\t\tFILE* file;\n\t\t\t\t\tsnprintf(path, sizeof(path), "%s.cpuprofile", gxProfilePath);\n' +
    // fxStopProfiling closes the file (given none, it would name one itself).
    '\t\t\t\t\tif ((file = fopen(path, "w")))\n\t\t\t\t\t\tfxStopProfiling(machine, file);\n' +
    '\t\t\t\t\telse\n\t\t\t\t\t\tfprintf(stderr, "cannot write %s: %s\\n", path, strerror(errno));\n' +
    '\t\t\t\t\tfclose(fxProfileStacks);\n\t\t\t\t\tfxProfileStacks = NULL;\n\t\t\t\t}\n\t\t\t\tdone = 1;\n'],
];

/**
 * The changes to XS's `xsProfile.c` for the profiling worker, so that a
 * profile accounts for every computron:
 *
 * - the profiler's clock is the meter (computrons), which each delivery
 *   restarts from 0, made monotonic across deliveries;
 * - it samples at every check (each line of JavaScript, each return from a
 *   native function, each GC), not every 1.25 ms;
 * - each sample is a line of `fxProfileStacks`: the clock, then the
 *   profile records of the stack, innermost first (0: no JavaScript on the
 *   stack).
 */
const PROFILE_PATCHES: readonly (readonly [string, string])[] = [
  ['static txU8 fxGetTicks();\n', 'static txU8 fxGetTicks();\nstatic txMachine* gxProfileMachine = NULL;\nFILE* fxProfileStacks = NULL;\n'],
  ['\ttxU8 when = profiler->when;\n\ttxU8 time = fxGetTicks();\n\tif (when < time) {\n',
    '\ttxU8 time = fxGetTicks();\n\t{\n'],
  ['\t\tif (record) {\n\t\t\tcallee = record;\n',
    '\t\tif (fxProfileStacks)\n\t\t\tfprintf(fxProfileStacks, "%llu %d", (unsigned long long)time, record ? (int)record->recordID : 0);\n' +
    '\t\tif (record) {\n\t\t\tcallee = record;\n'],
  ['\t\t\t\tif (parent) {\n\t\t\t\t\tfxInsertProfilerCallee(the, parent, callee->recordID);\n',
    '\t\t\t\tif (parent) {\n\t\t\t\t\tif (fxProfileStacks)\n\t\t\t\t\t\tfprintf(fxProfileStacks, " %d", (int)parent->recordID);\n' +
    '\t\t\t\t\tfxInsertProfilerCallee(the, parent, callee->recordID);\n'],
  ['\t\tif (callee)\n\t\t\tfxInsertProfilerCallee(the, profiler->host, callee->recordID);\n',
    '\t\tif (fxProfileStacks)\n\t\t\tfputc(\'\\n\', fxProfileStacks);\n' +
    '\t\tif (callee)\n\t\t\tfxInsertProfilerCallee(the, profiler->host, callee->recordID);\n'],
  ['\tprofiler->interval = (txU4)fxMicrosecondsToTicks(1250);\n', '\tgxProfileMachine = the;\n\tprofiler->interval = 1;\n'],
  ['txU8 fxGetTicks()\n{\n#if mxMacOSX\n\treturn clock_gettime_nsec_np(CLOCK_MONOTONIC);\n#elif mxWindows\n\tLARGE_INTEGER counter;\n' +
    '\tQueryPerformanceCounter(&counter);\n\treturn counter.QuadPart;\n#else\n\tc_timeval tv;\n\tc_gettimeofday(&tv, NULL);\n' +
    '\treturn (tv.tv_sec * 1000000ULL) + tv.tv_usec;\n#endif\n}\n',
  'txU8 fxGetTicks()\n{\n\tstatic txU8 base = 0, last = 0;\n\ttxU8 now = gxProfileMachine ? gxProfileMachine->meterIndex : 0;\n' +
    '\tif (now < last)\n\t\tbase += last;\n\tlast = now;\n\treturn base + now;\n}\n'],
];

/**
 * The change to XS's `xsRun.c` for the profiling worker: a check of the
 * profiler when a JavaScript function returns to JavaScript, so that what
 * the caller runs next is sampled as the caller's (XS checks at each line
 * and at each return from a native function only: the rest of the
 * caller's line would go to the callee's last line).
 */
const RUN_PATCHES: readonly (readonly [string, string])[] = [
  ['\t\t\tmxEnvironment = mxFrameToEnvironment(mxFrame);\n\t\t\tmxFirstCode();\n\t\t\tmxBreak;\n\t\tmxCase(XS_CODE_RETURN)\n',
    '\t\t\tmxEnvironment = mxFrameToEnvironment(mxFrame);\n\t\t\tfxCheckProfiler(the, mxFrame);\n\t\t\tmxFirstCode();\n\t\t\tmxBreak;\n\t\tmxCase(XS_CODE_RETURN)\n'],
];

/** Stack slots the worker has beyond the device's, for the simulator's own frames below the app's. */
const HOST_STACK = 1024;

const building = new Map<boolean, Promise<string>>();

/**
 * The path of the device worker: @agoric/xsnap's worker with {@link PATCHES}
 * applied, built on first use with the package's own makefile and object
 * files (only the patched file is compiled: about a second) and kept in
 * `node_modules/.cache/anyloop/`, under a name that hashes the package's
 * version and the patches.
 */
export function deviceWorkerPath(): Promise<string> {
  return buildOnce(false);
}

/**
 * The path of the profiling worker: the device worker (same patches, same
 * creation values and meters) with XS's profiler compiled in (every object
 * built with `mxProfile`, `xsProfile.c` patched by {@link PROFILE_PATCHES})
 * and the `-P <prefix>` option of {@link PROFILING_PATCHES}. Built on first
 * use, a full compile of XS (under a minute), and kept beside the device
 * worker under a name of its own.
 */
export function profilingWorkerPath(): Promise<string> {
  return buildOnce(true);
}

function buildOnce(profiling: boolean): Promise<string> {
  let b = building.get(profiling);
  if (b === undefined) {
    b = build(profiling).catch((e: unknown) => {
      building.delete(profiling);
      throw e;
    });
    building.set(profiling, b);
  }
  return b;
}

function applyPatches(text: string, patches: readonly (readonly [string, string])[], what: string): string {
  let patched = text;
  for (const [from, to] of patches) {
    if (!patched.includes(from)) throw new XsError(`cannot build the ${what}`);
    patched = patched.replace(from, to);
  }
  return patched;
}

async function build(profiling: boolean): Promise<string> {
  requirePeers(['@agoric/xsnap']);
  const pkgJson = createRequire(import.meta.url).resolve('@agoric/xsnap/package.json');
  const pkg = dirname(pkgJson);
  const { version } = JSON.parse(await readFile(pkgJson, 'utf8')) as { version: string };
  const platform = process.platform === 'linux' ? 'lin' : process.platform === 'darwin' ? 'mac' : null;
  if (platform === null) throw new XsError(`@agoric/xsnap has no XS worker for ${process.platform}`);
  const native = join(pkg, 'xsnap-native', 'xsnap');
  const moddable = join(pkg, 'moddable');
  const original = await readFile(join(native, 'sources', 'xsnap-worker.c'), 'utf8');
  const what = profiling ? 'profiling worker' : 'device worker';
  const notOurs = `${what}: @agoric/xsnap ${version}'s xsnap-worker.c is not the one anyloop patches`;
  let patched = applyPatches(original, PATCHES, notOurs);
  let key: string;
  let profile = '';
  let interpreter = '';
  if (profiling) {
    patched = applyPatches(patched, PROFILING_PATCHES, notOurs);
    const xsSource = async (file: string, patches: readonly (readonly [string, string])[]): Promise<string> =>
      applyPatches(await readFile(join(moddable, 'xs', 'sources', file), 'utf8'), patches,
        `${what}: @agoric/xsnap ${version}'s XS ${file} is not the one anyloop patches`);
    profile = await xsSource('xsProfile.c', PROFILE_PATCHES);
    interpreter = await xsSource('xsRun.c', RUN_PATCHES);
    key = createHash('sha256').update(`${version}\n${platform}\n${patched}\n${profile}\n${interpreter}`).digest('hex').slice(0, 16);
  } else {
    key = createHash('sha256').update(`${version}\n${platform}\n${patched}`).digest('hex').slice(0, 16);
  }
  // node_modules/@agoric/xsnap -> node_modules/.cache/anyloop
  const cache = join(dirname(dirname(pkg)), '.cache', 'anyloop', `${profiling ? 'xsnap-profiler' : 'xsnap-worker'}-${key}`);
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
  if (profiling) {
    // A copy of XS with the patched profiler, every object compiled anew:
    // mxProfile changes the machine's structure.
    const xs = join(work, 'moddable');
    await cp(moddable, xs, { recursive: true });
    await writeFile(join(xs, 'xs', 'sources', 'xsProfile.c'), profile);
    await writeFile(join(xs, 'xs', 'sources', 'xsRun.c'), interpreter);
    args.push(`MODDABLE=${xs}`, `CC=${process.env.CC ?? 'cc'} -DmxProfile=1`, `-j${availableParallelism()}`);
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
 * With `options.profile`, the profiling worker (see {@link profilingWorkerPath})
 * writes `<profile>.stacks` as it runs and `<profile>.cpuprofile` when it is
 * closed (not when it is terminated).
 */
export async function startDeviceWorker(options: XsWorkerOptions & { stack: number; profile?: string }): Promise<XsWorker> {
  const executable = await (options.profile === undefined ? deviceWorkerPath() : profilingWorkerPath());
  const args = ['-S', String(options.stack + HOST_STACK), '-H', '2048,64,32768,1024', '-i', String(WATCHDOG_INTERVAL)];
  if (options.profile !== undefined) args.push('-P', options.profile);
  return new XsWorker({ ...options, executable, args });
}
