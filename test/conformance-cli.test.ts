import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/** anyloop-conformance as installed: the built dist/testing/cli.js (npm run build), in a child process. */
const root = resolve(import.meta.dirname, '..');
const bin = join(root, 'dist', 'testing', 'cli.js');
const loops = join('test', 'fixtures', 'conformance', 'loops.mjs');

async function conformance(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return promisify(execFile)(process.execPath, [bin, ...argv], { cwd: root })
    .then(({ stdout, stderr }) => ({ code: 0, stdout, stderr }), (e: { code: number; stdout: string; stderr: string }) => e);
}

describe('anyloop-conformance <module> [export]', () => {
  it('passes a correct loop (the default export, a BaseLoop subclass) and exits 0', async () => {
    const r = await conformance(loops);
    expect(r.stdout).toMatch(/^ok 1 - callSoon runs callbacks in FIFO order with their arguments$/m);
    expect(r.stdout).not.toContain('not ok');
    expect(r.stdout).toMatch(/^conformance: 27 passed, 0 failed$/m);
    expect(r.code).toBe(0);
  });

  it('reports a broken rule with the check, what went wrong, the rule and the fix, and exits 1', async () => {
    const r = await conformance(loops, 'LifoLoop');
    expect(r.stdout).toContain('not ok 1 - callSoon runs callbacks in FIFO order with their arguments: callback order: expected ["0x","1x","2x","3x","4x"], got ["4x","3x","2x","1x","0x"]\n' +
      '    rule broken: callSoon runs callbacks in the order they were scheduled, each with the arguments it was given\n' +
      '    how to fix: keep ready Handles in a FIFO queue');
    expect(r.stdout).toMatch(/^conformance: \d+ passed, [1-9]\d* failed$/m);
    expect(r.code).toBe(1);
  });

  it('reports a loop that stops running callbacks instead of exiting silently', async () => {
    const r = await conformance(loops, 'DeadLoop');
    expect(r.stdout).toContain('not ok 1 - callSoon runs callbacks in FIFO order with their arguments\n  the loop never finished the check: it stopped running callbacks\n  rule broken:');
    expect(r.code).toBe(1);
  });

  it('exits 2 with a clear message for a missing export or no arguments', async () => {
    const missing = await conformance(loops, 'NoSuchLoop');
    expect(missing.stderr).toBe('anyloop-conformance: the export NoSuchLoop is missing: expected a loop class or { makeLoop, run?, dispose? }\n');
    expect(missing.code).toBe(2);
    const none = await conformance();
    expect(none.stderr).toMatch(/^usage: anyloop-conformance <module> \[export\]/);
    expect(none.code).toBe(2);
  });
});
