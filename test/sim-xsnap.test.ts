import { afterEach, describe, expect, it } from 'vitest';
import { XsError, XsWorker } from '../src/sim/host/xsnap.js';

const workers: XsWorker[] = [];
function worker(options?: ConstructorParameters<typeof XsWorker>[0]): XsWorker {
  const w = new XsWorker(options);
  workers.push(w);
  return w;
}
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.terminate()));
});

const text = (code: string) => `new TextEncoder().encode(String(${code})).buffer`;

describe('XsWorker: the XS engine host', () => {
  it('evaluates scripts, keeps globals between evaluations and returns ArrayBuffer replies', async () => {
    const xs = worker();
    await xs.evaluate('globalThis.n = 40');
    const r = await xs.evaluateText(text('n + 2'));
    expect(r.text).toBe('42');
    expect((await xs.evaluate('n')).reply.byteLength).toBe(0);
  });

  it('collects the lines printed by each evaluation, in order, promise jobs and immediates included', async () => {
    const lines: string[] = [];
    const xs = worker({ onPrint: (l) => lines.push(l) });
    const r = await xs.evaluate(`
      print('a', 1);
      Promise.resolve().then(() => print('job'));
      setImmediate(() => print('immediate'));
      print('b');`);
    expect(r.printed).toEqual(['a 1', 'b', 'job', 'immediate']);
    expect((await xs.evaluate(`print('next')`)).printed).toEqual(['next']);
    expect(lines).toEqual(['a 1', 'b', 'job', 'immediate', 'next']);
  });

  it('answers issueCommand synchronously with the host handler', async () => {
    const seen: string[] = [];
    const xs = worker({
      handleCommand: (m) => {
        const s = new TextDecoder().decode(m);
        seen.push(s);
        return s.toUpperCase();
      },
    });
    const r = await xs.evaluateText(`
      const reply = issueCommand(new TextEncoder().encode('ping').buffer);
      new TextEncoder().encode('got ' + new TextDecoder().decode(reply)).buffer`);
    expect(seen).toEqual(['ping']);
    expect(r.text).toBe('got PING');
  });

  it('delivers commands to handleCommand, with their meters and replies; unlike evaluations they keep no heap slot', async () => {
    const xs = worker();
    await xs.evaluate(`globalThis.seen = [];
      globalThis.handleCommand = (m) => {
        const s = new TextDecoder().decode(m);
        if (s === 'gc') return gc();
        seen.push(s);
        return Promise.resolve(s.length).then((n) => { seen.push(n); });
      };`);
    const r = await xs.issueCommand('hello');
    expect(r.meters.compute).toBeGreaterThan(0);
    expect((await xs.evaluateText(text('JSON.stringify(seen)'))).text).toBe('["hello",5]');
    const live = async () => (await xs.issueCommand('gc')).meters.currentHeapCount;
    const before = await live();
    for (let i = 0; i < 20; i++) await xs.issueCommand('gc');
    const afterCommands = await live();
    for (let i = 0; i < 20; i++) await xs.evaluate('0');
    const afterEvaluations = await live();
    expect(afterCommands).toBe(before);
    // Each evaluate() is two evaluated scripts (the code and the print marker).
    expect(afterEvaluations - afterCommands).toBe(40);
    await expect(xs.issueCommand('')).resolves.toBeDefined();
    await xs.evaluate('globalThis.handleCommand = () => { throw new RangeError("no such command") }');
    await expect(xs.issueCommand('x')).rejects.toThrow('RangeError: no such command');
  });

  it('fails the evaluation whose command the host handler could not answer, and stays usable', async () => {
    const xs = worker({ handleCommand: () => { throw new RangeError('no such sensor'); } });
    const e = await xs.evaluate(`globalThis.got = issueCommand(new ArrayBuffer(1)).byteLength; 'done'`).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(XsError);
    expect((e as Error).message).toBe("the host's command handler failed: no such sensor");
    expect((await xs.evaluateText(text('got'))).text).toBe('0');
  });

  it('reports meters that repeat exactly run to run and grow with the work done', async () => {
    const run = async (n: number) => {
      const xs = worker();
      await xs.evaluate('1');
      return (await xs.evaluate(`const a = []; for (let i = 0; i < ${n}; i++) a.push({ i }); globalThis.keep = a;`)).meters;
    };
    const [a, b, big] = [await run(1000), await run(1000), await run(2000)];
    expect(a).toEqual(b);
    expect(big.compute).toBeGreaterThan(a.compute);
    // Each kept { i } costs at least 2 slots (the object and its property).
    expect(big.currentHeapCount - a.currentHeapCount).toBeGreaterThanOrEqual(2 * 1000);
    expect(a.allocate).toBeGreaterThan(0);
  });

  it('rejects with the exception text and the lines printed before it, and stays usable', async () => {
    const xs = worker();
    const e = await xs.evaluate(`print('before'); throw new TypeError('boom')`).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(XsError);
    expect((e as XsError).message).toBe('TypeError: boom');
    expect((e as XsError).printed).toEqual(['before']);
    expect((await xs.evaluateText(text('1 + 1'))).text).toBe('2');
  });

  it('reports a worker that dies (an exception escaping an immediate aborts XS) instead of hanging', async () => {
    const xs = worker();
    const e = await xs.evaluate(`setImmediate(() => { throw new Error('escaped') })`).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(XsError);
    expect((e as Error).message).toMatch(/exited with code 255 \(XS aborted\): Unhandled exception Error: escaped/);
    await expect(xs.evaluate('1')).rejects.toThrow(/exited/);
  });

  it('has the globals the notes say it has, and lacks the others', async () => {
    const xs = worker();
    const kinds = JSON.parse((await xs.evaluateText(`new TextEncoder().encode(JSON.stringify({
      FinalizationRegistry: typeof FinalizationRegistry, WeakRef: typeof WeakRef, AggregateError: typeof AggregateError,
      gc: typeof gc, setImmediate: typeof setImmediate, print: typeof print, issueCommand: typeof issueCommand,
      AbortController: typeof AbortController, setTimeout: typeof setTimeout, console: typeof console,
      withResolvers: typeof Promise.withResolvers, queueMicrotask: typeof queueMicrotask,
    })).buffer`)).text) as Record<string, string>;
    expect(kinds).toEqual({
      FinalizationRegistry: 'function', WeakRef: 'function', AggregateError: 'function',
      gc: 'function', setImmediate: 'function', print: 'function', issueCommand: 'function',
      AbortController: 'undefined', setTimeout: 'undefined', console: 'undefined',
      withResolvers: 'undefined', queueMicrotask: 'undefined',
    });
  });

  it('closes cleanly', async () => {
    const xs = new XsWorker();
    await xs.evaluate('1');
    await xs.close();
    await expect(xs.evaluate('1')).rejects.toThrow(/exited/);
  });
});
