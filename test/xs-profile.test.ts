import { describe, expect, it } from 'vitest';
import { analyzeProfile, formatTree, NO_FILE, parseCpuProfile, parseStacks, type ProfileFunction } from '../bench/lib/xs-profile.js';

// A synthetic profile: the host's command (50) calls the board's _call (10),
// which calls the marker (11, onHostCall) around the app's callback (20),
// which calls an app function (21) and a host module (30); then a run of
// promise jobs, where a native (40) resumes the app's function (20).
const FUNCTIONS = new Map<number, ProfileFunction>([
  [50, { label: 'handleCommand', kind: 'host' }],
  [10, { label: '_call', kind: 'host' }],
  [11, { label: 'onHostCall', kind: 'host' }],
  [20, { label: 'onHost', kind: 'app', file: 'loop.js' }],
  [21, { label: 'step', kind: 'app', file: 'task.js' }],
  [30, { label: 'Timer.schedule', kind: 'host' }],
  [40, { label: '@fxResolveAwait', kind: 'native' }],
]);
const MARKER = 11;

// Each line: the meter's reading, then the stack innermost first, as the profiling worker writes it.
const STACKS = [
  '0 50',
  '5 11 10 50', // the call opens
  '8 10 50', // the board's own line: 2 computrons in the window, the simulator's
  '10 20 10 50', // 4 to the app's callback
  '14 21 20 10 50', // 6 to step
  '20 30 20 10 50', // 3 to a host module
  '23 20 10 50', // 2 to the callback again
  '25 11 10 50', // the call closes
  '30 50',
  '31 11 50', // promise jobs open
  '33 20 40', // 4 to the resumed function, under the native that runs the job
  '37 40', // 1 to the native alone
  '38 11 50', // promise jobs close
  '40 50',
].join('\n') + '\n';

describe('xs-profile', () => {
  it('parses a stacks file into samples, stacks outermost first', () => {
    const s = parseStacks('3 0\n7 21 20 10\n');
    expect(s).toEqual([{ time: 3, stack: [0] }, { time: 7, stack: [10, 20, 21] }]);
  });

  it('refuses a stacks file whose meter goes back or whose lines are not numbers', () => {
    expect(() => parseStacks('7 1\n3 1\n')).toThrow(RangeError);
    expect(() => parseStacks('7 x\n')).toThrow(RangeError);
    expect(() => parseStacks('7\n')).toThrow(RangeError);
  });

  it('reads the records of a .cpuprofile, and refuses what is not one', () => {
    const json = JSON.stringify({
      nodes: [{ id: 554, callFrame: { functionName: 'step', scriptId: '0', url: '#2', lineNumber: 41, columnNumber: -1 }, hitCount: 3, children: [] }],
      samples: [], timeDeltas: [],
    });
    expect(parseCpuProfile(json)).toEqual([{ id: 554, functionName: 'step', url: '#2', lineNumber: 41 }]);
    expect(() => parseCpuProfile('{}')).toThrow(TypeError);
  });

  it('splits the computrons of the windows between the app, the host modules it called and the simulator, each to the earlier sample', () => {
    const a = analyzeProfile(parseStacks(STACKS), FUNCTIONS, MARKER);
    expect(a.calls).toBe(2);
    expect(a.windows).toBe(22);
    expect(a.app).toBe(17);
    expect(a.hostModules).toBe(3);
    expect(a.hostModuleCalls).toBe(1);
    expect(a.hostOwn).toBe(2);
    expect(a.outside).toBe(40 - 22);
  });

  it('builds the call tree from what the host called, and a promise job from its native', () => {
    const { tree } = analyzeProfile(parseStacks(STACKS), FUNCTIONS, MARKER);
    expect([...tree.children.keys()]).toEqual([20, 40]);
    const onHost = tree.children.get(20)!;
    expect({ total: onHost.total, self: onHost.self, calls: onHost.calls }).toEqual({ total: 12, self: 6, calls: 1 });
    expect(onHost.children.get(21)).toMatchObject({ total: 6, self: 6, calls: 1 });
    // The host module's computrons are no part of the app's tree.
    expect(onHost.children.has(30)).toBe(false);
    const job = tree.children.get(40)!;
    expect({ total: job.total, self: job.self, calls: job.calls }).toEqual({ total: 5, self: 1, calls: 1 });
    expect(job.children.get(20)).toMatchObject({ total: 4, self: 4, calls: 1 });
  });

  it('tables the app functions by self computrons, with inclusive figures and the calls seen', () => {
    const { functions } = analyzeProfile(parseStacks(STACKS), FUNCTIONS, MARKER);
    expect(functions).toEqual([
      { id: 20, self: 10, inclusive: 16, calls: 2 },
      { id: 21, self: 6, inclusive: 6, calls: 1 },
      { id: 40, self: 1, inclusive: 5, calls: 1 },
    ]);
  });

  it('sums the app\'s computrons by source file, a native\'s to its caller\'s file', () => {
    const samples = parseStacks(STACKS);
    // The callback's 4 + 2 and the resumed function's 4, step's 6, the job's native alone 1.
    expect(analyzeProfile(samples, FUNCTIONS, MARKER).files).toEqual([['loop.js', 10], ['task.js', 6], [NO_FILE, 1]]);
    // A native leaf under the callback: its computrons are the callback's file's.
    const stacks = '0 11\n1 20\n2 40 20\n5 11\n6 0\n';
    expect(analyzeProfile(parseStacks(stacks), FUNCTIONS, MARKER).files).toEqual([['loop.js', 4]]);
  });

  it('gives natives alone on the stack (XS running promise jobs) to the app next to its samples, else to the simulator', () => {
    const stacks = [
      '0 11', // promise jobs open
      '1 10', // the simulator awaits: 2
      '3 40', // its await unwinding, host before and natives after: 3 to the simulator
      '6 40', // dispatching the app's job: 4 to the app
      '10 20 40', // the app's job: 5
      '15 40', // returning from it: 6 to the app
      '21 40', // natives between natives and the host: 7 to the simulator
      '28 10', // 8 to the simulator
      '36 11', // promise jobs close
      '40 0',
    ].join('\n');
    const a = analyzeProfile(parseStacks(stacks), FUNCTIONS, MARKER);
    expect(a.app).toBe(4 + 5 + 6);
    expect(a.hostOwn).toBe(2 + 3 + 7 + 8);
  });

  it('counts a recursive function once per sample in its inclusive figure', () => {
    const stacks = '0 11\n1 20\n2 20 20\n5 20\n6 11\n7 0\n';
    const { functions } = analyzeProfile(parseStacks(stacks), FUNCTIONS, MARKER);
    expect(functions).toEqual([{ id: 20, self: 5, inclusive: 5, calls: 2 }]);
  });

  it('formats the tree by total, leaving out small nodes and deep levels', () => {
    const { tree } = analyzeProfile(parseStacks(STACKS), FUNCTIONS, MARKER);
    const label = (id: number): string => FUNCTIONS.get(id)!.label;
    expect(formatTree(tree, label, 0, 9).map((l) => l.trim().split(/\s+/))).toEqual([
      ['12', '6', '1', 'onHost'],
      ['6', '6', '1', 'step'],
      ['5', '1', '1', '@fxResolveAwait'],
      ['4', '4', '1', 'onHost'],
    ]);
    // Three columns (8, 7 and 6 wide) and two spaces, then the label indented two spaces a level.
    expect(formatTree(tree, label, 5, 9).map((l) => l.slice(25))).toEqual(['onHost', '  step', '@fxResolveAwait']);
    expect(formatTree(tree, label, 0, 1)).toHaveLength(2);
  });
});
