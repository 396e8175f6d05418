/**
 * Reading a computron profile of an app run in the simulator's XS (the
 * profiling worker of src/sim/host/device-worker.ts): which of the app's
 * functions the computrons went to, as an inclusive call tree and a table.
 *
 * The worker samples at every check of XS's profiler (each line of
 * JavaScript, each return from a native function, each GC), its clock being
 * the meter, and writes one line per sample: the meter's reading, then the
 * profile records of the call stack, innermost first. The computrons
 * between two samples go to the stack of the earlier one. So a native
 * function's own figure is the code its caller runs after it returns, up to
 * the next line.
 */

/** Who a function belongs to: the app (anyloop included), the simulated host (its modules and the simulator's own code), or XS (a native). */
export type FunctionKind = 'app' | 'host' | 'native';

/** A function of the profile: a record of XS's profiler. */
export interface ProfileFunction {
  /** How it is shown: its name and where it is defined. */
  label: string;
  kind: FunctionKind;
  /** The source file it is defined in (none for a native). */
  file?: string;
}

/** One sample: the meter's reading and the records on the stack, outermost first. */
export interface ProfileSample {
  time: number;
  stack: number[];
}

/** A record of the .cpuprofile XS writes: its name and where its function starts in its script. */
export interface ProfileNode {
  id: number;
  functionName: string;
  /** XS's name of the script (`#2`), empty for a native. */
  url: string;
  /** 0-based, -1 when unknown. */
  lineNumber: number;
}

/** The samples of a stacks file, in order (stacks outermost first). */
export function parseStacks(text: string): ProfileSample[] {
  const samples: ProfileSample[] = [];
  let last = -Infinity;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const fields = line.split(' ').map(Number);
    if (fields.length < 2 || fields.some((n) => !Number.isInteger(n) || n < 0)) throw new RangeError(`not a line of a stacks file: ${JSON.stringify(line)}`);
    const time = fields[0]!;
    if (time < last) throw new RangeError(`the meter's reading goes back at ${JSON.stringify(line)}`);
    last = time;
    samples.push({ time, stack: fields.slice(1).reverse() });
  }
  return samples;
}

/** The records of a .cpuprofile that XS wrote. */
export function parseCpuProfile(json: string): ProfileNode[] {
  const p = JSON.parse(json) as { nodes?: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[] };
  if (!Array.isArray(p.nodes)) throw new TypeError('not a .cpuprofile: it has no nodes');
  return p.nodes.map((n) => ({ id: n.id, functionName: n.callFrame.functionName, url: n.callFrame.url, lineNumber: n.callFrame.lineNumber }));
}

/** A node of the call tree: a function called along one path from a root. */
export interface CallTreeNode {
  id: number;
  /** Computrons in this function and what it called, along this path. */
  total: number;
  /** Computrons in this function itself, along this path. */
  self: number;
  /** Calls seen (a lower bound: two calls with no sample between them in the caller count once). */
  calls: number;
  children: Map<number, CallTreeNode>;
}

/** A row of the per-function table. */
export interface FunctionRow {
  id: number;
  self: number;
  /** Computrons with the function on the stack (once per sample, however often it recurs). */
  inclusive: number;
  /** Calls seen (a lower bound, as in the tree). */
  calls: number;
}

/** Where the computrons of a profile went. */
export interface ProfileAnalysis {
  /** The host's calls into the app (and runs of promise jobs) seen: the meter's windows. */
  calls: number;
  /** Computrons in those windows: the next three together. */
  windows: number;
  /** The app's: with no host frame above the app's first frame. */
  app: number;
  /** The host's functions the app called (the simulated host modules, C on a device, and the meter's wrappers around them). */
  hostModules: number;
  /** Calls of those seen. */
  hostModuleCalls: number;
  /** The host's own code in the windows with no app frame (the simulator's bookkeeping around a call). */
  hostOwn: number;
  /** Computrons outside the windows (start-up, the simulator between calls). */
  outside: number;
  /**
   * Where a call crosses between the host and the app, the computrons from
   * the caller's last sample to the callee's first (the call, the callee's
   * prologue) are the caller's: `intoApp` is what the host's calls into
   * the app so gave the host, `intoHost` what the app's calls into the host
   * modules gave the app.
   */
  crossing: { intoApp: number; intoHost: number };
  /** The app's computrons as a call tree: its roots are what the host called (or the promise jobs it ran). */
  tree: CallTreeNode;
  /** The app's functions, by self computrons, largest first. */
  functions: FunctionRow[];
  /**
   * The app's computrons by the source file of the innermost function that
   * has one (a native's go to its caller's file), largest first; those of a
   * promise job with no JavaScript on the stack under {@link NO_FILE}.
   */
  files: [string, number][];
}

/** The file of the app's computrons with no JavaScript function on the stack (XS running promise jobs). */
export const NO_FILE = '(XS, no JavaScript on the stack)';

function node(id: number): CallTreeNode {
  return { id, total: 0, self: 0, calls: 0, children: new Map() };
}

/**
 * Splits a profile's computrons: the app's (into a call tree and a table
 * by function), the host modules' it called, the host's own.
 *
 * The windows are those of the simulator's meter: a host call into the
 * app, or a run of promise jobs, lies between two calls of its `marker`
 * function (the driver's `onHostCall`, which opens and then closes each
 * one), so a window opens where a run of samples with the marker on the
 * stack ends, and closes where the next such run ends. In a window, a
 * sample is the app's when no host frame is above its first app frame
 * (outermost, so that the tree's roots are what the host called); with no
 * host frame at all (a promise job) the whole stack is the app's, the
 * natives that run the job included.
 */
