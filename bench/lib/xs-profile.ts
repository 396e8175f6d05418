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
  /** The app's computrons as a call tree: its roots are what the host called (or the promise jobs it ran). */
  tree: CallTreeNode;
  /** The app's functions, by self computrons, largest first. */
  functions: FunctionRow[];
}

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
  const tree = node(-1);
  const rows = new Map<number, FunctionRow>();
  const out = { calls: 0, windows: 0, app: 0, hostModules: 0, hostModuleCalls: 0, hostOwn: 0, outside: 0 };
  let inWindow = false;
  let marked = false;
  let wasHostModule = false;
  let previous: readonly number[] = [];
  for (let k = 0; k + 1 < samples.length; k++) {
    const { stack } = samples[k]!;
    const w = samples[k + 1]!.time - samples[k]!.time;
    // Frames from `fresh` on were entered since the previous sample.
    let fresh = 0;
    while (fresh < stack.length && fresh < previous.length && stack[fresh] === previous[fresh]) fresh++;
    previous = stack;
    const hasMarker = stack.includes(marker);
    if (marked && !hasMarker) {
      inWindow = !inWindow;
      if (inWindow) out.calls++;
    }
    marked = hasMarker;
    if (!inWindow || hasMarker) {
      out.outside += w;
      continue;
    }
    out.windows += w;
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
    if (!anyHost) first = 0;
    if (first < 0) {
      out.hostOwn += w;
      continue;
    }
    if (hostAbove) {
      out.hostModules += w;
      if (!wasHostModule) out.hostModuleCalls++;
      wasHostModule = true;
      continue;
    }
    wasHostModule = false;
    out.app += w;
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
  }
  const table = [...rows.values()].sort((a, b) => b.self - a.self || b.inclusive - a.inclusive);
  return { ...out, tree, functions: table };
}

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
