import { describe, expect, it } from 'vitest';
import { main } from '../src/sim/host/cli.js';
import { formatWarning, preloadReport } from '../src/sim/host/preload-report.js';

/** What xsl warns about for anyloop: its mutable holder objects, nothing else (see the README's Preload section). */
const EXPECTED = [
  '### warning: anyloop/dist/contract/default-loop: loopState: not frozen',
  '### warning: anyloop/dist/contract/default-loop: loopState.running: not frozen',
];

describe('what xsl warns about when it preloads anyloop', () => {
  it('leaves no generator prototype object unfrozen, only the mutable holder objects', async () => {
    const r = await preloadReport();
    expect(r.filter((w) => w.kind === 'generator prototype').map(formatWarning)).toEqual([]);
    expect(r.map(formatWarning)).toEqual(EXPECTED);
  }, 60_000);

  it('prints the warnings with anyloop-sim --preload-report', async () => {
    const out: string[] = [];
    const code = await main(['--preload-report'], { out: (l) => out.push(l), err: (t) => out.push(`err: ${t}`), errIsTTY: false });
    expect(out).toEqual([...EXPECTED, "2 objects of anyloop's preloaded modules are not frozen (they stay in RAM on the device)"]);
    expect(code).toBe(0);
  }, 60_000);
});
