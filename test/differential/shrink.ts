import type { BlockingOp, Op, Program, TaskSpec } from './program.js';

/**
 * Programs one step simpler than `p`, simplest steps first: without a task,
 * without an op, a timeout scope or a waitFor replaced by its body, a hold
 * block without one of its ops, a task no longer
 * resilient, smaller numbers, a plain shutdown for an immediate one, without
 * an unused object.
 */
export function shrinkCandidates(p: Program): Program[] {
  const out: Program[] = [];
  for (let t = 0; t < p.tasks.length; t++) {
    if (p.tasks.length > 1) out.push(withoutTask(p, t));
  }
  for (let t = 0; t < p.tasks.length; t++) {
    const ops = p.tasks[t]!.ops;
    for (let k = 0; k < ops.length; k++) out.push(withOps(p, t, [...ops.slice(0, k), ...ops.slice(k + 1)]));
  }
  for (let t = 0; t < p.tasks.length; t++) {
    const task = p.tasks[t]!;
    task.ops.forEach((op, k) => {
      for (const smaller of simplerOps(op)) out.push(withOps(p, t, task.ops.map((o, j) => (j === k ? smaller : o))));
    });
    if (task.resilient) out.push(withTask(p, t, { ops: task.ops }));
  }
  p.objects.forEach((o, j) => {
    const smaller = { ...o } as Record<string, unknown>;
    for (const field of ['value', 'maxsize', 'parties'] as const) {
      const v = smaller[field];
      if (typeof v === 'number' && v > (field === 'parties' ? 1 : 0)) {
        out.push({ ...p, objects: p.objects.map((x, i) => (i === j ? { ...o, [field]: v - 1 } as typeof o : x)) });
      }
    }
    if (!isUsed(p, o.name)) out.push({ ...p, objects: p.objects.filter((_, i) => i !== j) });
  });
  return out;
}

/**
 * Greedy shrinking: repeatedly takes the first simpler program that still
 * fails (candidates are checked a batch at a time by `failing`, which returns
 * the index of the first failing one or -1) until none does.
 */
export function shrink(p: Program, failing: (candidates: Program[]) => number, maxRounds = 500): Program {
  let current = p;
  for (let round = 0; round < maxRounds; round++) {
    const candidates = shrinkCandidates(current);
    const i = failing(candidates);
    if (i < 0) break;
    current = candidates[i]!;
  }
  return current;
}

function simplerOps(op: Op): Op[] {
  if (op.op === 'timeout' || op.op === 'waitFor') return [op.body, ...(op.ms > 0 ? [{ ...op, ms: op.ms - 1 }] : [])];
  if (op.op === 'hold') return op.body.map((_, k) => ({ ...op, body: [...op.body.slice(0, k), ...op.body.slice(k + 1)] }));
  if (op.op === 'sleep' && op.ms > 0) return [{ ...op, ms: op.ms - 1 }];
  if (op.op === 'notify' && op.n > 1) return [{ ...op, n: op.n - 1 }];
  if (op.op === 'shutdown' && op.immediate) return [{ ...op, immediate: false }];
  return [];
}

function withTask(p: Program, t: number, task: TaskSpec): Program {
  return { ...p, tasks: p.tasks.map((x, i) => (i === t ? task : x)) };
}

function withOps(p: Program, t: number, ops: Op[]): Program {
  return withTask(p, t, { ...p.tasks[t]!, ops });
}

/** Drops task `t` and the ops that name it (cancels, awaits), and renumbers those naming later tasks. */
function withoutTask(p: Program, t: number): Program {
  const renumber = (op: Op): Op | null => {
    if (op.op === 'timeout' || op.op === 'waitFor') {
      const body = renumber(op.body) as BlockingOp | null;
      return body === null ? null : { ...op, body };
    }
    if (op.op === 'hold') return { ...op, body: op.body.flatMap((sub) => renumber(sub) ?? []) };
    if (op.op === 'waitTasks' || op.op === 'asCompleted') {
      const tasks = op.tasks.flatMap((j) => (j === t ? [] : [j > t ? j - 1 : j]));
      return tasks.length === 0 ? null : { ...op, tasks };
    }
    if (op.op !== 'cancel' && op.op !== 'awaitTask') return op;
    if (op.task === t) return null;
    return { ...op, task: op.task > t ? op.task - 1 : op.task };
  };
  const tasks = p.tasks.filter((_, i) => i !== t).map((task) => ({
    ...task,
    ops: task.ops.flatMap((op) => renumber(op) ?? []),
  }));
  return { ...p, tasks };
}

function isUsed(p: Program, name: string): boolean {
  const uses = (op: Op): boolean => ('obj' in op && op.obj === name) ||
    ((op.op === 'timeout' || op.op === 'waitFor') && uses(op.body)) || (op.op === 'hold' && op.body.some(uses));
  return p.objects.some((o) => o.kind === 'Condition' && o.lock === name) || p.tasks.some((t) => t.ops.some(uses));
}
