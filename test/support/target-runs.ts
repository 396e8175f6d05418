import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runScenario, type SimReport } from '../../src/sim/host/run.js';
import type { Scenario } from '../../src/sim/scenario.js';

/**
 * An example target (`targets/<name>`, its `main.ts` unchanged) run through
 * the scenarios that ship with it: `run(scenario, engine)` runs each pair
 * once per test file and keeps the report for the tests that look at it.
 */
export function targetRuns(name: string) {
  const target = resolve(import.meta.dirname, '..', '..', 'targets', name);
  const main = join(target, 'main.ts');
  const scenario = (s: string) => JSON.parse(readFileSync(join(target, 'scenarios', `${s}.json`), 'utf8')) as Scenario;
  const runs = new Map<string, Promise<SimReport>>();
  const run = (s: string, engine: 'node' | 'xs'): Promise<SimReport> => {
    const key = `${s} ${engine}`;
    let r = runs.get(key);
    if (r === undefined) {
      r = runScenario({ app: main, scenario: scenario(s), engine });
      runs.set(key, r);
    }
    return r;
  };
  return { main, scenario, run };
}
