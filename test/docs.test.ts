import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, normalize, resolve } from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { findPython } from './differential/python.js';
import { asModule, codeBlocks, links, markdownFiles, read, typecheck } from './support/markdown.js';

/**
 * The documentation: the API reference (docs/api, TypeDoc, `npm run docs`)
 * is what the sources give today and covers every export; every relative
 * link of README.md and docs/ resolves; every TypeScript block of the guides
 * and of the reference typechecks.
 */
const root = resolve(import.meta.dirname, '..');
const SLOW = 120_000;
/** The package's entry points (its exports with types): `anyloop/xs` → `src/xs.ts`. */
const ENTRY_POINTS: Record<string, string> = Object.fromEntries(
  Object.entries(JSON.parse(read(root, 'package.json')).exports as Record<string, string | { types?: string }>)
    .flatMap(([key, e]) => typeof e === 'object' && e.types !== undefined
      ? [[`anyloop${key.slice(1)}`, e.types.replace(/^\.\/dist\//, 'src/').replace(/\.d\.ts$/, '.ts')]] : []),
);

/** Every file under `dir`, relative to it, sorted. */
function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => statSync(join(dir, f)).isFile()).sort();
}

describe('the API reference (docs/api)', () => {
  const out = mkdtempSync(join(tmpdir(), 'anyloop-docs-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));
  let generated: Promise<{ code: number; log: string }> | undefined;
  const generate = () => generated ??= promisify(execFile)(
    join(root, 'node_modules/.bin/typedoc'), ['--out', out], { cwd: root, maxBuffer: 1 << 24 },
  ).then(({ stdout, stderr }) => ({ code: 0, log: stdout + stderr }), (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, log: e.stdout + e.stderr }));

  it('regenerates with no warning: every export, and every method of an exported interface, has TSDoc', async () => {
    const { code, log } = await generate();
    expect(log.split('\n').filter((l) => /warning|error/.test(l))).toEqual([]);
    expect(code).toBe(0);
  }, SLOW);

  it('is what `npm run docs` generates from the sources today', async () => {
    await generate();
    const now = tree(join(root, 'docs/api'));
    expect(now).toEqual(tree(out));
    for (const f of now) expect(read(root, join('docs/api', f)), f).toBe(read(out, f));
  }, SLOW);

  it('names each entry point\'s module as it is imported', () => {
    expect(Object.keys(ENTRY_POINTS)).toEqual(expect.arrayContaining(['anyloop', 'anyloop/testing', 'anyloop/node', 'anyloop/xs', 'anyloop/sim']));
    for (const [name, path] of Object.entries(ENTRY_POINTS)) {
      expect(read(root, path), `${path} needs \`@module ${name}\` in its @packageDocumentation comment`).toMatch(new RegExp(`^ \\* @module ${name}$`, 'm'));
    }
  });

  it('has a page for every export of every entry point', () => {
    const program = ts.createProgram(Object.values(ENTRY_POINTS).map((p) => join(root, p)), {
      module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, target: ts.ScriptTarget.ES2022, types: ['node'], noEmit: true,
    });
    const checker = program.getTypeChecker();
    for (const [name, path] of Object.entries(ENTRY_POINTS)) {
      const symbol = checker.getSymbolAtLocation(program.getSourceFile(join(root, path))!)!;
      const exports = checker.getExportsOfModule(symbol).map((s) => s.name).sort();
      expect(exports.length).toBeGreaterThan(0);
      const index = read(root, `docs/api/${name}/README.md`);
      const listed = [...index.matchAll(/^- \[([^\]]+)\]\(([^)]+)\)$/gm)];
      expect(listed.map((m) => m[1]!.replaceAll('\\_', '_')).sort(), name).toEqual(exports);
      for (const [, , page] of listed) expect(existsSync(join(root, `docs/api/${name}`, page!)), page).toBe(true);
    }
    }, SLOW);
});

/** The guides whose TypeScript blocks follow test/support/markdown.ts's asModule() convention. */
const GUIDES = ['docs/getting-started-node.md', 'docs/moddable-esp32.md', 'docs/simulator.md', 'docs/asyncio.md', 'docs/cancellation.md'];

describe('README.md and docs/', () => {
  const files = ['README.md', ...markdownFiles(root, 'docs')];

  it('every relative link resolves to a file of the repository (and an anchor to a heading of it)', () => {
    const broken: string[] = [];
    for (const file of files) {
      for (const target of links(read(root, file))) {
        if (/^[a-z]+:/i.test(target)) continue;
        const [path, anchor] = target.split('#', 2) as [string, string | undefined];
        const to = path === '' ? file : normalize(join(dirname(file), decodeURIComponent(path)));
        if (!existsSync(join(root, to))) {
          broken.push(`${file}: ${target}`);
        } else if (anchor !== undefined && to.endsWith('.md') && !headingAnchors(read(root, to)).has(anchor)) {
          broken.push(`${file}: ${target} (no such heading)`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  it('the guides\' TypeScript blocks marked `run` print the output block that follows them', async () => {
    // The built package (npm test builds dist/ first), as a user's project would import it.
    const dir = mkdtempSync(join(tmpdir(), 'anyloop-guide-run-'));
    try {
      mkdirSync(join(dir, 'node_modules'));
      symlinkSync(root, join(dir, 'node_modules', 'anyloop'), 'dir');
      const runs: { where: string; printed: string; shown: string }[] = [];
      for (const file of GUIDES) {
        const blocks = codeBlocks(file, read(root, file));
        for (const [i, b] of blocks.entries()) {
          if (b.lang !== 'ts' || !b.flags.includes('run')) continue;
          const next = blocks[i + 1];
          expect(next?.lang, `${file}:${b.line} needs a text block with its output`).toBe('text');
          const js = ts.transpileModule(b.code, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
          writeFileSync(join(dir, 'snippet.mjs'), js);
          const { stdout } = await promisify(execFile)(process.execPath, ['snippet.mjs'], { cwd: dir });
          runs.push({ where: `${file}:${b.line}`, printed: stdout, shown: next!.code });
        }
      }
      expect(runs.length).toBeGreaterThanOrEqual(4);
      for (const r of runs) expect(r.printed, r.where).toBe(r.shown);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, SLOW);

  it('every TypeScript block of the guides and of the reference typechecks', () => {
    const modules = new Map<string, string>();
    for (const file of [...GUIDES, ...markdownFiles(root, 'docs/api')]) {
      codeBlocks(file, read(root, file)).filter((b) => b.lang === 'ts').forEach((b) => {
        modules.set(`${file.replace(/\.md$/, '')}.L${b.line}.snippet.ts`, asModule(b));
      });
    }
    expect(modules.size).toBeGreaterThan(0);
    expect(typecheck(root, modules)).toEqual([]);
  }, SLOW);
});

describe('asyncio → anyloop (docs/asyncio.md)', () => {
  const found = findPython();
  const python = 'missing' in found || !found.is313 ? null : found;
  const MODULES = ['coroutines', 'events', 'exceptions', 'futures', 'locks', 'queues', 'runners', 'taskgroups', 'tasks', 'timeouts'];

  it.skipIf(python === null)('has a row for every name of CPython 3.13\'s asyncio __all__ in the coordination modules, in order', () => {
    const script = `import importlib\nfor m in ${JSON.stringify(MODULES)}:\n    print("\\n".join(importlib.import_module("asyncio." + m).__all__))`;
    const names = execFileSync(python!.command, ['-c', script], { encoding: 'utf8' }).trim().split('\n');
    const rows = [...read(root, 'docs/asyncio.md').matchAll(/^\| `([A-Za-z_]+)` \| (.+?) \|(.*)\|$/gm)];
    expect(rows.map((r) => r[1])).toEqual(names);
    // Each row gives an equivalent, or says why there is none.
    for (const [, name, equivalent, why] of rows) expect((equivalent === 'none' ? why! : equivalent!).trim(), name).not.toBe('');
  });
});

/** GitHub's anchors for the headings of a Markdown text. */
function headingAnchors(text: string): Set<string> {
  const prose = text.replace(/^\s*```[\s\S]*?^\s*```\s*$/gm, '');
  return new Set([...prose.matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) => m[1]!.trim().toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-')));
}
