import { join } from 'node:path';
import { startDeviceWorker } from '../../src/sim/host/device-worker.js';
import type { XsWorker } from '../../src/sim/host/xsnap.js';
import { ROOT, xsScript } from './bundle.js';

let harness: Promise<string> | null = null;

/** The XS harness (bench/xs/harness.ts) bundled with anyloop and the peers, built once. */
export function harnessScript(): Promise<string> {
  harness ??= xsScript(`import { bench } from ${JSON.stringify(join(ROOT, 'bench/xs/harness.ts'))};\nglobalThis.bench = bench;`, { device: true });
  return harness;
}

/**
 * The harness running in a real XS engine, measured through XS's own meters:
 * computrons (deterministic instruction counts) and live heap slots after gc.
 * Every figure is a difference between two runs that differ only in the
 * number of operations, so set-up, parsing and the host's own evaluations
 * cancel out.
 */
export class XsBench {
  private constructor(private readonly _xs: XsWorker) {}

  static async start(): Promise<XsBench> {
    // The device's XS (anyloop's C built in, installed by anyloop/xs as on the device), with room on its
    // stack for the peers and xsnap's heaps (the device's grow 64 slots at a time: a collection per step).
    const xs = await startDeviceWorker({ name: 'anyloop-bench', stack: 3072, heaps: [256 * 1024, 128 * 1024, 32 * 1024 * 1024, 4 * 1024 * 1024] });
    try {
      await xs.evaluate(await harnessScript());
    } catch (e) {
      await xs.terminate();
      throw e;
    }
    return new XsBench(xs);
  }

  /** Live slots after a full collection. */
  async heap(): Promise<number> {
    return (await this._xs.evaluate('gc()')).meters.currentHeapCount;
  }

  private async _heldWith(kind: string, n: number): Promise<number> {
    await this._xs.evaluate('bench.drop()');
    await this._xs.evaluate(`bench.hold(${JSON.stringify(kind)}, ${n})`);
    const h = await this.heap();
    await this._xs.evaluate('bench.drop()');
    return h;
  }

  /** Heap slots each pending wait of `kind` keeps alive. */
  async slotsPerPending(kind: string, n = 1000): Promise<number> {
    const one = await this._heldWith(kind, n);
    const two = await this._heldWith(kind, 2 * n);
    return (two - one) / n;
  }

  /** Computrons of `n` operations of a work item (its promise jobs included). */
  async computrons(name: string, n: number): Promise<number> {
    const r = await this._xs.evaluate(`bench.run(${JSON.stringify(name)}, ${n})`);
    const err = JSON.parse((await this._xs.evaluateText('new TextEncoder().encode(JSON.stringify(bench.error())).buffer')).text) as string | null;
    if (err !== null) throw new Error(`XS ${name}: ${err}`);
    return r.meters.compute;
  }

  /** Computrons per operation of a work item, from runs of `n` and `2n` operations. */
  async computronsPerOp(name: string, n = 1000): Promise<number> {
    await this.computrons(name, n);
    const one = await this.computrons(name, n);
    const two = await this.computrons(name, 2 * n);
    return (two - one) / n;
  }

  /**
   * Live slots gained across `n` operations of a work item, after `warmup`
   * operations have brought every buffer to its working size.
   */
  async heapGrowth(name: string, n: number, warmup = 1000): Promise<number> {
    await this.computrons(name, warmup);
    const h0 = await this.heap();
    await this.computrons(name, 0);
    const h1 = await this.heap();
    await this.computrons(name, n);
    const h2 = await this.heap();
    return h2 - h1 - (h1 - h0);
  }

  /** Computrons per timer schedule+cancel with `pending` timers pending (see bench.timerScale). */
  async timerScale(loop: 'VirtualTimeLoop' | 'XsLoop', pending: number, ops: number): Promise<number> {
    const r = await this._xs.evaluateText(`new TextEncoder().encode(String(bench.timerScale('${loop}', ${pending}, ${ops}))).buffer`);
    return Number(r.text);
  }

  async close(): Promise<void> {
    await this._xs.close();
  }
}
