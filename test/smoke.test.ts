import { describe, expect, it } from 'vitest';
import { Lock, Event } from '../src/index.js';
import { VirtualTimeLoop } from '../src/testing.js';

describe('smoke', () => {
  it('lock hands off FIFO', () => {
    const loop = new VirtualTimeLoop();
    const lock = new Lock({ loop });
    const order: number[] = [];
    expect(lock.acquire().done()).toBe(true);
    const a = lock.acquire(); a.addDoneCallback(() => order.push(1));
    const b = lock.acquire(); b.addDoneCallback(() => order.push(2));
    lock.release();
    loop.runUntilIdle();
    expect(a.done()).toBe(true);
    expect(b.done()).toBe(false);
    lock.release();
    loop.runUntilIdle();
    expect(order).toEqual([1, 2]);
  });
  it('event wakes awaiters', async () => {
    const loop = new VirtualTimeLoop();
    const ev = new Event({ loop });
    const p = (async () => { await ev.wait(); return 'woke'; })();
    loop.callLater(10, () => ev.set());
    expect(await loop.runUntilCompleteAsync(p)).toBe('woke');
    expect(loop.time()).toBe(10);
  });
});
