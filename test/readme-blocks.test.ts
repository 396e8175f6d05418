import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { isPrintEvent } from '../src/sim/trace.js';
import { runScenario } from '../src/sim/host/run.js';

/**
 * Every code block of README.md runs verbatim. The blocks are read from the
 * README when the test runs, named `<heading> #<n>` (the n-th block under
 * that heading):
 * - `js` and `ts` blocks run as ES modules in a child Node process that
 *   resolves `anyloop` to this package (its built dist/): they must exit 0
 *   with nothing on stderr (a failure report, an unhandled rejection, a
 *   top-level await that never settles: all fail). A block that imports a
 *   Moddable module (`timer`, `time`, `embedded:...`) is a Moddable app: it
 *   runs in the simulator, in the XS engine, with a button press on GPIO 0,
 *   and must run without a failure or an error report.
 * - `json` blocks must parse.
 * - Shell blocks (`sh`) and unlabelled blocks (program output) are not code
 *   the test can run: they are listed as skipped.
 * A block that is deliberately partial says so right before its fence, in
 * the README, with `<!-- not run: why -->`; it is listed as skipped with that reason.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));

interface Block {
  name: string;
  lang: string;
  code: string;
  /** Why it is not run, from its `<!-- not run: ... -->` comment. */
  notRun: string | null;
}

function readmeBlocks(text: string): Block[] {
  const lines = text.split('\n');
  const blocks: Block[] = [];
  const perHeading = new Map<string, number>();
  let heading = '(top)';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const h = /^#{1,6}\s+(.*?)\s*$/.exec(line);
    if (h) {
      heading = h[1]!;
      continue;
    }
    const open = /^```([\w-]*)\s*$/.exec(line);
    if (!open) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !/^```\s*$/.test(lines[end]!)) end++;
    if (end === lines.length) throw new Error(`README.md: the code block at line ${i + 1} is not closed`);
    let prev = i - 1;
    while (prev >= 0 && lines[prev]!.trim() === '') prev--;
    const marker = prev >= 0 ? /^<!--\s*not run:\s*(.*?)\s*-->$/.exec(lines[prev]!.trim()) : null;
    const n = (perHeading.get(heading) ?? 0) + 1;
    perHeading.set(heading, n);
    blocks.push({ name: `${heading} #${n}`, lang: open[1]!, code: lines.slice(start, end).join('\n') + '\n', notRun: marker ? marker[1]! : null });
    i = end;
  }
  return blocks;
}

const blocks = readmeBlocks(readFileSync(join(ROOT, 'README.md'), 'utf8'));
const work = mkdtempSync(join(tmpdir(), 'anyloop-readme-'));
mkdirSync(join(work, 'node_modules'));
symlinkSync(ROOT, join(work, 'node_modules', 'anyloop'), 'dir');
afterAll(() => rmSync(work, { recursive: true, force: true }));

const MODDABLE = /from\s+['"](timer|time|embedded:[^'"]*)['"]/;

function fileName(block: Block): string {
  return block.name.replace(/[^\w]+/g, '-').replace(/^-|-$/g, '').toLowerCase();
}

function runNode(file: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolveRun) => {
    execFile(process.execPath, [file], { cwd: work, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
      resolveRun({ code, stdout, stderr });
    });
  });
}

function skipReason(block: Block): string | null {
  if (block.notRun !== null) return `not run: ${block.notRun}`;
  if (block.lang === '') return 'program output';
  if (block.lang === 'sh') return 'shell commands';
  if (!['js', 'ts', 'json'].includes(block.lang)) return `a ${block.lang} block`;
  return null;
}

describe('README.md code blocks', () => {
  it('has runnable blocks, and the extractor sees every fence', () => {
    expect(blocks.filter((b) => skipReason(b) === null).length).toBeGreaterThan(5);
    const fences = readFileSync(join(ROOT, 'README.md'), 'utf8').split('\n').filter((l) => l.startsWith('```')).length;
    expect(blocks.length * 2).toBe(fences);
  });

  for (const block of blocks) {
    const why = skipReason(block);
    if (why !== null) {
      it.skip(`${block.name} (${why})`, () => {});
      continue;
    }
    if (block.lang === 'json') {
      it(`${block.name} parses`, () => {
        expect(() => JSON.parse(block.code)).not.toThrow();
      });
      continue;
    }
    if (MODDABLE.test(block.code)) {
      it(`${block.name} runs as a Moddable app in the simulator (XS engine)`, async () => {
        const app = join(work, `${fileName(block)}.${block.lang}`);
        writeFileSync(app, block.code);
        const report = await runScenario({
          app, engine: 'xs', scenario: { end: 2000, press: [{ pin: 0, at: 1000, holdMs: 200, bounceMs: 5 }] },
        });
        expect(report.failure).toBeNull();
        expect(report.unhandled).toEqual([]);
        const printed = report.trace.events.filter(isPrintEvent).map((e) => e.print);
        expect(printed.filter((p) => p.includes('anyloop:'))).toEqual([]);
      }, 120_000);
      continue;
    }
    it(`${block.name} runs in Node`, async () => {
      expect(existsSync(join(ROOT, 'dist', 'index.js')), 'build first: npm run build').toBe(true);
      const code = block.lang === 'ts'
        ? ts.transpileModule(block.code, {
          compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
        }).outputText
        : block.code;
      const file = join(work, `${fileName(block)}.mjs`);
      writeFileSync(file, code);
      const out = await runNode(file);
      expect({ code: out.code, stderr: out.stderr }).toEqual({ code: 0, stderr: '' });
    }, 90_000);
  }
});
