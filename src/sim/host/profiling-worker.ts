/**
 * The profiling worker: the device worker with XS's profiler compiled in,
 * for `runScenario`'s `profile` option (the bench's `npm run bench:profile`).
 * The simulator never loads this module: a profiled run is given the path.
 */
import { buildWorker, type Patches } from './device-worker.js';

/**
 * What the profiling worker adds to the device worker's `xsnap-worker.c`: with `-P <prefix>` it
 * profiles the machine from its creation, writes each sample's call stack
 * to `<prefix>.stacks` as it goes (see {@link PROFILE_PATCHES}) and, when it
 * is told to quit (`q`), the Chrome .cpuprofile that names the stacks'
 * functions to `<prefix>.cpuprofile`.
 */
const PROFILING_PATCHES: Patches = [
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
 *   restarts from 0, made monotonic across deliveries (a restart is seen
 *   as the meter going back: what a delivery runs before its first sample
 *   goes to the previous delivery's last sample, the host's between two
 *   commands);
 * - it samples at every check (each line of JavaScript, each return from a
 *   native function, each GC), not every 1.25 ms;
 * - each sample is a line of `fxProfileStacks`: the clock, then the
 *   profile records of the stack, innermost first (0: no JavaScript on the
 *   stack).
 */
const PROFILE_PATCHES: Patches = [
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
const RUN_PATCHES: Patches = [
  ['\t\t\tmxEnvironment = mxFrameToEnvironment(mxFrame);\n\t\t\tmxFirstCode();\n\t\t\tmxBreak;\n\t\tmxCase(XS_CODE_RETURN)\n',
    '\t\t\tmxEnvironment = mxFrameToEnvironment(mxFrame);\n\t\t\tfxCheckProfiler(the, mxFrame);\n\t\t\tmxFirstCode();\n\t\t\tmxBreak;\n\t\tmxCase(XS_CODE_RETURN)\n'],
];

let building: Promise<string> | undefined;

/**
 * The path of the profiling worker: the device worker (same patches, same
 * creation values and meter) with XS's profiler compiled in (every object
 * built with `mxProfile`, `xsProfile.c` patched by {@link PROFILE_PATCHES}
 * and `xsRun.c` by {@link RUN_PATCHES}) and the `-P <prefix>` option of
 * {@link PROFILING_PATCHES}. Built on first use, a full compile of XS
 * (under a minute), and kept beside the device worker under a name of its
 * own.
 */
export function profilingWorkerPath(): Promise<string> {
  building ??= buildWorker({
    name: 'xsnap-profiler', what: 'profiling worker', worker: PROFILING_PATCHES,
    xs: { 'xsProfile.c': PROFILE_PATCHES, 'xsRun.c': RUN_PATCHES }, cflags: '-DmxProfile=1',
  }).catch((e: unknown) => {
    building = undefined;
    throw e;
  });
  return building;
}
