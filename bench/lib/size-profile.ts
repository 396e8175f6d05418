import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { eachMapping, TraceMap } from '@jridgewell/trace-mapping';
import { minify } from 'terser';
import ts from 'typescript';
import { bundleUnminified, ROOT } from './bundle.js';

/** Where the minified bytes of one module go. */
export interface ModuleBytes {
  /** The module, relative to dist/ (`future/future.js`). */
  module: string;
  /** Its bytes in the minified bundle. The modules' bytes add up to the bundle's. */
  min: number;
  /** How many bytes the gzipped bundle loses without this module's minified code. */
  gzip: number;
  /** Its top-level declarations (a class's members apart: `Future#then`), largest first, in minified bytes. */
  parts: { name: string; min: number }[];
}

/** A bundle's bytes by module: what each import pays for, and for what. */
export interface SizeProfile {
  min: number;
  gzip: number;
  /** Largest first; `(glue)` is what no module accounts for (the bundle's own export list, separators). */
  modules: ModuleBytes[];
}

/**
 * Profiles the bundle of `source` as minGzipSize measures it (rollup, then
 * terser): every character of the minified code is charged, through the
 * source maps, to the module and the top-level declaration (or class member)
 * it comes from. A module's gzip figure is measured by removing its
 * characters and gzipping again, so the figures overlap (gzip shares
 * repeated text between modules) and need not add up to the total.
 */
export async function profileSize(source: string): Promise<SizeProfile> {
  const bundled = await bundleUnminified(source);
  const out = await minify(bundled.code, { module: true, sourceMap: { content: bundled.map.toString(), asObject: true } });
  const code = out.code!;
  const owners = charOwners(code, new TraceMap(out.map as string));
  const gzip = gzipOf(code);
  const byModule = new Map<string, { chars: Map<string, number>; keep: boolean[] }>();
  for (let i = 0; i < code.length; i++) {
    const [module, part] = owners[i]!;
    let m = byModule.get(module);
    if (m === undefined) byModule.set(module, m = { chars: new Map(), keep: [] });
    m.chars.set(part, (m.chars.get(part) ?? 0) + byteLength(code, i));
  }
  const modules: ModuleBytes[] = [];
  for (const [module, m] of byModule) {
    let without = '';
    for (let i = 0; i < code.length; i++) if (owners[i]![0] !== module) without += code[i];
    const parts = [...m.chars].map(([name, min]) => ({ name, min })).sort((a, b) => b.min - a.min);
    modules.push({ module, min: parts.reduce((s, p) => s + p.min, 0), gzip: gzip - gzipOf(without), parts });
  }
  modules.sort((a, b) => b.min - a.min);
  return { min: Buffer.byteLength(code), gzip, modules };
}

function gzipOf(code: string): number {
  return gzipSync(code, { level: 9 }).length;
}

/** The UTF-8 bytes of the UTF-16 unit at `i` (a surrogate pair counts once, on its first half). */
function byteLength(code: string, i: number): number {
  const c = code.charCodeAt(i);
  if (c < 0x80) return 1;
  if (c < 0x800) return 2;
  if (c >= 0xd800 && c < 0xdc00) return 4;
  return c >= 0xdc00 && c < 0xe000 ? 0 : 3;
}

const GLUE: [string, string] = ['(glue)', ''];

/**
 * [module, part] for each character of the minified `code`: a mapping owns
 * the characters from its position up to the next mapping's.
 */
function charOwners(code: string, map: TraceMap): [string, string][] {
  const lineStarts = [0];
  for (let i = 0; i < code.length; i++) if (code[i] === '\n') lineStarts.push(i + 1);
  const marks: { at: number; owner: [string, string] }[] = [];
  const parts = new Map<string, PartFinder>();
  eachMapping(map, (m) => {
    const at = lineStarts[m.generatedLine - 1]! + m.generatedColumn;
    if (m.source === null || m.originalLine === null) {
      marks.push({ at, owner: GLUE });
      return;
    }
    let finder = parts.get(m.source);
    if (finder === undefined) parts.set(m.source, finder = new PartFinder(m.source));
    marks.push({ at, owner: finder.owner(m.originalLine, m.originalColumn) });
  });
  marks.sort((a, b) => a.at - b.at);
  const owners: [string, string][] = new Array(code.length);
  let k = -1;
  for (let i = 0; i < code.length; i++) {
    while (k + 1 < marks.length && marks[k + 1]!.at <= i) k++;
    owners[i] = k < 0 ? GLUE : marks[k]!.owner;
  }
  return owners;
}

/** Names the top-level declaration (or class member) at a position of a built module. */
class PartFinder {
  readonly module: string;
  readonly file: ts.SourceFile | null;

  constructor(path: string) {
    const dist = `${ROOT}/dist/`;
    this.module = path.startsWith(dist) ? path.slice(dist.length) : relative(ROOT, path);
    let text: string | null = null;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      // A virtual module (the bundle's entry): no parts.
    }
    this.file = text === null ? null : ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  }

  owner(line: number, column: number): [string, string] {
    const f = this.file;
    if (f === null) return [this.module, ''];
    const pos = f.getPositionOfLineAndCharacter(line - 1, column);
    const statement = f.statements.find((s) => s.getStart(f) <= pos && pos < s.end);
    if (statement === undefined) return [this.module, ''];
    const name = statementName(statement, f);
    if (!ts.isClassDeclaration(statement)) return [this.module, name];
    const member = statement.members.find((m) => m.getStart(f) <= pos && pos < m.end);
    if (member === undefined || ts.isPropertyDeclaration(member) || ts.isConstructorDeclaration(member)) {
      return [this.module, `${name} (class, constructor, fields)`];
    }
    return [this.module, `${name}#${member.name === undefined ? 'static' : member.name.getText(f)}`];
  }
}

function statementName(s: ts.Statement, f: ts.SourceFile): string {
  if ((ts.isClassDeclaration(s) || ts.isFunctionDeclaration(s)) && s.name !== undefined) return s.name.text;
  if (ts.isVariableStatement(s)) return s.declarationList.declarations.map((d) => d.name.getText(f)).join(', ');
  const text = s.getText(f).replace(/\s+/g, ' ');
  return text.length > 32 ? `${text.slice(0, 32)}…` : text;
}
