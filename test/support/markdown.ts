import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

/** A fenced code block of a Markdown file: its info string (`ts file=main.ts`) and text. */
export interface CodeBlock {
  file: string;
  line: number;
  lang: string;
  /** The `key=value` words after the language. */
  attrs: Record<string, string>;
  /** The other words after the language (`run`). */
  flags: string[];
  code: string;
}

/** The Markdown files under `dir`, recursively, as paths relative to `root`. */
export function markdownFiles(root: string, dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.md')).map((f) => join(dir, f)).sort();
}

/** The fenced code blocks of `text`, in order. */
export function codeBlocks(file: string, text: string): CodeBlock[] {
  const out: CodeBlock[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(\S*)(.*)$/.exec(lines[i]!);
    if (open === null) continue;
    const indent = open[1]!.length;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^\s*```\s*$/.test(lines[i]!); i++) body.push(lines[i]!.slice(indent));
    const words = open[3]!.trim().split(/\s+/).filter((w) => w !== '');
    const attrs = Object.fromEntries(words.filter((w) => w.includes('=')).map((w) => w.split('=', 2) as [string, string]));
    const flags = words.filter((w) => !w.includes('='));
    out.push({ file, line: start + 1, lang: open[2]!, attrs, flags, code: `${body.join('\n')}\n` });
  }
  return out;
}

/** The link targets of a Markdown text (`[text](target)`, outside code blocks and code spans). */
export function links(text: string): string[] {
  const prose = text.replace(/^\s*```[\s\S]*?^\s*```\s*$/gm, '').replace(/`[^`\n]*`/g, '');
  return [...prose.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1]!);
}

/**
 * A TypeScript snippet as a module: its imports stay at the top, the rest
 * becomes the body of an exported function, a generator when it uses
 * `yield` (a task's coroutine), else an async function. A block with
 * `file=...` is a whole module and stays as it is.
 */
export function asModule(block: CodeBlock): string {
  if (block.attrs.file !== undefined) return block.code;
  const lines = block.code.split('\n');
  let end = 0;
  // Imports, possibly over several lines, and the blank lines between them.
  for (let i = 0; i < lines.length; i++) {
    if (/^import\b/.test(lines[i]!)) {
      while (i < lines.length && !/;\s*$/.test(lines[i]!)) i++;
      end = i + 1;
    } else if (lines[i]!.trim() !== '') break;
  }
  const imports = lines.slice(0, end).join('\n');
  const body = lines.slice(end).join('\n');
  const head = /\bawait\b/.test(body) || !/\byield\b/.test(body) ? 'export async function example()' : 'export function* example()';
  return `${imports}\n${head} {\n${body}\n}\n`;
}

/**
 * Typechecks `modules` (path relative to `root` → source) as one program,
 * with anyloop's entry points mapped to the sources, Node's types and the
 * Moddable typings; returns the diagnostics as `path:line: message`.
 */
export function typecheck(root: string, modules: Map<string, string>): string[] {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts'],
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    allowImportingTsExtensions: true,
    types: ['node'],
    baseUrl: root,
    paths: {
      'anyloop': ['src/index.ts'],
      'anyloop/testing': ['src/testing.ts'],
      'anyloop/node': ['src/node.ts'],
      'anyloop/xs': ['src/xs.ts'],
      'anyloop/sim': ['src/sim.ts'],
    },
  };
  const typings = ['xs', 'timer', 'time', 'embedded_io/_common', 'embedded_io/digital', 'embedded_io/analog']
    .map((t) => join(root, 'node_modules/@moddable/typings', `${t}.d.ts`));
  const virtual = new Map([...modules].map(([p, src]) => [join(root, p), src]));
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (f) => virtual.has(f) || fileExists.call(host, f);
  host.readFile = (f) => virtual.get(f) ?? readFile.call(host, f);
  host.getSourceFile = (f, lang, ...rest) => {
    const src = virtual.get(f);
    return src !== undefined ? ts.createSourceFile(f, src, lang) : getSourceFile.call(host, f, lang, ...rest);
  };
  const program = ts.createProgram([...virtual.keys(), ...typings], options, host);
  return ts.getPreEmitDiagnostics(program)
    .filter((d) => d.file !== undefined && virtual.has(d.file.fileName))
    .map((d) => {
      const { line } = d.file!.getLineAndCharacterOfPosition(d.start ?? 0);
      return `${relative(root, d.file!.fileName)}:${line + 1}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
}

/** Reads a file relative to `root`. */
export function read(root: string, path: string): string {
  return readFileSync(join(root, path), 'utf8');
}

/** A step of a guide: a file to write, or a shell command with the output the guide shows (empty: not shown). */
export type GuideStep = { file: string; code: string } | { command: string; output: string[] };

/**
 * The steps of a guide in order: each ```` ```lang file=name ```` block is a
 * file to write, each line `$ command` of a ```` ```console ```` block a
 * command, followed by the lines it prints.
 */
export function guideSteps(file: string, text: string): GuideStep[] {
  const steps: GuideStep[] = [];
  for (const b of codeBlocks(file, text)) {
    if (b.attrs.file !== undefined) {
      steps.push({ file: b.attrs.file, code: b.code });
    } else if (b.lang === 'console') {
      for (const line of b.code.trimEnd().split('\n')) {
        if (line.startsWith('$ ')) steps.push({ command: line.slice(2), output: [] });
        else (steps.at(-1) as { output: string[] }).output.push(line);
      }
    }
  }
  return steps;
}

/** Whether printed `lines` are what a guide shows: equal, where `…` in a shown line stands for any text. */
export function matchesShown(lines: string[], shown: string[]): boolean {
  if (lines.length !== shown.length) return false;
  return shown.every((s, i) => new RegExp(`^${s.split('…').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(lines[i]!));
}
