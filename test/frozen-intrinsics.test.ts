import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

// A Moddable build freezes every built-in after preload (xsl), without SES's
// taming of the override mistake. Freezing them in this test's own process
// would break the test runner, so a child Node process does it.
const script = `
  const intrinsics = [Object, Function, Array, Error, TypeError, RangeError, AggregateError, Promise, Map, Set,
    WeakMap, WeakRef, FinalizationRegistry, Symbol, String, Number, Boolean, RegExp, Date, ArrayBuffer, Uint8Array];
  for (const c of intrinsics) { Object.freeze(c.prototype); Object.freeze(c); }
  for (const o of [Math, JSON, Reflect]) Object.freeze(o);
  const m = await import(${JSON.stringify(`${root}dist/index.js`)});
  const xs = await import(${JSON.stringify(`${root}dist/xs.js`)});
  const out = [];
  for (const [k, v] of Object.entries({ ...m, ...xs })) {
    if (typeof v === 'function' && v.prototype instanceof Error) {
      // IncompleteReadError is made as asyncio's is, from the partial bytes and the count expected.
      const made = k === 'IncompleteReadError' ? () => new v(new Uint8Array(1), 2) : () => new v('m');
      const message = k === 'IncompleteReadError' ? '1 bytes read on a total of 2 expected bytes' : 'm';
      try { throw made(); } catch (e) { out.push(e instanceof v && e.name === k && String(e) === k + ': ' + message); }
    }
  }
  const { VirtualTimeLoop } = await import(${JSON.stringify(`${root}dist/testing.js`)});
  const loop = new VirtualTimeLoop();
  const fut = new m.Future({ loop });
  fut.cancel('why');
  try { fut.result(); } catch (e) { out.push(e instanceof m.CancelledError && e.message === 'why'); }
  const q = new m.Queue(0, { loop });
  try { q.getNowait(); } catch (e) { out.push(e instanceof m.QueueEmpty); }
  console.log(JSON.stringify(out));
`;

describe('frozen built-ins, as a Moddable build leaves them after preload', () => {
  it('every error class constructs, names itself and is thrown and caught', () => {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    const results = JSON.parse(out) as boolean[];
    expect(results.length).toBeGreaterThanOrEqual(10);
    expect(results.every(Boolean)).toBe(true);
  });
});
