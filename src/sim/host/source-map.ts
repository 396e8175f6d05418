import { relative } from 'node:path';
import { LEAST_UPPER_BOUND, originalPositionFor, TraceMap } from '@jridgewell/trace-mapping';

/** A place in an original source file. */
export interface SourcePosition {
  /** The absolute path of the file. */
  source: string;
  /** 1-based. */
  line: number;
  /** 1-based; undefined when the stack trace gave a line only (XS). */
  column?: number;
}

/**
 * Maps the bundle's positions in stack traces back to the app's own files
 * and lines (TypeScript included), through the bundle's source map.
 *
 * XS names the first script it evaluated `#0` and gives lines only
 * (`at step (#0:326)`); Node gives the bundle's file with line and column
 * (`at file:///tmp/anyloop-sim-x/app.mjs:2135:35`). Both become
 * `path/to/app.ts:14` (`:14:38` when a column is known), paths relative to
 * `cwd` when under it. Positions the map does not cover are left as they are.
 */
export class BundleSourceMap {
  private readonly _map: TraceMap;
  private readonly _pattern: RegExp;
  private readonly _cwd: string;

  /**
   * @param map the bundle's source map (JSON), its `sources` absolute paths
   * @param names how stack traces name the bundle: `#0` (XS), its file URL or path (Node)
   * @param cwd paths under it are shown relative to it
   */
  constructor(map: string, names: readonly string[], cwd: string = process.cwd()) {
    this._map = new TraceMap(map);
    const alternatives = names.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
    this._pattern = new RegExp(`(?:${alternatives}):(\\d+)(?::(\\d+))?`, 'g');
    this._cwd = cwd;
  }

  /** `text` with every position in the bundle replaced by its original `file:line[:column]`. */
  mapText(text: string): string {
    return text.replace(this._pattern, (whole, line: string, column: string | undefined) => {
      const p = this._original(line, column);
      return p === null ? whole : this.format(p);
    });
  }

  /** The original positions of the bundle positions in `text`, in order (those the map covers). */
  positions(text: string): SourcePosition[] {
    const out: SourcePosition[] = [];
    for (const m of text.matchAll(this._pattern)) {
      const p = this._original(m[1]!, m[2]);
      if (p !== null) out.push(p);
    }
    return out;
  }

  /** `file:line[:column]`, the file relative to `cwd` when under it. */
  format(p: SourcePosition): string {
    const rel = relative(this._cwd, p.source);
    const file = rel.startsWith('..') || rel === '' ? p.source : rel;
    return p.column === undefined ? `${file}:${p.line}` : `${file}:${p.line}:${p.column}`;
  }

  private _original(line: string, column: string | undefined): SourcePosition | null {
    // A line alone (XS) maps through its first mapped segment.
    const p = originalPositionFor(this._map, column === undefined
      ? { line: Number(line), column: 0, bias: LEAST_UPPER_BOUND }
      : { line: Number(line), column: Number(column) - 1 });
    if (p.source === null || p.line === null) return null;
    return column === undefined ? { source: p.source, line: p.line } : { source: p.source, line: p.line, column: p.column + 1 };
  }
}
