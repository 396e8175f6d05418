/**
 * One V8 comparison, or one contender of it, without the rest of the bench:
 * for profiling a row (`node --cpu-prof out/bench/one.js lock-contention
 * 'generator tasks, NodeLoop' 60`) or measuring it alone.
 *
 * `node out/bench/one.js <comparison id> [contender name part] [runs | rounds]`:
 * with a contender, it runs that contender `runs` times (default 30) and
 * prints its throughput; without one, it runs the comparison as `npm run
 * bench` does, for `rounds` rounds (default 15), and prints its ratios.
 * Build first: `npm run build && node node_modules/typescript/bin/tsc -p bench/tsconfig.json`.
 */
import { performance } from 'node:perf_hooks';
import { compare } from './lib/compare.js';
import { showSpread, sig } from './lib/stats.js';
import { v8Comparisons } from './v8.js';

const [id, part, count] = process.argv.slice(2);
const all = v8Comparisons();
const c = all.find((x) => x.id === id);
if (c === undefined) {
  console.error(`usage: one.js <${all.map((x) => x.id).join(' | ')}> [contender name part] [runs | rounds]`);
  process.exit(2);
}
if (part === undefined || part === '') {
  const r = await compare(c, Number(count ?? 15));
  for (const x of r.ratios) console.log(`${x.anyloop} ÷ ${x.peer}: ${showSpread(x.ratio)}`);
} else {
  const k = c.contenders.find((x) => x.name.includes(part));
  if (k === undefined) {
    console.error(`no contender of ${id} has "${part}" in its name: ${c.contenders.map((x) => x.name).join('; ')}`);
    process.exit(2);
  }
  const runs = Number(count ?? 30);
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) await k.run(c.n);
  console.log(`${k.name}: ${sig((c.n * runs * 1000) / (performance.now() - t0))} ${c.unit}/s`);
}
