/** Median, minimum and maximum of a set of repetitions. */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

/** The median, minimum and maximum of `xs` (at least one value). */
export function spread(xs: readonly number[]): Spread {
  if (xs.length === 0) throw new RangeError('spread() needs at least one value');
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0]!, max: s[s.length - 1]! };
}

/** A number with `digits` significant digits, for tables. */
export function sig(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 10 ** digits) return Math.round(x).toLocaleString('en-US');
  return Number(x.toPrecision(digits)).toString();
}

/** `median (min–max)` of a spread. */
export function showSpread(s: Spread, digits = 3): string {
  return `${sig(s.median, digits)} (${sig(s.min, digits)}–${sig(s.max, digits)})`;
}

/** A markdown table. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