export function analyzeProfile(samples: readonly ProfileSample[], functions: ReadonlyMap<number, ProfileFunction>, marker: number): ProfileAnalysis {
  const kind = (id: number): FunctionKind => functions.get(id)?.kind ?? 'native';
  const out = { calls: 0, windows: 0, app: 0, hostModules: 0, hostModuleCalls: 0, hostOwn: 0, outside: 0 };
  // First, whose each sample is, and where the app's part of its stack starts.
  const whose: Whose[] = [];
  const firstApp: number[] = [];
  let inWindow = false;
  let marked = false;
  for (let k = 0; k + 1 < samples.length; k++) {
    const { stack } = samples[k]!;
    const hasMarker = stack.includes(marker);
    if (marked && !hasMarker) {
      inWindow = !inWindow;
      if (inWindow) out.calls++;
    }
    marked = hasMarker;
    let first = -1;
    let hostAbove = false;
    let anyHost = false;
    for (let i = 0; i < stack.length; i++) {
      const k2 = kind(stack[i]!);
      if (k2 === 'host') {
        anyHost = true;
        if (first >= 0) hostAbove = true;
      } else if (k2 === 'app' && first < 0) first = i;
    }
    firstApp.push(anyHost ? first : 0);
    whose.push(!inWindow || hasMarker ? 'outside' : hostAbove ? 'hostModule' : anyHost && first < 0 ? 'host' : !anyHost && first < 0 ? 'natives' : 'app');
  }
  // Natives alone on the stack: XS running promise jobs. Next to the app's
  // samples they start or end the app's jobs; else they are the host's (the
  // simulator's awaits unwinding, the immediate that ends a run of jobs).
  const resolved = whose.map((w, k) => w !== 'natives' ? w : whose[k - 1] === 'app' || whose[k + 1] === 'app' ? 'app' : 'host');
  const tree = node(-1);
  const rows = new Map<number, FunctionRow>();
  const files = new Map<string, number>();
  const crossing = { intoApp: 0, intoHost: 0 };
  let previous: readonly number[] = [];
  for (let k = 0; k < resolved.length; k++) {
    const { stack } = samples[k]!;
    const w = samples[k + 1]!.time - samples[k]!.time;
    // Frames from `fresh` on were entered since the previous sample.
    let fresh = 0;
    while (fresh < stack.length && fresh < previous.length && stack[fresh] === previous[fresh]) fresh++;
    // Only frames entered: the previous sample's stack is the bottom of this one.
    const called = k > 0 && fresh === previous.length && stack.length > fresh;
    previous = stack;
    const r = resolved[k]!;
    const before = k > 0 ? resolved[k - 1]! : 'outside';
    const wBefore = k > 0 ? samples[k]!.time - samples[k - 1]!.time : 0;
    if (r === 'outside') {
      out.outside += w;
      continue;
    }
    out.windows += w;
    if (r === 'host') {
      out.hostOwn += w;
      continue;
    }
    if (r === 'hostModule') {
      out.hostModules += w;
      if (before !== 'hostModule') {
        out.hostModuleCalls++;
        if (called && before === 'app') crossing.intoHost += wBefore;
      }
      continue;
    }
    if (called && before === 'host') crossing.intoApp += wBefore;
    out.app += w;
    const first = firstApp[k]!;
    let at = tree;
    at.total += w;
    const seen = new Set<number>();
    for (let i = first; i < stack.length; i++) {
      const id = stack[i]!;
      let child = at.children.get(id);
      if (child === undefined) at.children.set(id, child = node(id));
      child.total += w;
      let row = rows.get(id);
      if (row === undefined) rows.set(id, row = { id, self: 0, inclusive: 0, calls: 0 });
      if (!seen.has(id)) {
        seen.add(id);
        row.inclusive += w;
      }
      if (i >= fresh) {
        child.calls++;
        row.calls++;
      }
      at = child;
    }
    at.self += w;
    rows.get(stack[stack.length - 1]!)!.self += w;
    let file = NO_FILE;
    for (let i = stack.length - 1; i >= first; i--) {
      const f = functions.get(stack[i]!)?.file;
      if (f !== undefined) {
        file = f;
        break;
      }
    }
    files.set(file, (files.get(file) ?? 0) + w);
  }
  const table = [...rows.values()].sort((a, b) => b.self - a.self || b.inclusive - a.inclusive);
  return { ...out, crossing, tree, functions: table, files: [...files].sort((a, b) => b[1] - a[1]) };
}

type Whose = 'outside' | 'host' | 'hostModule' | 'natives' | 'app';

/**
 * The tree as indented lines (`total  self  calls  label`), children by
 * total, down to `depth` levels and leaving out nodes under `min` computrons.
 */
export function formatTree(tree: CallTreeNode, label: (id: number) => string, min: number, depth: number): string[] {
  const lines: string[] = [];
  const walk = (n: CallTreeNode, level: number): void => {
    for (const c of [...n.children.values()].sort((a, b) => b.total - a.total)) {
      if (c.total < min) continue;
      lines.push(`${String(c.total).padStart(8)} ${String(c.self).padStart(7)} ${String(c.calls).padStart(6)}  ${'  '.repeat(level)}${label(c.id)}`);
      if (level + 1 < depth) walk(c, level + 1);
    }
  };
  walk(tree, 0);
  return lines;
}
